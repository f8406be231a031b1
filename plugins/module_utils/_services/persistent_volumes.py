# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The persistent_volume module's checks: volume items, duplicates, waiting for Bound."""

from __future__ import annotations

import time

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._items import item_label, validate_items
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.storage import (
    StorageSpecError,
    check_name,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import (
    disk_key,
    pv_references,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskSpecError,
    parse_disk,
    parse_size,
)

VOLUME_OPTIONS = dict(
    name=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    path=dict(type="str"),
    fcd_id=dict(type="str"),
    provisioner=dict(type="str", choices=["csi", "in_tree"], default="csi"),
    capacity=dict(type="str"),
    fstype=dict(type="str", default="ext4"),
    storage_policy=dict(type="str"),
    storage_class_name=dict(type="str", default=""),
    access_modes=dict(type="list", elements="str", default=["ReadWriteOnce"],
                      choices=["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]),
    reclaim_policy=dict(type="str", choices=["Retain", "Delete"], default="Retain"),
    labels=dict(type="dict"),
    claim=dict(type="dict", options=dict(namespace=dict(type="str", required=True),
                                         name=dict(type="str", required=True))),
)


def _one(v, with_vcenter):
    if not v.get("name"):
        raise StorageSpecError("a volume needs a name")
    check_name(v["name"], "PersistentVolume name")
    claim = v.get("claim")
    if claim:
        if not claim.get("namespace") or not claim.get("name"):
            raise StorageSpecError("claim needs namespace and name")
        check_name(claim["namespace"], "namespace", label=True)
        check_name(claim["name"], "claim name")
    if v["state"] == "absent":
        return dict(v, disk=None, size=None)
    if bool(v.get("path")) == bool(v.get("fcd_id")):
        raise StorageSpecError("give path or fcd_id")
    if v["provisioner"] == "in_tree" and v.get("fcd_id"):
        raise StorageSpecError("an in-tree volume names a VMDK path, not a First Class Disk")
    if v["provisioner"] == "csi" and v.get("path") and not with_vcenter:
        raise StorageSpecError("a CSI volume for a VMDK path needs vcenter, to register the disk as a First Class "
                               "Disk (or give fcd_id)")
    if v.get("storage_policy") and v["provisioner"] == "csi":
        raise StorageSpecError("storage_policy is an in-tree volume field; a CSI volume takes its policy from the disk")
    disk = parse_disk(v["path"]) if v.get("path") else None
    size = parse_size(v.get("capacity"), "capacity")
    if size is None and not with_vcenter:
        raise StorageSpecError("give capacity, or vcenter to read the disk's size")
    out = dict(v, disk=disk, size=size, disk_bytes=None)
    if disk is not None:
        out["vsphere_path_notation"] = str(disk)
    return out


def validate_volumes(p, no_log_values=None):
    """(volumes, errors): the items of the task (or the task itself), each typed with the module's own spec and
    checked before any request."""
    base = {k: p[k] for k in VOLUME_OPTIONS}
    if p["volumes"]:
        raw, errors = validate_items(p["volumes"], VOLUME_OPTIONS, base=base, option="volumes",
                                     label=item_label("name", "path", "fcd_id"), no_log_values=no_log_values)
    else:
        raw, errors = [base], []
    volumes = []
    for i, v in enumerate(raw):
        where = v.get("name") or "volumes[%d]" % i
        try:
            volumes.append(_one(v, p["vcenter"] is not None))
        except (StorageSpecError, DiskSpecError) as e:
            errors.append("%s: %s" % (where, e))
    names = [v["name"] for v in volumes]
    errors += ["PersistentVolume %s is given twice" % n for n in sorted({n for n in names if names.count(n) > 1})]
    return volumes, errors


def duplicates(volumes, pvs):
    """Disks another PersistentVolume already uses (one PV per disk)."""
    refs = pv_references(pvs.values())
    problems = []
    seen = {}
    for v in volumes:
        if v["state"] != "present":
            continue
        keys = []
        if v.get("disk") is not None:
            keys.append(("path",) + disk_key(v.get("vsphere_path") or str(v["disk"])))
        if v.get("fcd_id"):
            keys.append(("fcd", v["fcd_id"]))
        for key in keys:
            others = [r["name"] for r in refs.get(key, []) if r["name"] != v["name"]]
            if others:
                problems.append("the disk of %s is already used by PersistentVolume %s" % (v["name"], ", ".join(others)))
            if key in seen and seen[key] != v["name"]:
                problems.append("%s and %s name the same disk" % (seen[key], v["name"]))
            seen[key] = v["name"]
    return sorted(set(problems))


def wait_bound(kube, volumes, results, timeout, interval=0.5):
    """Poll (a LIST of volumes and one of claims per namespace a round) until every claimed volume and its claim
    are Bound and every other volume is Available; records the phases. Returns the names not ready in time."""
    deadline = time.monotonic() + timeout
    wanted = [v for v in volumes if v["state"] == "present"]
    namespaces = sorted({v["claim"]["namespace"] for v in wanted if v.get("claim")})
    by_name = {r["name"]: r for r in results}
    while True:
        pvs = {pv["metadata"]["name"]: pv for pv in kube.list("PersistentVolume")}
        pvcs = {}
        for ns in namespaces:
            for pvc in kube.list("PersistentVolumeClaim", namespace=ns):
                pvcs[(ns, pvc["metadata"]["name"])] = pvc
        waiting = []
        for v in wanted:
            r = by_name[v["name"]]
            r["phase"] = (pvs.get(v["name"], {}).get("status") or {}).get("phase")
            ready = r["phase"] in (("Bound",) if v.get("claim") else ("Available", "Bound"))
            if v.get("claim"):
                r["claim_phase"] = (pvcs.get((v["claim"]["namespace"], v["claim"]["name"]), {}).get("status")
                                    or {}).get("phase")
                ready = ready and r["claim_phase"] == "Bound"
            if not ready:
                waiting.append(v["name"])
        if not waiting or time.monotonic() > deadline:
            return waiting
        time.sleep(interval)
