# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMDK and First Class Disk changes, submitted concurrently in bounded batches."""

from __future__ import annotations

import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DISK_TYPES, FCD_PROVISIONING
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import fault_message
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import kib, mib
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    TaskWatch,
)

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass


@dataclass
class DiskJob:
    """What a disk change needs to know of a disk (the vmdk service's DiskItem has these fields too)."""
    disk: Any                      # DiskName
    ds: Any                        # disks.Datastore
    size: Optional[int] = None     # bytes
    disk_format: str = "thin"
    adapter_type: str = "pvscsi"
    first_class: bool = False
    policy_id: Optional[str] = None
    fcd_id: Optional[str] = None


# The in-tree provider's scsicontrollertype values, as a VMDK descriptor records them.
ADAPTER_TYPES = {"pvscsi": "lsiLogic", "lsiLogic": "lsiLogic", "lsiLogic-sas": "lsiLogic", "busLogic": "busLogic",
                 "ide": "ide"}


def run_tasks(client, jobs, concurrency=8, poll=0.05, max_poll=1.0):
    """jobs: [(key, function returning a vim.Task)]. At most `concurrency` tasks run at once: the first
    `concurrency` are submitted together (in parallel) before any wait, then one wait loop reads every running task
    in one PropertyCollector call a poll and submits the next jobs as tasks end. Requests: one per job plus the
    polls, whatever the number of jobs per poll. Returns {key: task result, or TaskFailed}."""
    out, keys = {}, {}
    queue = list(jobs)
    queue.reverse()
    watch = TaskWatch(client)
    stub = getattr(getattr(client, "si", None), "_stub", None)
    if stub is not None and getattr(stub, "poolSize", concurrency) < concurrency:
        stub.poolSize = concurrency  # keep a connection per concurrent submission

    def submit(job):
        key, make = job
        try:
            return key, make(), None
        except vmodl.MethodFault as e:
            return key, None, TaskFailed(None, "%s: %s" % (type(e).__name__.split(".")[-1], fault_message(e)), e)
        except Exception as e:  # pylint: disable=broad-except
            return key, None, e

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        while queue or watch.pending:
            room = concurrency - len(watch.pending)
            batch = [queue.pop() for _i in range(min(room, len(queue)))]
            broken = None
            for key, task, failure in pool.map(submit, batch):
                if task is not None:
                    keys[task._moId] = key
                    watch.add([task], {task._moId: key})
                elif isinstance(failure, TaskFailed):
                    out[key] = failure
                else:
                    broken = broken or failure
            if broken is not None:
                raise broken  # the connection broke while submitting: the caller says what was done
            if not watch.pending:
                continue
            ended = watch.poll()
            if watch.pending and not ended:
                time.sleep(poll)
                poll = min(poll * 2, max_poll)
            elif ended:
                poll = 0.05
    for moid, result in watch.results.items():
        out[keys[moid]] = result
    return out


def make_dirs(client, store, folders):
    """Create datastore folders ([(Datastore, folder path)]) that do not exist."""
    fm = client.content.fileManager
    for ds, folder in sorted(set(folders), key=lambda x: (x[0].name, x[1])):
        try:
            fm.MakeDirectory(name="[%s] %s" % (ds.name, folder), datacenter=store.dc_obj,
                             createParentDirectories=True)
        except vim.fault.FileAlreadyExists:
            pass


def create_jobs(client, store, items):
    """Jobs creating the disks (DiskJob-like items: disk, ds, size, disk_format, adapter_type, policy_id, first_class)."""
    vdm, vsom = client.content.virtualDiskManager, client.content.vStorageObjectManager
    jobs = []
    for it in items:
        disk, ds = it.disk, it.ds
        if it.first_class and it.policy_id:
            spec = vim.vslm.CreateSpec(
                name=disk.name, capacityInMB=mib(it.size),
                backingSpec=vim.vslm.CreateSpec.DiskFileBackingSpec(
                    datastore=ds.obj, path=disk.path, provisioningType=FCD_PROVISIONING[it.disk_format]),
                profile=[vim.vm.DefinedProfileSpec(profileId=it.policy_id)])
            jobs.append((disk, lambda s=spec: vsom.CreateDisk_Task(spec=s)))
        else:
            spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(
                diskType=DISK_TYPES[it.disk_format], adapterType=ADAPTER_TYPES[it.adapter_type],
                capacityKb=kib(it.size))
            name = disk.with_datastore(ds.name)
            jobs.append((disk, lambda n=name, s=spec: vdm.CreateVirtualDisk_Task(
                name=n, datacenter=store.dc_obj, spec=s)))
    return jobs


def extend_jobs(client, store, items):
    """Jobs growing disks (DiskJob-like items: disk, ds, size, fcd_id)."""
    vdm, vsom = client.content.virtualDiskManager, client.content.vStorageObjectManager
    jobs = []
    for it in items:
        disk, ds = it.disk, it.ds
        if it.fcd_id:
            jobs.append((disk, lambda i=it: vsom.ExtendDisk_Task(
                id=vim.vslm.ID(id=i.fcd_id), datastore=i.ds.obj, newCapacityInMB=mib(i.size))))
        else:
            jobs.append((disk, lambda n=disk.with_datastore(ds.name), i=it: vdm.ExtendVirtualDisk_Task(
                name=n, datacenter=store.dc_obj, newCapacityKb=kib(i.size), eagerZero=False)))
    return jobs


def delete_jobs(client, store, items):
    """Jobs deleting disks (DiskJob-like items: disk, ds, fcd_id). A First Class Disk is deleted through its catalog."""
    vdm, vsom = client.content.virtualDiskManager, client.content.vStorageObjectManager
    jobs = []
    for it in items:
        disk, ds = it.disk, it.ds
        if it.fcd_id:
            jobs.append((disk, lambda i=it: vsom.DeleteVStorageObject_Task(
                id=vim.vslm.ID(id=i.fcd_id), datastore=i.ds.obj)))
        else:
            jobs.append((disk, lambda n=disk.with_datastore(ds.name): vdm.DeleteVirtualDisk_Task(
                name=n, datacenter=store.dc_obj)))
    return jobs


def register_fcds(client, store, items, workers=8):
    """Register existing VMDKs as First Class Disks: {disk: fcd id, or TaskFailed}."""
    vsom = client.content.vStorageObjectManager
    params = client.params

    def register(it):
        disk, ds = it.disk, it.ds
        url = "https://%s:%s/folder/%s?%s" % (params["hostname"], params["port"], urllib.parse.quote(disk.path),
                                              urllib.parse.urlencode({"dcPath": store.dc_path, "dsName": ds.name}))
        try:
            return disk, vsom.RegisterDisk(path=url, name=disk.name).config.id.id
        except vmodl.MethodFault as e:
            return disk, TaskFailed(None, "registering as a First Class Disk failed: %s" % fault_message(e), e)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(register, items))
