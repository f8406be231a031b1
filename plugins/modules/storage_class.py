#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: storage_class
short_description: StorageClasses for the vSphere CSI driver or the in-tree provisioner, checked against vCenter
version_added: 0.1.0
description:
  - Creates, updates or deletes a StorageClass for C(csi.vsphere.vmware.com) or the legacy
    C(kubernetes.io/vsphere-volume), with its parameters as typed options validated per provisioner before
    anything is written.
  - With O(vcenter), checks that the datastore and the storage policy exist, and turns a CSI O(datastore) into
    its C(datastoreurl).
  - Parameters of a StorageClass are immutable in Kubernetes - a change is an error unless O(recreate), which
    replaces the class (PersistentVolumes already provisioned keep working).
  - Server-side apply with the field manager C(vsphere-k8s); check mode is a server-side dry run.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  name:
    description: The StorageClass name (a DNS-1123 subdomain).
    type: str
    required: true
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  provisioner:
    description:
      - V(csi) for the vSphere CSI driver (C(csi.vsphere.vmware.com)), V(in_tree) for the legacy in-tree provider
        (C(kubernetes.io/vsphere-volume)).
    type: str
    choices: [csi, in_tree]
    default: csi
  storage_policy:
    description: The SPBM storage policy name (C(storagepolicyname)).
    type: str
  datastore:
    description:
      - The datastore. In-tree - its name (C(datastore)), V(DatastoreCluster/ds) inside a datastore cluster.
        CSI - converted to its URL (C(datastoreurl)); needs O(vcenter).
    type: str
  datastore_url:
    description: CSI only - the datastore URL, V(ds:///vmfs/volumes/<id>/) (C(datastoreurl)).
    type: str
  fstype:
    description: The file system (in-tree C(fstype), CSI C(csi.storage.k8s.io/fstype)).
    type: str
  disk_format:
    description: In-tree only - C(diskformat).
    type: str
    choices: [thin, zeroedthick, eagerzeroedthick]
  vsan:
    description:
      - In-tree only - raw vSAN capabilities; they cannot be combined with O(storage_policy).
    type: dict
    suboptions:
      host_failures_to_tolerate: {description: 0 to 3., type: int}
      force_provisioning: {description: 0 or 1., type: int}
      cache_reservation: {description: "Percent, 0 to 100.", type: int}
      disk_stripes: {description: 1 to 12., type: int}
      object_space_reservation: {description: "Percent, 0 to 100.", type: int}
      iops_limit: {description: 0 or more., type: int}
  reclaim_policy:
    description: What happens to a provisioned volume when its claim is deleted.
    type: str
    choices: [Delete, Retain]
    default: Delete
  volume_binding_mode:
    description: When volumes are provisioned and bound.
    type: str
    choices: [Immediate, WaitForFirstConsumer]
    default: Immediate
  allow_volume_expansion:
    description: Whether claims of the class may grow.
    type: bool
  allowed_topologies:
    description: Zones and regions (C(topology.kubernetes.io/zone), C(.../region) values) volumes may be placed in.
    type: dict
    suboptions:
      zones: {description: Zone names., type: list, elements: str}
      regions: {description: Region names., type: list, elements: str}
  default:
    description:
      - V(true) makes this the cluster's default StorageClass and takes the default annotation off every other
        class, so exactly one is the default. V(false) marks it as not the default. Unset leaves it as it is.
    type: bool
  recreate:
    description:
      - Replace the class when an immutable field (parameters, provisioner, reclaim policy, binding mode,
        topologies) changes.
      - The new class is first validated by the API server (a dry-run create under a generated name), so a class
        the server refuses leaves the old one in place. Should creating it fail anyway after the old one was
        deleted, the old class is created again and the task fails saying so.
      - In check mode the replacement is reported with its diff and nothing is written.
    type: bool
    default: false
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
- name: The default class, CSI, on a storage policy
  vsphere_k8s.cloud_provider.storage_class:
    name: vsphere-gold
    storage_policy: vSAN Default Storage Policy
    volume_binding_mode: WaitForFirstConsumer
    allow_volume_expansion: true
    default: true
    vcenter: {}

- name: A legacy in-tree class with raw vSAN capabilities
  vsphere_k8s.cloud_provider.storage_class:
    name: legacy-vsan
    provisioner: in_tree
    disk_format: thin
    datastore: vsanDatastore
    vsan:
      host_failures_to_tolerate: 1
      disk_stripes: 2
"""

RETURN = r"""
storage_class:
  description: The StorageClass as the API server has it (or would, in check mode); null when absent.
  returned: always
  type: dict
defaults_removed:
  description: Other classes whose default annotation was taken off.
  returned: always
  type: list
  elements: str
recreated:
  description: Whether the class was replaced for an immutable change.
  returned: always
  type: bool
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import DISK_FORMATS, VSAN
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.storage import (
    DEFAULT_ANNOTATION,
    StorageSpecError,
    check_name,
    immutable_changes,
    storage_class,
    storage_class_parameters,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.storage_classes import (
    check_against_vsphere,
)


def switch_default(kube, name, classes, check_mode):
    """Take the default annotation off every other class; returns their names."""
    others = [c["metadata"]["name"] for c in classes if c["metadata"]["name"] != name and
              (c["metadata"].get("annotations") or {}).get(DEFAULT_ANNOTATION) == "true"]
    for other in others:
        kube.merge_patch("StorageClass", other, {"metadata": {"annotations": {DEFAULT_ANNOTATION: None}}},
                         dry_run=check_mode)
    return others


def validate(module, p):
    """The name and parameters (pure checks); returns the StorageClass parameters."""
    try:
        check_name(p["name"], "StorageClass name")
        params = storage_class_parameters(p) if p["state"] == "present" else {}
    except StorageSpecError as e:
        module.fail_json(msg="Nothing was written: %s" % e)
    if p["provisioner"] == "csi" and p["datastore"] and not (p["state"] == "present" and p["vcenter"] is not None):
        module.fail_json(msg="A CSI StorageClass takes a datastore URL: give datastore_url, or vcenter to look up "
                             "the URL of datastore %s." % p["datastore"])
    return params


def ensure_present(module, kube, p, params, classes, result):
    """Create, update or (recreate: true) replace the class, then make it the only default when asked."""
    current = next((c for c in classes if c["metadata"]["name"] == p["name"]), None)
    desired = storage_class(p, params)
    immutable = immutable_changes(current, desired) if current else []
    if immutable and not p["recreate"]:
        module.fail_json(msg="Nothing was written: StorageClass %s exists with other immutable fields (%s). "
                             "Kubernetes cannot change them: set recreate: true to replace the class (its "
                             "PersistentVolumes keep working)." % (p["name"], "; ".join(immutable)), **result)
    if immutable:
        try:
            r = apply.replace(kube, current, desired, module.check_mode)
        except apply.ReplaceError as e:
            result["changed"] = True
            module.fail_json(msg="Replacing StorageClass %s: %s" % (p["name"], e), restored=e.restored, **result)
        result.update(recreated=True)
    else:
        r = apply.ensure(kube, desired, module.check_mode, current=current)
    result.update(changed=r["changed"] or result["recreated"], storage_class=r["after"],
                  diff=dict(before=r["before"] or {}, after=r["after"] or {}))
    if p["default"]:
        result["defaults_removed"] = switch_default(kube, p["name"], classes, module.check_mode)
        result["changed"] = result["changed"] or bool(result["defaults_removed"])


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            provisioner=dict(type="str", choices=["csi", "in_tree"], default="csi"),
            storage_policy=dict(type="str"),
            datastore=dict(type="str"),
            datastore_url=dict(type="str"),
            fstype=dict(type="str"),
            disk_format=dict(type="str", choices=list(DISK_FORMATS)),
            vsan=dict(type="dict", options={k: dict(type="int") for k in VSAN}),
            reclaim_policy=dict(type="str", choices=["Delete", "Retain"], default="Delete"),
            volume_binding_mode=dict(type="str", choices=["Immediate", "WaitForFirstConsumer"], default="Immediate"),
            allow_volume_expansion=dict(type="bool"),
            allowed_topologies=dict(type="dict", options=dict(zones=dict(type="list", elements="str"),
                                                              regions=dict(type="list", elements="str"))),
            default=dict(type="bool"),
            recreate=dict(type="bool", default=False),
        ),
        kubernetes=True, vsphere="vcenter", vsphere_prefix="Nothing was written: ", supports_check_mode=True,
    )
    p = dict(module.params)
    params = validate(module, p)
    if p["state"] == "present" and p["vcenter"] is not None:
        with module.errors("checking the StorageClass against vCenter (nothing was written)"):
            params = check_against_vsphere(module.vsphere, p, params)
    result = dict(changed=False, defaults_removed=[], recreated=False)
    with module.errors("StorageClass %s" % p["name"], backend="kubernetes", result=result):
        classes = module.kube.list("StorageClass")
        if p["state"] == "absent":
            current = next((c for c in classes if c["metadata"]["name"] == p["name"]), None)
            r = apply.remove(module.kube, "StorageClass", p["name"], check_mode=module.check_mode, current=current)
            result.update(changed=r["changed"], storage_class=None, diff=dict(before=r["before"] or {}, after={}))
        else:
            ensure_present(module, module.kube, p, params, classes, result)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
