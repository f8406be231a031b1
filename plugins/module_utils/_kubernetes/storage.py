# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""StorageClass and PersistentVolume objects for the vSphere provisioners (pure logic: build and validate)."""

from __future__ import annotations

import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import CSI_DRIVER as CSI
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import IN_TREE_PROVISIONER as IN_TREE
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import REGION_LABEL, VSAN, ZONE_LABEL

PROVISIONERS = {"csi": CSI, "in_tree": IN_TREE}
DEFAULT_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
CSI_VOLUME_TYPE = "vSphere CNS Block Volume"

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class StorageSpecError(ValueError):
    pass


def check_name(name, what="name", label=False):
    """A DNS-1123 subdomain (or label, for namespaces)."""
    limit, pattern = (63, _DNS1123_LABEL) if label else (253, _DNS1123)
    if not name or len(name) > limit or not pattern.fullmatch(name):
        raise StorageSpecError("%s '%s' is not a valid Kubernetes name: lower case letters, digits and '-'%s, "
                               "starting and ending with a letter or digit, at most %d characters."
                               % (what, name, "" if label else " or '.'", limit))
    return name


def storage_class_parameters(p):
    """The parameters of a StorageClass for the provisioner, validated; raises StorageSpecError saying why."""
    params = {}
    vsan = {k: v for k, v in (p.get("vsan") or {}).items() if v is not None}
    if p["provisioner"] == "in_tree":
        if p.get("datastore_url"):
            raise StorageSpecError("datastore_url is a CSI parameter; the in-tree provisioner takes datastore.")
        if p.get("disk_format"):
            params["diskformat"] = p["disk_format"]
        if p.get("datastore"):
            params["datastore"] = p["datastore"]
        if p.get("fstype"):
            params["fstype"] = p["fstype"]
        if p.get("storage_policy"):
            if vsan:
                raise StorageSpecError("storage_policy cannot be combined with vsan capabilities (%s): the in-tree "
                                       "provisioner takes one or the other." % ", ".join(sorted(vsan)))
            params["storagepolicyname"] = p["storage_policy"]
        for key, value in sorted(vsan.items()):
            if key not in VSAN:
                raise StorageSpecError("vsan.%s is not a vSAN capability; known: %s." % (key, ", ".join(sorted(VSAN))))
            param, low, high = VSAN[key]
            if isinstance(value, bool):
                value = int(value)
            if not isinstance(value, int) or value < low or (high is not None and value > high):
                raise StorageSpecError("vsan.%s must be an integer %s, not %r." % (
                    key, "from %d to %d" % (low, high) if high is not None else ">= %d" % low, value))
            params[param] = str(value)
    else:
        for option in ("disk_format", "vsan"):
            if p.get(option):
                raise StorageSpecError("%s is an in-tree parameter; the CSI driver does not take it (use "
                                       "storage_policy)." % option)
        if p.get("datastore") and p.get("datastore_url"):
            raise StorageSpecError("Give datastore or datastore_url, not both.")
        if p.get("storage_policy"):
            params["storagepolicyname"] = p["storage_policy"]
        if p.get("datastore_url"):
            if not p["datastore_url"].startswith("ds:///"):
                raise StorageSpecError("datastore_url '%s' is not a datastore URL (ds:///vmfs/volumes/<id>/)."
                                       % p["datastore_url"])
            params["datastoreurl"] = p["datastore_url"]
        if p.get("fstype"):
            params["csi.storage.k8s.io/fstype"] = p["fstype"]
    return params


def topology(zones, regions):
    exprs = []
    if zones:
        exprs.append({"key": ZONE_LABEL, "values": list(zones)})
    if regions:
        exprs.append({"key": REGION_LABEL, "values": list(regions)})
    return [{"matchLabelExpressions": exprs}] if exprs else None


def storage_class(p, params):
    md = {"name": p["name"]}
    if p.get("default") is not None:
        md["annotations"] = {DEFAULT_ANNOTATION: "true" if p["default"] else "false"}
    obj = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": md,
           "provisioner": PROVISIONERS[p["provisioner"]], "parameters": params,
           "reclaimPolicy": p["reclaim_policy"], "volumeBindingMode": p["volume_binding_mode"]}
    if p.get("allow_volume_expansion") is not None:
        obj["allowVolumeExpansion"] = p["allow_volume_expansion"]
    topo = topology((p.get("allowed_topologies") or {}).get("zones"), (p.get("allowed_topologies") or {}).get("regions"))
    if topo:
        obj["allowedTopologies"] = topo
    return obj


IMMUTABLE = ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode", "allowedTopologies")


def immutable_changes(current, desired):
    """The immutable StorageClass fields that differ (a missing parameters map is an empty one)."""
    changes = []
    for field in IMMUTABLE:
        have, want = current.get(field), desired.get(field)
        if field == "parameters":
            have, want = have or {}, want or {}
        if field == "allowedTopologies" and want is None:
            continue
        if have != want:
            changes.append("%s: %s -> %s" % (field, have, want))
    return changes


def persistent_volume(v, volume_handle, capacity):
    """The PV for a volume item: in-tree vsphereVolume (path) or CSI (First Class Disk id)."""
    spec = {"capacity": {"storage": capacity}, "accessModes": list(v["access_modes"]),
            "persistentVolumeReclaimPolicy": v["reclaim_policy"], "storageClassName": v["storage_class_name"] or "",
            "volumeMode": "Filesystem"}
    md = {"name": v["name"], "labels": dict(v.get("labels") or {})}
    if v["provisioner"] == "in_tree":
        src = {"volumePath": volume_handle, "fsType": v["fstype"]}
        if v.get("storage_policy"):
            src["storagePolicyName"] = v["storage_policy"]
        spec["vsphereVolume"] = src
    else:
        md["annotations"] = {"pv.kubernetes.io/provisioned-by": CSI}
        spec["csi"] = {"driver": CSI, "volumeHandle": volume_handle, "fsType": v["fstype"],
                       "volumeAttributes": {"type": CSI_VOLUME_TYPE}}
    claim = v.get("claim")
    if claim:
        spec["claimRef"] = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": claim["namespace"],
                            "name": claim["name"]}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": md, "spec": spec}


def claim_for(v, capacity):
    """The PVC bound in advance to the PV: volumeName set, storageClassName as the PV's."""
    claim = v["claim"]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim["name"], "namespace": claim["namespace"], "labels": dict(v.get("labels") or {})},
            "spec": {"accessModes": list(v["access_modes"]), "resources": {"requests": {"storage": capacity}},
                     "storageClassName": v["storage_class_name"] or "", "volumeName": v["name"],
                     "volumeMode": "Filesystem"}}
