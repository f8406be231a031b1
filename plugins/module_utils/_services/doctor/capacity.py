# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 8, capacity: per datastore the free space, the space PVs use and the space orphans hold; datastores that
StorageClasses or PVs use and that run low are findings. Per storage policy a StorageClass names: the free space over
its compatible datastores, the space the PVs of those classes use and the space orphans hold there."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.volumes import (
    file_key,
    pv_disk,
    size_text,
)

WARN, ERROR = 0.10, 0.05   # free fraction


def _pv_space(snap):
    """[(pv, datastore name, bytes or None)] of the vSphere PVs."""
    files = {file_key(p): f for p, f in snap.volume_files.items()}
    out = []
    for pv in snap.pvs:
        key = pv_disk(pv)
        if key is None:
            continue
        if key[0] == "path":
            ds, size = key[1], (files.get(key) or {}).get("size")
        else:
            # a named First Class Disk's size is not read (one retrieval each); its CNS volume has it, when there is CNS
            f, c = snap.fcds.get(key[1]) or {}, snap.cns_volumes.get(key[1]) or {}
            ds, size = f.get("datastore") or c.get("datastore"), f.get("capacity_bytes") or c.get("capacity_bytes")
        out.append((pv, ds, size))
    return out


def _orphan_space(snap, findings):
    """[(datastore name, bytes or None)] of the orphans the volume check found."""
    out = []
    for f in findings:
        if f.check == "volumes.orphan_vmdk":
            out.append((f.object.get("datastore"), (snap.volume_files.get(f.object["name"]) or {}).get("size")))
        elif f.check == "volumes.orphan_fcd":
            fcd = snap.fcds.get(f.object.get("fcd_id")) or {}
            out.append((fcd.get("datastore"), fcd.get("capacity_bytes")))
        elif f.check == "volumes.orphan_cns":
            out.append((f.object.get("datastore"), f.object.get("capacity_bytes")))
    return out


def table(snap, findings):
    """[{datastore, capacity_bytes, free_bytes, pv_bytes, pvs, orphan_bytes, orphans}] by datastore name."""
    rows = {m: dict(datastore=d["name"], capacity_bytes=d.get("capacity") or 0, free_bytes=d.get("free") or 0,
                    pv_bytes=0, pvs=0, orphan_bytes=0, orphans=0) for m, d in snap.datastores.items()}
    by_name = {d["name"]: m for m, d in snap.datastores.items()}
    for _pv, ds, size in _pv_space(snap):
        if ds in by_name:
            rows[by_name[ds]]["pvs"] += 1
            rows[by_name[ds]]["pv_bytes"] += size or 0
    for ds, size in _orphan_space(snap, findings):
        if ds in by_name:
            rows[by_name[ds]]["orphans"] += 1
            rows[by_name[ds]]["orphan_bytes"] += size or 0
    return sorted(rows.values(), key=lambda r: r["datastore"])


def policy_table(snap, findings):
    """[{policy, storage_classes, datastores, capacity_bytes, free_bytes, pv_bytes, pvs, orphan_bytes, orphans}]
    for every storage policy a StorageClass names and vCenter knows: the datastores compatible with it (names), their
    capacity and free space summed, the PVs of those classes (wherever their disk is) and the orphans on those
    datastores. A policy no datastore is compatible with has an empty list and zeros."""
    classes = {}
    for sc in snap.storage_classes:
        for k, v in (sc.get("parameters") or {}).items():
            if str(k).lower() == "storagepolicyname" and str(v) in snap.policies:
                classes.setdefault(str(v), []).append(sc["metadata"]["name"])
    rows = []
    for policy, names in sorted(classes.items()):
        moids = [m for m in snap.policies[policy].get("datastores") or [] if m in snap.datastores]
        ds_names = sorted(snap.datastores[m]["name"] for m in moids)
        row = dict(policy=policy, storage_classes=sorted(names), datastores=ds_names,
                   capacity_bytes=sum(snap.datastores[m].get("capacity") or 0 for m in moids),
                   free_bytes=sum(snap.datastores[m].get("free") or 0 for m in moids),
                   pv_bytes=0, pvs=0, orphan_bytes=0, orphans=0)
        for pv, _ds, size in _pv_space(snap):
            if (pv.get("spec") or {}).get("storageClassName") in names:
                row["pvs"] += 1
                row["pv_bytes"] += size or 0
        for ds, size in _orphan_space(snap, findings):
            if ds in ds_names:
                row["orphans"] += 1
                row["orphan_bytes"] += size or 0
        rows.append(row)
    return rows


def check(snap, findings=None):
    out = []
    used = set(snap.storage_datastores)
    for row in table(snap, findings or []):
        if row["datastore"] not in used and not row["pvs"]:
            continue
        cap, free = row["capacity_bytes"], row["free_bytes"]
        if not cap:
            continue
        frac = float(free) / cap
        if frac < WARN:
            out.append(Finding(
                "capacity.low_free_space", "error" if frac < ERROR else "warning",
                obj("Datastore", row["datastore"]),
                "Datastore %s has %s free of %s (%.0f%%); %d PV(s) on it (%s known), orphans hold %s." % (
                    row["datastore"], size_text(free), size_text(cap), frac * 100, row["pvs"], size_text(row["pv_bytes"]),
                    size_text(row["orphan_bytes"])),
                "New volumes fail to provision or grow, and thin disks stop their VMs when it fills up.",
                "Free space (orphans first, after a dry run), grow the datastore, or move classes to another one."))
    return out
