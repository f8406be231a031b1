#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vmdk
short_description: Create, grow and delete VMDKs and First Class Disks for Kubernetes volumes, many per task
version_added: 0.1.0
description:
  - Owns the lifecycle of the VMDK files that back Kubernetes volumes on vSAN, VMFS and NFS datastores, also
    inside datastore clusters and datastore folders.
  - Many disks in one task (O(disks)) are created, grown or deleted with their vSphere tasks submitted together,
    O(concurrency) at a time, and waited for in one loop that reads every running task in one request; a task that
    ends makes room for the next disk. Creating a disk costs one request (a First Class Disk two, the creation and
    its registration), plus a few for the whole task; nothing is read back after a creation or growth.
  - Never loses data - a disk is only grown, never shrunk; a disk attached to a VM or referenced by a
    PersistentVolume is not deleted without O(force).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  path:
    description:
      - The disk in datastore notation, V([ds] kubevols/pg-0.vmdk). A datastore in a datastore cluster or a
        datastore folder may be written V([DatastoreCluster/ds] kubevols/pg-0.vmdk), as the in-tree provider does.
      - Or give O(datastore) and O(name).
    type: str
  datastore:
    description:
      - The datastore, by name, V(DatastoreCluster/name), V(folder/name) or inventory path.
    type: str
  name:
    description:
      - The disk's file name (V(.vmdk) is added when missing), in O(folder).
    type: str
  folder:
    description:
      - The datastore folder of a disk given by O(name); created when missing.
    type: str
    default: kubevols
  state:
    description:
      - V(present) creates the disk, or grows it to O(size); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - The capacity, V(10Gi), V(500Mi), V(20GB) or a number of bytes. Needed to create a disk.
      - A disk is only ever grown; a smaller size than the disk has is an error that changes nothing.
    type: str
  disk_format:
    description:
      - The provisioning of a new disk (the in-tree StorageClass C(diskformat)).
    type: str
    choices: [thin, zeroedthick, eagerzeroedthick]
    default: thin
  adapter_type:
    description:
      - The adapter type recorded in a new disk (the in-tree C(scsicontrollertype) values).
    type: str
    choices: [pvscsi, lsiLogic, lsiLogic-sas, busLogic, ide]
    default: pvscsi
  first_class:
    description:
      - Make the disk a First Class Disk (created as one, or an existing VMDK registered as one) and return its
        RV(disks[].fcd_id), which a CSI PersistentVolume names as its C(volumeHandle).
    type: bool
    default: false
  storage_policy:
    description:
      - An SPBM storage policy name applied when the disk is created. Needs O(first_class=true) - a plain VMDK
        gets its policy when it is attached to a VM. An unknown policy is an error that lists the existing ones.
    type: str
  force:
    description:
      - Delete a disk even when it is attached to a VM (it is detached first) or referenced by a
        PersistentVolume.
    type: bool
    default: false
  check_references:
    description:
      - Before deleting, read the PersistentVolumes (through O(kubernetes), or the E(K8S_AUTH_*) environment,
        E(KUBECONFIG) or C(~/.kube/config) when it is not given) and refuse to delete a disk that one names
        (in-tree C(volumePath) or CSI C(volumeHandle)). When no Kubernetes connection can be had, deletion is
        refused.
      - V(false) deletes without looking at Kubernetes. B(Dangerous) - a disk that a PersistentVolume still names
        is deleted and its data lost. Attachments to VMs are checked either way.
    type: bool
    default: true
  disks:
    description:
      - Many disks in one task. Each item takes O(path), O(datastore), O(name), O(folder), O(state), O(size),
        O(disk_format), O(adapter_type), O(first_class), O(storage_policy) and O(force); the task's own values of
        these options are the defaults of every item.
    type: list
    elements: dict
  datacenter:
    description:
      - The datacenter of the datastores. Needed only when vCenter has several.
    type: str
  concurrency:
    description:
      - How many vSphere tasks run at once, 1 to 64.
    type: int
    default: 8
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.kubernetes.NESTED_OPTIONAL
notes:
  - Every item of O(disks) is checked against the same choices and types as the task's own options (a
    misspelled O(state) or a V("no") for O(force) is an error, not a delete) before anything is changed.
  - A disk is attached when any VM has it as a device, whatever the VM's home datastore - vCenter's C(Datastore.vm)
    and C(VirtualMachine.datastore) are both read, then the devices of those VMs.
  - A disk that a PersistentVolume references (in-tree C(volumePath) or CSI C(volumeHandle)) is not deleted without
    O(force); see O(check_references).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: A 20 GiB disk for a PostgreSQL volume, in a datastore cluster
  vsphere_k8s.cloud_provider.vmdk:
    path: "[DatastoreCluster/LocalDS_2] kubevols/pg-0.vmdk"
    size: 20Gi

- name: Fifty disks in one task, as First Class Disks for CSI
  vsphere_k8s.cloud_provider.vmdk:
    datastore: LocalDS_0
    size: 10Gi
    first_class: true
    disks: "{{ range(50) | map('string') | map('regex_replace', '^', 'data-') | map('community.general.dict_kv', 'name') }}"

- name: Delete a disk unless a VM or a PersistentVolume still uses it
  vsphere_k8s.cloud_provider.vmdk:
    path: "[LocalDS_0] kubevols/old.vmdk"
    state: absent
    kubernetes: {}
"""

RETURN = r"""
disks:
  description: One entry per disk, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path: {description: "The disk as given, in datastore notation.", type: str, sample: "[LocalDS_0] kubevols/pg-0.vmdk"}
    datastore: {description: "The datastore's own name.", type: str}
    datastore_url: {description: "The datastore URL, as the CSI datastoreurl parameter takes it.", type: str,
                    sample: "ds:///vmfs/volumes/5f1e.../"}
    uuid: {description: "The disk UUID from its descriptor, for a disk that was there before the task. A disk the task
           creates is not read back (its creation answers the rest): its UUID is null here, M(vsphere_k8s.cloud_provider.vmdk_info)
           gives it.", type: str}
    capacity_bytes: {description: "The capacity after the task.", type: int}
    disk_format: {description: "thin, zeroedthick or eagerzeroedthick, when known.", type: str}
    fcd_id: {description: "The First Class Disk id, when it is one.", type: str}
    attached_to: {description: "The VMs the disk is attached to.", type: list, elements: str}
    referenced_by: {description: "PersistentVolumes naming the disk (read when a disk is to be deleted).", type: list,
                    elements: str}
    action: {description: "created, grown, registered, deleted or none.", type: str}
    changed: {description: "Whether the disk was (or in check mode would be) changed.", type: bool}
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._items import item_label, validate_items
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import describe_failure
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskSpecError,
    parse_disk,
    parse_size,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.disks import (
    DISK_OPTIONS,
    DiskItem,
    MAX_CONCURRENCY,
    apply_changes,
    disk_argument_spec,
    finish_result,
    gather,
    kube_references,
    plan_disk,
)


def items_from(module):
    """The disks asked for, each item typed with the module's own spec, before any request: (items, errors)."""
    params = module.params
    base = {k: params[k] for k in DISK_OPTIONS}
    if params["disks"]:
        raw, errors = validate_items(params["disks"], disk_argument_spec(), base=base, option="disks",
                                     label=item_label("path", "name"), no_log_values=module.no_log_values)
    else:
        raw, errors = [base], []
    items = []
    for i, d in enumerate(raw):
        where = "disks[%d]" % i if params["disks"] else "the disk"
        try:
            disk = parse_disk(d["path"], d["datastore"], d["name"], d["folder"])
            size = parse_size(d["size"])
        except DiskSpecError as e:
            errors.append("%s: %s" % (where, e))
            continue
        if d["state"] == "present" and d["storage_policy"] and not d["first_class"]:
            errors.append("%s: storage_policy needs first_class: true (a plain VMDK takes its policy when it is "
                          "attached to a VM)." % disk)
            continue
        items.append(DiskItem.from_options(d, disk, size, where))
    seen = {}
    for it in items:
        if str(it.disk) in seen:
            errors.append("%s is given twice." % it.disk)
        seen[str(it.disk)] = True
    if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
        errors.append("concurrency must be between 1 and %d, got %s." % (MAX_CONCURRENCY, params["concurrency"]))
    return items, errors


def same_disk_twice(items):
    """One disk written in two notations ([ds], [DatastoreCluster/ds], [/DC/datastore/ds]) is one disk."""
    seen, errors = {}, []
    for it in items:
        key = (it.ds.moid, it.disk.path)
        if key in seen:
            errors.append("%s and %s are the same disk: give it once." % (seen[key], it.disk))
        else:
            seen[key] = it.disk
    return errors


def plan(module, client, items):
    """Read what exists and decide per disk (plan_disk is pure); raises VsphereError when any disk cannot be done
    as asked (nothing changed). Returns the DiskStore."""
    store = gather(client, module.params["datacenter"], items)
    errors = same_disk_twice(items)
    if errors:
        raise VsphereError("Invalid disks, nothing was changed: %s" % " ".join(errors))
    deleting = [it for it in items if it.state == "absent" and it.exists]
    refs = kube_references(module) if deleting and module.params["check_references"] else None
    for it in items:
        plan_disk(it, store, refs)
    problems = [it.error for it in items if it.error]
    if problems:
        raise VsphereError("Nothing was changed: %s" % " ".join(problems))
    return store


def act(module, client, store, items):
    """Apply every change; {disk: error} of the disks that failed. A failure that stops the run says what was done."""
    try:
        return apply_changes(client, store, items, module.params["concurrency"])
    except Exception as e:  # pylint: disable=broad-except
        # Whatever broke (vCenter went away, a refused call), some disks may already have changed.
        for it in items:
            if it.done:
                finish_result(it)
        failure = describe_failure(e, "changing disks", client)
        module.fail_json(msg=failure[0] if failure else "Changing disks on vCenter %s failed: %s: %s. Some "
                         "disks may have been changed: run the task again, it reads what exists and "
                         "finishes the rest." % (module.params["hostname"], type(e).__name__, e),
                         changed=True, disks=[it.result for it in items])


def report(items, diff):
    out = dict(changed=any(it.result["changed"] for it in items), disks=[it.result for it in items])
    if diff:
        done = [it for it in items if it.result["changed"]]
        out["diff"] = dict(before="".join("%s: %s\n" % (it.disk, it.before) for it in done),
                           after="".join("%s: %s\n" % (it.disk, it.after) for it in done))
    return out


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            disk_argument_spec(),
            disks=dict(type="list", elements="dict"),
            datacenter=dict(type="str"),
            concurrency=dict(type="int", default=8),
            check_references=dict(type="bool", default=True),
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
    )
    items, errors = items_from(module)
    if errors:
        module.fail_json(msg="Invalid disks, nothing was changed: %s" % "; ".join(errors))
    failures = {}
    with module.errors("managing disks"):
        store = plan(module, module.vsphere, items)
        if any(it.action != "none" for it in items) and not module.check_mode:
            failures = act(module, module.vsphere, store, items)
    out = report(items, module._diff)
    if failures:
        module.fail_json(msg="Some disks failed: %s" % "; ".join("%s: %s" % kv for kv in sorted(failures.items())),
                         **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
