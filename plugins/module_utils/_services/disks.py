# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vmdk module's work: gather what is there, decide per disk (plan_disk, pure), act on all disks together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import ADAPTER_CHOICES, DEFAULT_FOLDER, DISK_FORMATS
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    KubeClient,
    KubernetesError,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import kubeconfig_secrets
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import pv_references
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import disk_ops, vm_devices
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import human, kib, mib
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.pbm import (
    policy_id,
    storage_policies,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    wait_for_tasks,
)

try:
    from pyVmomi import vim
except ImportError:
    pass

MAX_CONCURRENCY = 64

DISK_OPTIONS = ("path", "datastore", "name", "folder", "state", "size", "disk_format", "adapter_type",
                "first_class", "storage_policy", "force")


@dataclass
class DiskItem:
    """One disk of a vmdk task, from its options to its result entry. Each stage fills its own fields: the options
    (items_from), what is there (gather), the decision (plan_disk, pure) and what was done (apply_changes)."""
    disk: Any                           # DiskName, as written
    state: str = "present"
    size: Optional[int] = None          # bytes asked for
    disk_format: str = "thin"
    adapter_type: str = "pvscsi"
    first_class: bool = False
    storage_policy: Optional[str] = None
    force: bool = False
    where: str = ""                     # how messages name the item (disks[3], the disk)
    # read by gather
    ds: Any = None                      # disks.Datastore
    exists: bool = False
    facts: dict = field(default_factory=dict)     # parse_descriptor's facts
    fcd_id: Optional[str] = None
    attached: list = field(default_factory=list)  # DiskStore.attachments entries
    policy_id: Optional[str] = None
    # decided by plan_disk
    actions: list = field(default_factory=list)   # created, grown, registered, deleted
    error: Optional[str] = None
    action: str = "none"
    before: str = ""
    after: str = ""
    result: dict = field(default_factory=dict)    # the module's result entry
    # done by apply_changes
    done: list = field(default_factory=list)
    raced: bool = False                 # created meanwhile by someone else
    detached: bool = False

    @classmethod
    def from_options(cls, options, disk, size, where):
        """An item from its validated options (disk_argument_spec), its parsed disk and size."""
        return cls(disk=disk, state=options["state"], size=size, disk_format=options["disk_format"],
                   adapter_type=options["adapter_type"], first_class=bool(options["first_class"]),
                   storage_policy=options["storage_policy"], force=bool(options["force"]), where=where)


def disk_argument_spec():
    return dict(
        path=dict(type="str"),
        datastore=dict(type="str"),
        name=dict(type="str"),
        folder=dict(type="str", default=DEFAULT_FOLDER),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        size=dict(type="str"),
        disk_format=dict(type="str", choices=list(DISK_FORMATS), default="thin"),
        adapter_type=dict(type="str", choices=list(ADAPTER_CHOICES), default="pvscsi"),
        first_class=dict(type="bool", default=False),
        storage_policy=dict(type="str"),
        force=dict(type="bool", default=False),
    )


def kube_references(module, deleting=True):
    """PV references of disks, read once (one LIST of PersistentVolumes), through the kubernetes option or, when it
    is not given, the environment. For a delete, no connection means no delete: the module fails saying how to
    give one."""
    params = module.params["kubernetes"]
    if params is None:
        params = ArgumentSpecValidator(kubernetes_argument_spec()).validate({}).validated_parameters
    if deleting:
        first = ("Nothing was deleted: a disk is deleted only after checking that no PersistentVolume names it, and "
                 "the PersistentVolumes could not be read")
        hint = (" Give the kubernetes option (kubeconfig, or host with api_key), or set K8S_AUTH_KUBECONFIG; or set "
                "check_references: false to delete without looking (dangerous: a disk a PersistentVolume still "
                "names is then deleted).")
    else:
        first, hint = "Reading the PersistentVolumes failed", ""
    if params.get("kubeconfig") is not None:  # the kubeconfig file's secrets, before it is read
        module.no_log_values.update(kubeconfig_secrets(params["kubeconfig"]))
    try:
        kube = KubeClient(params)
    except KubernetesError as e:
        module.fail_json(msg="%s (%s).%s" % (first, e, hint))
    try:
        return pv_references(kube.list("PersistentVolume"))
    except KubernetesError as e:
        module.fail_json(msg="%s: %s.%s" % (first, e, hint))
    finally:
        kube.close()


def gather(client, datacenter, items):
    """Resolve datastores and read what exists: folder listings, descriptors, FCD ids, attachments."""
    tree = InventoryTree(client).fetch()
    store = DiskStore(client, tree, tree.datacenter(datacenter)).fetch()
    for it in items:
        it.ds = store.datastore(it.disk.datastore)
    for it, exists in zip(items, store.exist((it.ds, it.disk) for it in items)):
        it.exists = exists
    existing = [it for it in items if it.exists]
    facts = store.descriptors([(it.disk, it.ds) for it in existing]) if existing else {}
    fcd_stores = {it.ds.moid: it.ds for it in existing}  # a disk not there yet is no First Class Disk
    fcds = {}
    for ds in fcd_stores.values():
        fcds.update(store.fcds(ds))
    # Only disks that exist can be attached; only the VMs on their datastores are read.
    attachments = store.attachments(list({it.ds.moid: it.ds for it in existing}.values())) if existing else {}
    policies = storage_policies(client) if any(it.storage_policy for it in items) else None
    for it in items:
        key = it.disk.with_datastore(it.ds.name)
        it.facts = facts.get(it.disk, {})
        fcd = fcds.get(key)
        it.fcd_id = fcd["id"] if fcd else None
        it.attached = attachments.get(key, [])
        if it.storage_policy and it.state == "present" and not it.exists:
            it.policy_id = policy_id(client, it.storage_policy, policies)
    return store


def _state(it):
    if not it.exists:
        return "absent"
    return "present, %s%s" % (human(it.facts.get("capacity_bytes") or 0),
                              ", first class disk %s" % it.fcd_id if it.fcd_id else "")


def plan_disk(it, store, refs):
    """Decide what to do with one disk (pure: from what gather read and the PV references): sets it.actions,
    it.error, it.action, before/after and the result entry."""
    disk, ds = it.disk, it.ds
    actions, error = [], None
    capacity = it.facts.get("capacity_bytes")
    users = sorted({a["vm"] for a in it.attached})
    key = ("path", ds.name, disk.path)
    pvs = (refs or {}).get(key, []) + ((refs or {}).get(("fcd", it.fcd_id), []) if it.fcd_id else [])
    if it.state == "present":
        if not it.exists:
            if not it.size:
                error = "%s does not exist: give size to create it." % disk
            else:
                actions.append("created")
                if it.first_class:
                    actions.append("registered")
        else:
            if it.size and capacity is not None:
                wanted = mib(it.size) * 1024 * 1024 if it.fcd_id else kib(it.size) * 1024
                if wanted < capacity:
                    error = "%s is %s: it cannot shrink to %s (disks only grow)." % (
                        disk, human(capacity), human(it.size))
                elif wanted > capacity:
                    actions.append("grown")
            if it.first_class and not it.fcd_id:
                actions.append("registered")
    elif it.state == "absent" and it.exists:
        if users and not it.force:
            error = "%s is attached to %s: detach it first, or set force: true to detach and delete it." % (
                disk, ", ".join(users))
        elif pvs and not it.force:
            error = "%s is referenced by PersistentVolume %s: delete the PV first, or set force: true." % (
                disk, ", ".join("%s (claim %s)" % (p["name"], p["claim"]) if p["claim"] else p["name"]
                                for p in pvs))
        else:
            actions.append("deleted")
    it.actions, it.error = actions, error
    it.action = "+".join(actions) or "none"
    it.before = _state(it)
    after_capacity = capacity
    if "grown" in actions:
        after_capacity = mib(it.size) * 1024 * 1024 if it.fcd_id else kib(it.size) * 1024
    elif "created" in actions:
        after_capacity = kib(it.size) * 1024  # a First Class Disk made with its policy: from vCenter's answer
    it.after = "absent" if "deleted" in actions else ("present, %s%s" % (
        human(after_capacity or 0), ", first class disk" if it.first_class or it.fcd_id else "")
        if actions else it.before)
    it.result = dict(
        path=str(disk), datastore=ds.name, datastore_url=ds.url, uuid=it.facts.get("uuid"),
        capacity_bytes=None if "deleted" in actions else after_capacity,
        disk_format=it.facts.get("disk_format") or (it.disk_format if "created" in actions else None),
        fcd_id=it.fcd_id, attached_to=[] if "deleted" in actions else users,
        referenced_by=[p["name"] for p in pvs], action=it.action, changed=bool(actions),
        exists=it.exists if not actions else "deleted" not in actions)


def apply_changes(client, store, items, concurrency):
    """Create, grow, register, detach and delete, each kind submitted together. Returns {disk: error}.

    Each item's result records what was really done (action, changed), so a partial failure reports honestly.
    """
    failures = {}
    by_disk = {it.disk: it for it in items}
    for it in items:
        it.done = []

    def record(results, what, action):
        for disk, result in results.items():
            it = by_disk[disk]
            if isinstance(result, TaskFailed):
                if action == "created" and isinstance(result.fault, vim.fault.FileAlreadyExists):
                    it.raced = True  # made by someone else meanwhile: it is there, and not by us
                    continue
                failures[str(disk)] = "%s failed: %s" % (what, result)
            else:
                it.done.append(action)

    creates = [it for it in items if "created" in it.actions]
    if creates:
        disk_ops.make_dirs(client, store, [(it.ds, it.disk.folder) for it in creates])
        results = disk_ops.run_tasks(client, disk_ops.create_jobs(client, store, creates), concurrency)
        record(results, "creating", "created")
        for disk, result in results.items():
            if isinstance(result, vim.vslm.VStorageObject):  # created as a First Class Disk with its policy
                by_disk[disk].fcd_id = by_disk[disk].result["fcd_id"] = result.config.id.id
                by_disk[disk].result["capacity_bytes"] = result.config.capacityInMB * 1024 * 1024
                by_disk[disk].done.append("registered")
    grows = [it for it in items if "grown" in it.actions]
    if grows:
        record(disk_ops.run_tasks(client, disk_ops.extend_jobs(client, store, grows), concurrency), "growing",
               "grown")
    registers = [it for it in items if "registered" in it.actions and not it.fcd_id
                 and str(it.disk) not in failures and not it.raced]
    if registers:
        for disk, fcd in disk_ops.register_fcds(client, store, registers).items():
            if isinstance(fcd, TaskFailed):
                failures[str(disk)] = str(fcd)
            else:
                by_disk[disk].result["fcd_id"] = fcd
                by_disk[disk].done.append("registered")
    deletes = [it for it in items if "deleted" in it.actions]
    _detach_forced(client, deletes, failures)
    deletes = [it for it in deletes if str(it.disk) not in failures]
    if deletes:
        record(disk_ops.run_tasks(client, disk_ops.delete_jobs(client, store, deletes), concurrency), "deleting",
               "deleted")
    for it in items:
        if it.actions:
            finish_result(it)
    _read_back(store, [it for it in items if it.raced])
    return failures


def finish_result(it):
    """The result entry from what was done (after acting), not from what was planned."""
    done = it.done
    res = it.result
    res["action"] = "+".join(done) or "none"
    res["changed"] = bool(done)
    if "deleted" in done:
        res.update(exists=False, capacity_bytes=None, attached_to=[])
    elif "deleted" in it.actions:  # the delete failed: the disk is still there
        res.update(exists=True, capacity_bytes=it.facts.get("capacity_bytes"),
                   attached_to=sorted({a["vm"] for a in it.attached}) if not it.detached else [])
    elif it.raced or done:
        res["exists"] = True


def _detach_forced(client, deletes, failures):
    """force: detach from every VM (keeping the file) before deleting; one reconfiguration per VM."""
    per_vm = {}
    for it in deletes:
        for a in it.attached:
            per_vm.setdefault(a["moid"], (a["obj"], []))[1].append((it, a))
    tasks, owners = [], {}
    for vm, entries in per_vm.values():
        changes = [vm_devices.remove_attachment(a) for _it, a in entries]
        task = vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=changes))
        tasks.append(task)
        owners[task._moId] = entries
    for moid, result in wait_for_tasks(client, tasks).items():
        for it, a in owners[moid]:
            if isinstance(result, TaskFailed):
                failures[str(it.disk)] = "detaching from %s failed: %s" % (a["vm"], result)
            else:
                it.detached = True
                if "detached" not in it.done:
                    it.done.append("detached")


def _read_back(store, raced):
    """Capacity, uuid and format of the disks someone else created meanwhile (this task asked for something else
    and knows nothing of them). A disk this task created or grew is not read back: its task's success answers
    (vCenter makes the capacity asked for, or fails), so its uuid stays unread (vmdk_info reads it)."""
    if not raced:
        return
    for disk, facts in store.descriptors([(it.disk, it.ds) for it in raced]).items():
        for it in raced:
            if it.disk == disk:
                it.result.update(capacity_bytes=facts["capacity_bytes"], uuid=facts.get("uuid"),
                                 disk_format=facts.get("disk_format"))
