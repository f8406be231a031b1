#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmdk_attachment
short_description: Attach a VMDK or First Class Disk to a Kubernetes node VM, or detach it
version_added: 0.1.0
description:
  - Attaches (V(present)) or detaches (V(absent)) an existing disk to or from the VM of a Kubernetes node, found
    by node name, BIOS UUID in any form or provider ID, as M(vsphere_k8s.cloud_provider.node_vm_info) finds it.
  - Picks a ParaVirtual SCSI controller with a free unit number (adds one with O(add_controller)).
  - Detaching never deletes the file.
  - A disk attached to another VM is not attached without O(force), which first detaches it from the other VM -
    the recovery for volumes stuck on a powered-off or deleted node.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  node:
    description:
      - The node - a Kubernetes node name, a BIOS UUID in any form, or a provider ID V(vsphere://<uuid>).
    type: str
    required: true
  path:
    description:
      - The disk in datastore notation, V([ds] kubevols/pg-0.vmdk) or V([DatastoreCluster/ds] kubevols/pg-0.vmdk).
      - Or give O(fcd_id).
    type: str
  fcd_id:
    description:
      - The id of a First Class Disk.
    type: str
  state:
    description:
      - V(present) attaches, V(absent) detaches.
    type: str
    choices: [present, absent]
    default: present
  disk_mode:
    description:
      - The disk mode; independent disks stay out of VM snapshots, as Kubernetes volumes should.
    type: str
    choices: [independent_persistent, persistent, independent_nonpersistent]
    default: independent_persistent
  add_controller:
    description:
      - Add a ParaVirtual SCSI controller when none has a free unit.
    type: bool
    default: false
  force:
    description:
      - Attach a disk that is attached to another VM, detaching it from that VM first.
      - Detach (V(absent)) a disk from a powered-on VM. Without it that is refused - the guest may have the disk
        mounted; let Kubernetes detach it, or power the VM off.
    type: bool
    default: false
  datacenter:
    description:
      - The datacenter, when vCenter has several.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Attach a volume to a node
  vsphere_k8s.cloud_provider.vmdk_attachment:
    node: k8s-worker-1
    path: "[LocalDS_0] kubevols/pg-0.vmdk"
    add_controller: true

- name: Move a volume stuck on a dead node to a healthy one
  vsphere_k8s.cloud_provider.vmdk_attachment:
    node: vsphere://4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e03
    path: "[LocalDS_0] kubevols/pg-0.vmdk"
    force: true
"""

RETURN = r"""
vm: {description: "The node VM's name.", returned: always, type: str}
path: {description: "The disk file, in datastore notation with the datastore's own name.", returned: always, type: str}
fcd_id: {description: "The First Class Disk id, when the disk is one.", returned: always, type: str}
controller: {description: "The controller (scsi<bus>) the disk is or was on.", returned: when attached, type: str}
unit: {description: "The unit number on that controller.", returned: when attached, type: int}
detached_from: {description: "VMs the disk was taken from (force).", returned: always, type: list, elements: str}
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskSpecError,
    parse_disk,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import find_node
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import wait_for_task
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_devices
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.vm_facts import (
    controllers,
    free_pvscsi_slot,
)

try:
    from pyVmomi import vim
except ImportError:
    pass


def locate_disk(store, p):
    """'[ds name] path', DiskName and FCD id of the disk asked for."""
    if p["path"]:
        disk = parse_disk(p["path"])
        ds = store.datastore(disk.datastore)
        if not store.exist([(ds, disk)])[0]:
            raise VsphereError("The disk %s does not exist." % disk)
        fcd = store.fcds(ds).get(disk.with_datastore(ds.name))
        return disk.with_datastore(ds.name), fcd["id"] if fcd else None
    for ds in store.datastores.values():
        for path, fcd in store.fcds(ds).items():
            if fcd["id"] == p["fcd_id"]:
                return path, fcd["id"]
    raise VsphereError("No First Class Disk with id %s is on the datastores of the datacenter." % p["fcd_id"])


def detach_spec(attachment):
    return vim.vm.ConfigSpec(deviceChange=[vm_devices.remove_attachment(attachment)])


def attach_spec(path, devices, p):
    """(ConfigSpec, controller label, unit), adding a PVSCSI controller when needed and allowed."""
    slot = free_pvscsi_slot(devices)
    changes = []
    if slot is None:
        if not p["add_controller"]:
            raise VsphereError("No ParaVirtual SCSI controller of the VM has a free unit: set add_controller: true "
                               "or add one.")
        ctrl = vm_devices.add_pvscsi(devices)
        if ctrl is None:
            raise VsphereError("The VM has %d SCSI controllers and none has a free unit." % vm_devices.MAX_SCSI_BUSES)
        changes.append(ctrl)
        slot = (ctrl.device.key, ctrl.device.busNumber, 0)
    key, bus, unit = slot
    changes.append(vm_devices.attach_disk(path, key, unit, p["disk_mode"]))
    return vim.vm.ConfigSpec(deviceChange=changes), "scsi%d" % bus, unit


def validate(module):
    if module.params["path"]:
        try:
            parse_disk(module.params["path"])
        except DiskSpecError as e:
            module.fail_json(msg=str(e))


def read_state(client, p):
    """The VM, the disk and who holds it: dict(vm_name, vm, match, path, fcd_id, devices, mine, others, labels,
    power)."""
    lookup, match = find_node(client, p["node"], p["datacenter"])
    store = DiskStore(client, lookup.tree, lookup.tree.datacenter(p["datacenter"])).fetch()
    path, fcd_id = locate_disk(store, p)
    devices = match.props.get("config.hardware.device") or []
    holders = store.attachments([store.by_name(path[1:path.index("]")])]).get(path, [])
    mine = [a for a in holders if a["moid"] == match.moid]
    return dict(vm_name=match.props["name"], vm=lookup.tree.vms[match.moid][0], path=path, fcd_id=fcd_id,
                devices=devices, mine=mine, others=[a for a in holders if a["moid"] != match.moid],
                labels={c["key"]: "scsi%d" % c["bus_number"] for c in controllers(devices)},
                power=str(match.props.get("runtime.powerState") or mine and mine[0]["power_state"] or ""))


def plan(s, p, result):
    """What to do (pure on the state read): [(VM object, ConfigSpec)] in order, with result filled in."""
    path, vm_name, mine, others = s["path"], s["vm_name"], s["mine"], s["others"]
    result.update(vm=vm_name, path=path, fcd_id=s["fcd_id"])
    if mine:
        result.update(controller=s["labels"].get(mine[0]["controller_key"]), unit=mine[0]["unit"])
    if p["state"] == "absent":
        if mine and s["power"] == "poweredOn" and not p["force"]:
            raise VsphereError(
                "%s is in use by the running VM %s: detaching it from a powered-on VM pulls it from under a "
                "mounted filesystem. Let Kubernetes detach it (delete the pod or drain the node), power the VM "
                "off, or set force: true. Nothing was changed." % (path, vm_name))
        result["changed"] = bool(mine)
        return [(s["vm"], detach_spec(mine[0]))] if mine else []
    if mine:
        return []
    if others and not p["force"]:
        raise VsphereError("%s is attached to %s: detach it there first, or set force: true to move it "
                           "(for a node that is powered off or gone)." % (path, ", ".join(
                               "%s (%s)" % (a["vm"], a["power_state"]) for a in others)))
    spec, controller, unit = attach_spec(path, s["devices"], p)
    result.update(changed=True, controller=controller, unit=unit, detached_from=sorted({a["vm"] for a in others}))
    return [(a["obj"], detach_spec(a)) for a in others] + [(s["vm"], spec)]


def diff(result, p):
    attached = "%s on %s %s:%s" % (result["path"], result["vm"], result.get("controller"), result.get("unit"))
    before = ("attached to %s" % ", ".join(result["detached_from"]) if result["detached_from"] else "detached") \
        if p["state"] == "present" else attached
    after = attached if p["state"] == "present" else "detached"
    return dict(before=before + "\n", after=after + "\n")


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            node=dict(type="str", required=True),
            path=dict(type="str"),
            fcd_id=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            disk_mode=dict(type="str", choices=["independent_persistent", "persistent", "independent_nonpersistent"],
                           default="independent_persistent"),
            add_controller=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            datacenter=dict(type="str"),
        ),
        vsphere=True,
        required_one_of=[("path", "fcd_id")],
        mutually_exclusive=[("path", "fcd_id")],
        supports_check_mode=True,
    )
    p = module.params
    validate(module)
    result = dict(changed=False, detached_from=[])
    with module.errors("attaching or detaching a disk"):
        steps = plan(read_state(module.vsphere, p), p, result)
        if not module.check_mode:
            for vm, spec in steps:
                wait_for_task(module.vsphere, vm.ReconfigVM_Task(spec=spec))
    if module._diff and result["changed"]:
        result["diff"] = diff(result, p)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
