# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The disks behind PersistentVolumes, read from vCenter: existence, real size, First Class Disk id."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import disk_ops
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import TaskFailed

PENDING_FCD = "pending-first-class-disk-registration"


def resolve_backings(client, volumes, datacenter=None):
    """For each volume (dict with 'disk' DiskName or 'fcd_id'): sets disk_bytes, fcd_id, vsphere_path, ds.
    Raises VsphereError naming every disk that does not exist."""
    tree = InventoryTree(client).fetch()
    store = DiskStore(client, tree, tree.datacenter(datacenter)).fetch()
    by_path = [v for v in volumes if v.get("disk")]
    for v in by_path:
        v["ds"] = store.datastore(v["disk"].datastore)
    missing = [str(v["disk"]) for v, exists in zip(by_path, store.exist((v["ds"], v["disk"]) for v in by_path))
               if not exists]
    fcds = {}
    datastores = {v["ds"].moid: v["ds"] for v in by_path}
    if any(v.get("fcd_id") for v in volumes):
        datastores = dict(store.datastores)
    for ds in datastores.values():
        for path, fcd in store.fcds(ds).items():
            fcds[path] = fcd
    by_id = {fcd["id"]: (path, fcd) for path, fcd in fcds.items()}
    for v in volumes:
        if v.get("fcd_id") and v["fcd_id"] not in by_id:
            missing.append("First Class Disk %s" % v["fcd_id"])
    if missing:
        raise VsphereError("These disks do not exist: %s. Nothing was written." % ", ".join(missing))
    sizes = store.descriptors([(v["disk"], v["ds"]) for v in by_path]) if by_path else {}
    for v in volumes:
        if v.get("disk"):
            v["vsphere_path"] = v["disk"].with_datastore(v["ds"].name)
            v["disk_bytes"] = sizes[v["disk"]]["capacity_bytes"]
            fcd = fcds.get(v["vsphere_path"])
            v["fcd_id"] = fcd["id"] if fcd else None
        else:
            v["vsphere_path"], fcd = by_id[v["fcd_id"]]
            v["disk_bytes"] = fcd["capacity_bytes"]
    return store


def register_missing_fcds(client, store, volumes, check_mode):
    """CSI volumes given by path need a First Class Disk: register the VMDKs that are not one yet."""
    todo = [disk_ops.DiskJob(disk=v["disk"], ds=v["ds"]) for v in volumes if v["provisioner"] == "csi" and not v["fcd_id"]]
    if not todo:
        return []
    if check_mode:
        for v in volumes:
            if v["provisioner"] == "csi" and not v["fcd_id"]:
                v["fcd_id"] = PENDING_FCD
        return [str(t.disk) for t in todo]
    results = disk_ops.register_fcds(client, store, todo)
    failed = ["%s: %s" % (d, r) for d, r in results.items() if isinstance(r, TaskFailed)]
    if failed:
        raise VsphereError("Registering First Class Disks failed: %s" % "; ".join(failed))
    for v in volumes:
        if v.get("disk") in results:
            v["fcd_id"] = results[v["disk"]]
    return [str(t.disk) for t in todo]
