# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which PersistentVolumes reference which vSphere disks (in-tree volumePath, CSI volumeHandle)."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import CSI_DRIVER
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DATASTORE_PATH as _PATH


def disk_key(path):
    """('ds name', 'folder/file.vmdk') for '[DatastoreCluster/ds] folder/file.vmdk' or '[ds] ...': a datastore
    inside a cluster or folder is the same datastore as by its own name."""
    m = _PATH.match((path or "").strip())
    if not m:
        return None
    return m.group("ds").strip().rsplit("/", 1)[-1], m.group("path").strip()


def pv_references(pvs):
    """{('path', ds, file) or ('fcd', id): [pv summary]} for the PVs given (raw API objects)."""
    refs = {}
    for pv in pvs:
        spec = pv.get("spec", {})
        claim = spec.get("claimRef") or {}
        summary = dict(name=pv["metadata"]["name"], phase=(pv.get("status") or {}).get("phase"),
                       claim="%s/%s" % (claim["namespace"], claim["name"]) if claim.get("name") else None)
        keys = []
        if spec.get("vsphereVolume"):
            keys.append(("path",) + (disk_key(spec["vsphereVolume"].get("volumePath")) or ()))
        csi = spec.get("csi") or {}
        if csi.get("driver") == CSI_DRIVER and csi.get("volumeHandle"):
            handle = csi["volumeHandle"]
            key = disk_key(handle)  # a migrated in-tree volume keeps its path as the handle
            keys.append(("path",) + key if key else ("fcd", handle))
        for key in keys:
            if len(key) > 1:
                refs.setdefault(key, []).append(summary)
    return refs
