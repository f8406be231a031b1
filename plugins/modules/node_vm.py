#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: node_vm
short_description: Make Kubernetes node VMs ready for the vSphere cloud provider, many per task
version_added: 0.1.0
description:
  - Finds node VMs with the same inputs as M(vsphere_k8s.cloud_provider.node_vm_info) and makes them ready for
    vSphere volumes - C(disk.EnableUUID=TRUE) (without it no C(/dev/disk/by-id) entry appears and mounts time
    out), a ParaVirtual SCSI controller for volumes, and a VM folder of their own.
  - The reconfigurations of all VMs are submitted together and waited for together; the folder move is one task
    for all VMs.
  - C(disk.EnableUUID) applies after a power cycle; powered-on VMs that got it are listed in RV(reboot_required).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  disk_enable_uuid:
    description:
      - Set the advanced setting C(disk.EnableUUID) to V(TRUE). V(false) leaves the setting as it is.
    type: bool
    default: true
  pvscsi:
    description:
      - Ensure the VM has a ParaVirtual SCSI controller (the in-tree provider's default C(scsicontrollertype))
        for volumes, adding one on the first free SCSI bus when it has none.
    type: bool
    default: false
  move_to_folder:
    description:
      - Move the VMs into this VM folder (inventory path such as V(/DC0/vm/kubernetes/nodes), or a path below the
        datacenter's VM folder), creating the missing folders.
      - Checked before anything changes - a path with V(.) or V(..) segments, empty segments (V(a//b)), a
        backslash or a line break, or a new folder name over 80 characters, is an error.
    type: str
  fail_on_missing:
    description:
      - Fail when an input matches no VM, before changing anything.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.node_lookup
  - vsphere_k8s.cloud_provider.kubernetes.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Every node of the cluster ready for volumes, in its own folder
  vsphere_k8s.cloud_provider.node_vm:
    from_cluster: true
    pvscsi: true
    move_to_folder: /DC0/vm/kubernetes/nodes
    kubernetes:
      kubeconfig: ~/.kube/config
  register: ready

- name: Nodes to power-cycle before volumes can be mounted
  ansible.builtin.debug:
    var: ready.reboot_required
"""

RETURN = r"""
nodes:
  description: One entry per VM found.
  returned: always
  type: list
  elements: dict
  contains:
    vm_name: {description: "The VM name.", type: str}
    moid: {description: "The VM managed object id.", type: str}
    node_name: {description: "The Kubernetes node name asked for or matched.", type: str}
    changed: {description: "Whether this VM was (or in check mode would be) changed.", type: bool}
    changes: {description: "What changed, in words.", type: list, elements: str}
    before: {description: "disk_enable_uuid, pvscsi and folder before.", type: dict}
    after: {description: "disk_enable_uuid, pvscsi and folder after.", type: dict}
reboot_required:
  description: Powered-on VMs whose disk.EnableUUID changed; it applies after their next power cycle.
  returned: always
  type: list
  elements: str
folders_created:
  description: VM folders created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
missing:
  description: Inputs that matched no VM.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import (
    ensure_folder,
    path_problem,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import (
    INPUT_KINDS,
    NodeLookup,
    kube_node_summaries,
    lookup_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    wait_for_tasks,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_devices, vm_facts

try:
    from pyVmomi import vim
except ImportError:
    pass


def state_of(lookup, match):
    devices = match.props.get("config.hardware.device") or []
    return dict(disk_enable_uuid=vm_facts.disk_enable_uuid(match.props),
                pvscsi=any(c["type"] == "pvscsi" for c in vm_facts.controllers(devices)),
                folder=lookup.folder_of(match.moid))


def plan(lookup, matches, p, target_path):
    """Per VM: before, after, reconfiguration spec (or None), whether to move."""
    out = []
    for m in matches:
        before = state_of(lookup, m)
        after = dict(before)
        changes, spec = [], vim.vm.ConfigSpec()
        if p["disk_enable_uuid"] and not before["disk_enable_uuid"]:
            after["disk_enable_uuid"] = True
            changes.append("disk.EnableUUID set to TRUE")
            spec.extraConfig = [vim.option.OptionValue(key="disk.EnableUUID", value="TRUE")]
        if p["pvscsi"] and not before["pvscsi"]:
            dev = vm_devices.add_pvscsi(m.props.get("config.hardware.device") or [])
            if dev is None:
                raise VsphereError("VM %s has %d SCSI controllers and none is ParaVirtual: no bus is free for one. "
                                   "Replace a controller by hand." % (m.props["name"], vm_devices.MAX_SCSI_BUSES))
            after["pvscsi"] = True
            changes.append("ParaVirtual SCSI controller added on bus %d" % dev.device.busNumber)
            spec.deviceChange = [dev]
        move = bool(target_path) and before["folder"] != target_path
        if move:
            after["folder"] = target_path
            changes.append("moved to %s" % target_path)
        out.append(dict(match=m, before=before, after=after, changes=changes,
                        spec=spec if (spec.extraConfig or spec.deviceChange) else None, move=move))
    return out


def act(client, lookup, items, folder, batch=32):
    """Submit every reconfiguration (bounded batches) and one move task; returns {vm name: error}."""
    errors = {}
    jobs = [(i, i["match"]) for i in items if i["spec"] is not None]
    for start in range(0, len(jobs), batch):
        tasks, names = [], {}
        for item, m in jobs[start:start + batch]:
            task = lookup.tree.vms[m.moid][0].ReconfigVM_Task(spec=item["spec"])
            tasks.append(task)
            names[task._moId] = m.props["name"]
        for moid, result in wait_for_tasks(client, tasks).items():
            if isinstance(result, TaskFailed):
                errors[names[moid]] = "reconfiguration failed: %s" % result
    movers = [lookup.tree.vms[i["match"].moid][0] for i in items if i["move"]]
    if movers:
        task = folder.MoveIntoFolder_Task(movers)
        result = wait_for_tasks(client, [task])[task._moId]
        if isinstance(result, TaskFailed):
            for vm in movers:
                errors[lookup.tree.vms[vm._moId][1]["name"]] = "move to the folder failed: %s" % result
    return errors


def validate(module):
    p = module.params
    examples = (("move_to_folder", "Give a VM folder path such as /DC0/vm/kubernetes/nodes, or omit move_to_folder "
                                   "to leave the VMs where they are."),
                ("folder", "Give the VM folder to search, such as /DC0/vm/kubernetes, or omit folder."))
    for option, example in examples:
        problem = path_problem(p[option]) if p[option] is not None else None
        if problem:
            module.fail_json(msg="%s: %s. %s Nothing was changed." % (option, problem, example))
    if not p["from_cluster"] and not any(p[k] for k in INPUT_KINDS):
        module.fail_json(msg="No node VMs named: give names, uuids, provider_ids or ips, or from_cluster: true.")


def report(items, errors, created, lookup, changed, diff):
    nodes_out, reboot = [], []
    for i in items:
        m = i["match"]
        if i["after"]["disk_enable_uuid"] != i["before"]["disk_enable_uuid"] and \
                str(m.props.get("runtime.powerState")) == "poweredOn":
            reboot.append(m.props["name"])
        nodes_out.append(dict(vm_name=m.props["name"], moid=m.moid, node_name=m.node_name,
                              changed=bool(i["changes"]), changes=i["changes"], before=i["before"],
                              after=i["after"], error=errors.get(m.props["name"])))
    result = dict(changed=changed, nodes=nodes_out,
                  reboot_required=sorted(reboot), folders_created=created, missing=lookup.missing)
    if diff:
        result["diff"] = dict(before={n["vm_name"]: n["before"] for n in nodes_out if n["changed"]},
                              after={n["vm_name"]: n["after"] for n in nodes_out if n["changed"]})
    return result


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            lookup_argument_spec(),
            disk_enable_uuid=dict(type="bool", default=True),
            pvscsi=dict(type="bool", default=False),
            move_to_folder=dict(type="str"),
            fail_on_missing=dict(type="bool", default=True),
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
    )
    p = module.params
    validate(module)
    nodes = kube_node_summaries(module) if p["from_cluster"] else None
    with module.errors("making node VMs ready"):
        client = module.vsphere
        lookup = NodeLookup(client, p["datacenter"], p["folder"], with_ips=bool(p["ips"]),
                            with_uuids=bool(p["uuids"] or p["provider_ids"] or p["from_cluster"])).fetch(p)
        matches = lookup.run(p, nodes)
        if p["fail_on_missing"] and lookup.missing:
            raise VsphereError("No VM found for: %s. Nothing was changed." % ", ".join(
                "%s %s" % (m["input"], m["value"]) for m in lookup.missing))
        folder, created, target = None, [], None
        if p["move_to_folder"] is not None:
            folder, created = ensure_folder(lookup.tree, p["move_to_folder"], check_mode=True)
            target = created[-1] if created else lookup.tree.path(folder._moId)
        items = plan(lookup, matches, p, target)
        changed, errors = bool(created) or any(i["changes"] for i in items), {}
        if changed and not module.check_mode:
            if created:
                folder, created = ensure_folder(lookup.tree, p["move_to_folder"])
            errors = act(client, lookup, items, folder)
    result = report(items, errors, created, lookup, changed, module._diff)
    if errors:
        module.fail_json(msg="Some node VMs could not be made ready: %s" % "; ".join(
            "%s: %s" % kv for kv in sorted(errors.items())), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
