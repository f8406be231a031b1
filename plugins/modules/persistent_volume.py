#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: persistent_volume
short_description: Static PersistentVolumes (and claims bound to them) for VMDKs and First Class Disks
version_added: 0.1.0
description:
  - Creates PersistentVolumes for existing vSphere disks - in-tree C(vsphereVolume) for a VMDK path, or CSI
    (C(csi.vsphere.vmware.com)) for a First Class Disk; a CSI volume given by path has its VMDK registered as a
    First Class Disk first.
  - With O(vcenter) the disk must exist, the capacity defaults to its real size, and a larger capacity is refused.
  - With O(claim) it also creates the PersistentVolumeClaim bound in advance to the volume, and with O(wait)
    waits until both are Bound.
  - Reclaim policy Retain by default. A second PersistentVolume for a disk that another one already uses is
    refused. V(absent) deletes the PersistentVolume object only, never the disk.
  - Many volumes in one task with O(volumes). Server-side apply (field manager C(vsphere-k8s)); a volume whose
    objects already hold every value costs no write; check mode is a server-side dry run.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  name:
    description: The PersistentVolume name (a DNS-1123 subdomain).
    type: str
  state:
    description: V(present) or V(absent) (deletes the PersistentVolume object, never the disk).
    type: str
    choices: [present, absent]
    default: present
  path:
    description: The VMDK in datastore notation, V([ds] kubevols/pg-0.vmdk) or V([DatastoreCluster/ds] ...).
    type: str
  fcd_id:
    description: The First Class Disk id (CSI only).
    type: str
  provisioner:
    description: V(csi) (C(csi.vsphere.vmware.com)) or V(in_tree) (C(vsphereVolume)).
    type: str
    choices: [csi, in_tree]
    default: csi
  capacity:
    description:
      - The capacity, V(10Gi), V(20GB) or bytes. Defaults to the disk's size read from vCenter (needs O(vcenter)).
    type: str
  fstype:
    description: The file system.
    type: str
    default: ext4
  storage_policy:
    description: In-tree only - C(storagePolicyName).
    type: str
  storage_class_name:
    description: The StorageClass name of the volume (and its claim); empty for none.
    type: str
    default: ""
  access_modes:
    description: The access modes. A vSphere block volume is V(ReadWriteOnce) (or V(ReadWriteOncePod)).
    type: list
    elements: str
    choices: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod]
    default: [ReadWriteOnce]
  reclaim_policy:
    description: What happens to the volume when its claim is deleted.
    type: str
    choices: [Retain, Delete]
    default: Retain
  labels:
    description: Labels on the volume and its claim.
    type: dict
  claim:
    description: A claim to create, bound in advance to the volume (its C(volumeName) set, the volume's C(claimRef) set).
    type: dict
    suboptions:
      namespace: {description: The claim's namespace; it must exist., type: str, required: true}
      name: {description: The claim's name., type: str, required: true}
  volumes:
    description:
      - Many volumes in one task. Each item takes O(name), O(state), O(path), O(fcd_id), O(provisioner),
        O(capacity), O(fstype), O(storage_policy), O(storage_class_name), O(access_modes), O(reclaim_policy),
        O(labels) and O(claim); the task's own values are the defaults.
    type: list
    elements: dict
  wait:
    description: Wait until every volume (and claim) is Bound.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 120
  datacenter:
    description: The datacenter of the disks, when vCenter has several.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.kubernetes
  - vsphere_k8s.cloud_provider.vsphere.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: A CSI volume for an existing VMDK, with its claim, bound
  vsphere_k8s.cloud_provider.persistent_volume:
    name: pg-data-0
    path: "[LocalDS_0] kubevols/pg-0.vmdk"
    claim: {namespace: databases, name: data-pg-0}
    wait: true
    vcenter: {}

- name: Legacy in-tree volumes for many disks
  vsphere_k8s.cloud_provider.persistent_volume:
    provisioner: in_tree
    capacity: 10Gi
    volumes:
      - {name: old-0, path: "[LocalDS_0] kubevols/old-0.vmdk"}
      - {name: old-1, path: "[LocalDS_0] kubevols/old-1.vmdk"}
"""

RETURN = r"""
volumes:
  description: One entry per volume, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The PersistentVolume name., type: str}
    volume_handle: {description: "The in-tree volumePath or the CSI volumeHandle (First Class Disk id).", type: str}
    capacity: {description: The capacity written., type: str}
    changed: {description: Whether the volume or its claim changed., type: bool}
    phase: {description: "The volume's phase (after waiting, with wait).", type: str}
    claim_phase: {description: "The claim's phase, with a claim.", type: str}
registered:
  description: VMDKs registered as First Class Disks for CSI volumes (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError, VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.storage import (
    claim_for,
    persistent_volume,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.persistent_volumes import (
    VOLUME_OPTIONS,
    duplicates,
    validate_volumes,
    wait_bound,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.pv_backing import (
    register_missing_fcds,
    resolve_backings,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import human


def vsphere_stage(module, volumes):
    """Disk existence and size, and First Class Disks for CSI volumes given by path."""
    client = module.vsphere
    store = resolve_backings(client, [v for v in volumes if v["state"] == "present"], module.params["datacenter"])
    problems = []
    for v in volumes:
        if v["state"] != "present":
            continue
        if v["size"] and v["size"] > v["disk_bytes"]:
            problems.append("%s: capacity %s is larger than the disk (%s)." % (
                v["name"], human(v["size"]), human(v["disk_bytes"])))
    if problems:
        raise VsphereError("Nothing was written: %s" % " ".join(problems))
    return register_missing_fcds(client, store, [v for v in volumes if v["state"] == "present"], module.check_mode)


def desired_objects(v):
    capacity = human(v["size"] or v["disk_bytes"]).replace(" bytes", "")
    handle = v["vsphere_path_notation"] if v["provisioner"] == "in_tree" else v["fcd_id"]
    objs = [persistent_volume(v, handle, capacity)]
    if v.get("claim"):
        objs.append(claim_for(v, capacity))
    return objs, handle, capacity


def read_cluster(module, kube, volumes):
    """(PersistentVolumes by name, claims by (namespace, name)); fails when a disk is used twice or a claim's
    namespace does not exist (nothing written)."""
    pvs = {pv["metadata"]["name"]: pv for pv in kube.list("PersistentVolume")}
    namespaces = {ns["metadata"]["name"] for ns in kube.list("Namespace")}
    problems = duplicates(volumes, pvs) + ["namespace %s of claim %s does not exist" % (
        v["claim"]["namespace"], v["claim"]["name"]) for v in volumes if v["state"] == "present"
        and v.get("claim") and v["claim"]["namespace"] not in namespaces]
    if problems:
        module.fail_json(msg="Nothing was written: %s." % "; ".join(problems))
    pvcs = {}
    for ns in sorted({v["claim"]["namespace"] for v in volumes if v.get("claim")}):
        for pvc in kube.list("PersistentVolumeClaim", namespace=ns):
            pvcs[(ns, pvc["metadata"]["name"])] = pvc
    return pvs, pvcs


def write_volume(module, kube, v, pvs, pvcs, written):
    """Remove or ensure one volume (and its claim): (result entry, [(before, after)])."""
    if v["state"] == "absent":
        r = apply.remove(kube, "PersistentVolume", v["name"], check_mode=module.check_mode, current=pvs[v["name"]]) \
            if v["name"] in pvs else dict(changed=False, before=None)
        if r["changed"]:
            written.append(v["name"])
        return dict(name=v["name"], changed=r["changed"]), [(r["before"], None)] if r["changed"] else []
    objs, handle, capacity = desired_objects(v)
    changed, diff = False, []
    for obj in objs:
        md = obj["metadata"]
        current = pvs.get(md["name"]) if obj["kind"] == "PersistentVolume" else pvcs.get((md["namespace"], md["name"]))
        r = apply.ensure(kube, obj, module.check_mode, current=current)
        changed = changed or r["changed"]
        if r["changed"]:
            diff.append((r["before"], r["after"]))
            written.append(v["name"])
    return dict(name=v["name"], volume_handle=handle, capacity=capacity, changed=changed), diff


def kubernetes_stage(module, volumes, registered, out):
    """Write every volume (8 at a time) and wait for them when asked; out receives volumes, diffs and waiting. A
    Kubernetes failure says what was written before it."""
    kube, written = module.kube, []
    try:
        pvs, pvcs = read_cluster(module, kube, volumes)
        with ThreadPoolExecutor(max_workers=8) as pool:
            for res, diff in pool.map(lambda v: write_volume(module, kube, v, pvs, pvcs, written), volumes):
                out["volumes"].append(res)
                out["diffs"].extend(diff)
        if module.params["wait"] and not module.check_mode:
            out["waiting"] = wait_bound(kube, volumes, out["volumes"], module.params["wait_timeout"])
    except KubernetesError as e:
        done = sorted(set(written)) if not module.check_mode else []
        module.fail_json(msg=str(e) + (" Written before the failure, and kept: %s (a write in flight may have landed too)."
                                       % ", ".join(done) if done else ""),
                         volumes=out["volumes"], changed=bool(done) or bool(registered and not module.check_mode))


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            volumes=dict(type="list", elements="dict"),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=120),
            datacenter=dict(type="str"),
            **VOLUME_OPTIONS
        ),
        kubernetes=True, vsphere="vcenter", vsphere_prefix="Nothing was written: ", supports_check_mode=True,
    )
    p = module.params
    volumes, errors = validate_volumes(p, module.no_log_values)
    if errors:
        module.fail_json(msg="Nothing was written: %s" % "; ".join(errors))
    registered = []
    if p["vcenter"] is not None:
        with module.errors("checking the volumes' disks (nothing was written to Kubernetes)"):
            registered = vsphere_stage(module, volumes)
    staged = dict(volumes=[], diffs=[], waiting=[])
    kubernetes_stage(module, volumes, registered, staged)
    results, diffs = staged["volumes"], staged["diffs"]
    out = dict(changed=any(r["changed"] for r in results) or bool(registered and not module.check_mode),
               volumes=results, registered=registered)
    if module._diff:
        out["diff"] = dict(before=[b for b, _a in diffs if b], after=[a for _b, a in diffs if a])
    if staged["waiting"]:
        module.fail_json(msg="Not ready within %ss: %s" % (p["wait_timeout"], ", ".join(
            "%s (volume %s, claim %s)" % (r["name"], r.get("phase"), r.get("claim_phase"))
            for r in results if r["name"] in staged["waiting"])), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
