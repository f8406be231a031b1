# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 7, volumes: PVs whose disk or First Class Disk is gone; disks attached to another VM than the Node the
VolumeAttachment names, or attached with no VolumeAttachment (stuck); VolumeAttachments to Nodes that are gone;
orphans - VMDKs in volume folders, First Class Disks and (when the vCenter has CNS) CNS volumes that no PV names, with
their size and age. A First Class Disk that is a CNS volume is reported once, as the CNS volume."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import (
    CSI_DRIVER,
    disk_key,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj

GIB = 1024 ** 3


def size_text(n):
    if n is None:
        return "size unknown"
    if n < 0:
        return "-" + size_text(-n)
    return "%.1f GiB" % (float(n) / GIB) if n >= GIB else "%d MiB" % (n // (1024 * 1024))


def pv_disk(pv):
    """('path', ds, file) or ('fcd', id) of a PV, or None when it is not a vSphere volume."""
    spec = pv.get("spec") or {}
    if spec.get("vsphereVolume"):
        key = disk_key(spec["vsphereVolume"].get("volumePath"))
        return ("path",) + key if key else None
    csi = spec.get("csi") or {}
    if csi.get("driver") == CSI_DRIVER and csi.get("volumeHandle"):
        key = disk_key(csi["volumeHandle"])
        return ("path",) + key if key else ("fcd", csi["volumeHandle"])
    return None


def file_key(path):
    key = disk_key(path)
    return ("path",) + key if key else None


def check(snap):
    out = []
    listed = {(ds, folder): exists for ds, folder, exists in snap.volume_folders_listed}
    fcd_listed = "fcds" in snap.gathered
    files = {file_key(p): (p, f) for p, f in snap.volume_files.items()}
    fcd_by_path = {file_key(f["path"]): i for i, f in snap.fcds.items() if f.get("path")}
    pv_of = {}
    for pv in snap.pvs:
        name = pv["metadata"]["name"]
        key = pv_disk(pv)
        if key is None:
            continue
        pv_of.setdefault(key, []).append(name)
        o = obj("PersistentVolume", name)
        if key[0] == "path":
            folder = key[2].rsplit("/", 1)[0] if "/" in key[2] else ""
            if (key[1], folder) in listed and key not in files:
                out.append(Finding(
                    "volumes.disk_missing", "error", o,
                    "PersistentVolume %s names [%s] %s, which does not exist." % (name, key[1], key[2]),
                    "Pods using it stay ContainerCreating: the attach fails with File not found.",
                    "Restore the disk from backup, or delete the PV (and its claim) if the data is gone."))
        elif fcd_listed and key[1] not in snap.fcds:
            out.append(Finding(
                "volumes.fcd_missing", "error", o,
                "PersistentVolume %s names First Class Disk %s, which no datastore has." % (name, key[1]),
                "Pods using it stay ContainerCreating: the CSI attach fails with NotFound.",
                "Restore the disk, or delete the PV (and its claim) if the data is gone."))
    # where each disk is attached, among the node VMs
    attached = {}
    for vm in snap.vms.values():
        for d in vm.disks:
            for key in (file_key(d.path), ("fcd", d.fcd_id) if d.fcd_id else None):
                if key is not None:
                    attached.setdefault(key, set()).add(vm.moid)
    node_vm = {n.name: n.vm for n in snap.nodes}
    disk_of_pv = {}
    for key, names in pv_of.items():
        for n in names:
            disk_of_pv[n] = key
    vas_by_pv = {}
    for va in snap.volume_attachments:
        spec = va.get("spec") or {}
        pv = (spec.get("source") or {}).get("persistentVolumeName")
        node = spec.get("nodeName")
        name = va["metadata"]["name"]
        if pv:
            vas_by_pv.setdefault(pv, []).append(node)
        if node not in node_vm:
            out.append(Finding(
                "volumes.va_node_missing", "error", obj("VolumeAttachment", name, pv=pv, node=node),
                "VolumeAttachment %s attaches PV %s to Node %s, which no longer exists." % (name, pv, node),
                "The volume stays attached to the old VM (or is believed to be): its pod cannot start elsewhere "
                "(Multi-Attach error) until the attachment is cleaned up.",
                "Detach the disk from the old VM (vmdk_attachment state: absent, force), then delete the "
                "VolumeAttachment's finalizer."))
            continue
        key = disk_of_pv.get(pv)
        holders = attached.get(key, set()) if key else set()
        want = node_vm.get(node)
        others = sorted(snap.vms[m].name for m in holders if m != want)
        if others:
            out.append(Finding(
                "volumes.attached_elsewhere", "error", obj("VolumeAttachment", name, pv=pv, node=node),
                "PV %s is attached to VM %s, but VolumeAttachment %s says Node %s." % (pv, ", ".join(others), name, node),
                "The pod on %s cannot mount the volume; writes from the other VM may corrupt it." % node,
                "Detach it from %s (vmdk_attachment with force), then let the attach on %s proceed." % (
                    ", ".join(others), node)))
    for key, holders in sorted(attached.items(), key=lambda kv: str(kv[0])):
        for pv in pv_of.get(key, []):
            if pv in vas_by_pv:
                continue
            vms = sorted(snap.vms[m].name for m in holders)
            out.append(Finding(
                "volumes.attached_without_va", "warning", obj("PersistentVolume", pv, vm=", ".join(vms)),
                "PV %s is attached to VM %s, but no VolumeAttachment names it (a stuck attachment)." % (pv, ", ".join(vms)),
                "Kubernetes believes the volume free: attaching it elsewhere fails (the disk is locked) and the pod "
                "stays ContainerCreating.",
                "Detach it from %s (vmdk_attachment state: absent) once no pod there uses it." % ", ".join(vms)))
    # orphans
    named = set(pv_of)
    named_paths = set(k for k in named if k[0] == "path")
    for vid, v in sorted(snap.cns_volumes.items()):
        if ("fcd", vid) in named or (v.get("path") and file_key(v["path"]) in named_paths) or ("fcd", vid) in attached:
            continue
        out.append(Finding(
            "volumes.orphan_cns", "warning",
            obj("CnsVolume", v.get("name") or vid, volume_id=vid, datastore=v.get("datastore"),
                capacity_bytes=v.get("capacity_bytes"), created=v.get("created")),
            "CNS volume %s%s (%s on %s%s) is named by no PV." % (
                vid, " '%s'" % v["name"] if v.get("name") else "", size_text(v.get("capacity_bytes")),
                v.get("datastore") or "an unknown datastore", ", created %s" % v["created"] if v.get("created") else ""),
            "vCenter still manages it as a container volume and it holds space (and possibly data) nothing uses: a "
            "PV deleted with Retain, or a provisioning whose PV was never created.",
            "Check the data; then delete it through the CSI driver (a PV with this volumeHandle and reclaimPolicy "
            "Delete) or with vmdk (state: absent) after a dry run, or create a PV for it."))
    for fcd_id, f in sorted(snap.fcds.items()):
        if fcd_id in snap.cns_volumes:
            continue  # reported (or named) as the CNS volume it is
        if ("fcd", fcd_id) in named or (f.get("path") and file_key(f["path"]) in named_paths):
            continue
        if ("fcd", fcd_id) in attached:
            continue
        out.append(Finding(
            "volumes.orphan_fcd", "warning",
            obj("FirstClassDisk", f.get("name") or fcd_id, fcd_id=fcd_id, datastore=f.get("datastore")),
            "First Class Disk %s%s (%s, %s on %s%s) is named by no PV." % (
                fcd_id, " '%s'" % f["name"] if f.get("name") else "", f.get("path") or "path unknown", size_text(f.get("capacity_bytes")), f.get("datastore"),
                ", created %s" % f["created"] if f.get("created") else ""),
            "It holds space (and possibly data) nothing uses: a volume whose PV was deleted with Retain, or a "
            "failed provisioning.",
            "Check the data; then delete it with vmdk (state: absent) after a dry run, or create a PV for it."))
    for key, (path, f) in sorted(files.items(), key=lambda kv: kv[1][0]):
        if key in named_paths or key in attached:
            continue
        fcd_id = fcd_by_path.get(key)
        if fcd_id is not None:
            continue  # the First Class Disk is what counts: named, or reported above
        out.append(Finding(
            "volumes.orphan_vmdk", "warning", obj("VMDK", path, datastore=f.get("datastore")),
            "VMDK %s (%s%s) in a volume folder is named by no PV and attached to no node VM." % (
                path, size_text(f.get("size")), ", modified %s" % f["modified"] if f.get("modified") else ""),
            "It holds space (and possibly data) nothing uses: a volume whose PV was deleted with Retain.",
            "Check the data; then delete it with vmdk (state: absent) after a dry run, or create a PV for it."))
    return out
