#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: persistent_volume_migration
short_description: Rewrite in-tree vSphere PersistentVolumes as native CSI PersistentVolumes, same name, same disk
version_added: 0.2.0
description:
  - Each named in-tree PersistentVolume (C(spec.vsphereVolume)) becomes a native CSI PersistentVolume
    (C(csi.vsphere.vmware.com)) of the same name, bound again to the same claim (the same claim UID), for the same
    disk - its VMDK registered as a First Class Disk (the same file and disk UUID; a First Class Disk of that file
    is reused) and registered in Cloud Native Storage as the CSI driver's syncer does for a static volume.
  - The new volume keeps the capacity, access modes, volume mode, class, labels, mount options, node affinity,
    C(fsType) (and storage policy, as the C(storagepolicyname) attribute); its reclaim policy is C(Retain).
  - "Safety: the old volume's reclaim policy is set to C(Retain) first; the old object is deleted only once its
    replacement is recorded on the claim (annotation C(vsphere-k8s.io/pv-migration)), and the
    C(kubernetes.io/pv-protection) finalizer is removed only then; no disk is ever deleted."
  - A volume mounted by a pod that has not finished is refused, unless O(scale_down_owners) - then the pods'
    Deployments, StatefulSets or ReplicaSets are scaled to 0 (their replicas recorded on them first, annotation
    C(vsphere-k8s.io/pv-migration-replicas)), the pods waited gone, and the replicas restored at the end.
  - A run interrupted at any point (vCenter or the API server gone) is completed by the next run with the same
    names; owners scaled down by it are restored once their volumes are done.
  - Rule for refusals - a volume that cannot be rewritten (unknown, not in-tree, disk missing, no bound claim, in
    use) is refused with its reason, the others are rewritten, and the task fails at the end naming every refused
    volume. Every option and every name is checked before anything is read.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  names:
    description: The in-tree PersistentVolumes to rewrite (each a PersistentVolume name).
    type: list
    elements: str
    required: true
  datacenter:
    description: The datacenter of the volumes' datastores (the site's; no default).
    type: str
    required: true
  cluster_id:
    description: The CSI driver's cluster id (C(cluster-id) of its config) under which CNS registers the volumes.
    type: str
    required: true
  scale_down_owners:
    description: Scale the owners of the pods that use a claim down to 0 while its volume is rewritten, and back.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for each wait (pods gone, old volume gone, claim Bound, a CNS task).
    type: int
    default: 300
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.kubernetes.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Rewrite two in-tree volumes as CSI volumes, scaling their workloads down meanwhile
  vsphere_k8s.cloud_provider.persistent_volume_migration:
    names: [pvc-legacy-0, pvc-legacy-1]
    datacenter: "{{ vsphere_datacenter }}"
    cluster_id: "{{ csi_cluster_id }}"
    scale_down_owners: true
    kubernetes: {kubeconfig: ~/.kube/config}
"""

RETURN = r"""
volumes:
  description: One entry per name, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The PersistentVolume name., type: str}
    claim: {description: "The claim ({namespace, name}), or null.", type: dict}
    volume_path: {description: The in-tree volumePath., type: str}
    fcd_id: {description: The First Class Disk id (the CSI volume handle); null while still to register., type: str}
    disk_uuid: {description: The VMDK's disk UUID (unchanged by the registration)., type: str}
    state:
      description: >-
        V(migrated) (rewritten by this run, or would be in check mode), V(already_csi) (nothing left to do) or
        V(refused) (see reason).
      type: str
    reason: {description: Why a volume was refused., type: str}
    scaled_down: {description: "The owners scaled down and restored (kind/namespace/name).", type: list, elements: str}
    steps: {description: "The steps done (or to do, in check mode): retain, scale_down, fcd, cns, record, delete,
      unprotect, create, finish, restore.", type: list, elements: str}
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.migration.volume_rewrite import (
    VolumeRewrite,
    validate_options,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import require_pyvmomi


def report(module, rewrite):
    out = dict(changed=rewrite.changed, volumes=rewrite.results)
    if module._diff:
        out["diff"] = rewrite.diff
    refused = [r for r in rewrite.results if r["state"] == "refused"]
    if refused:
        module.fail_json(msg="%d of %d volume(s) refused (the others were done): %s" % (
            len(refused), len(rewrite.results), "; ".join("%s: %s" % (r["name"], r["reason"]) for r in refused)), **out)
    module.exit_json(**out)


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            datacenter=dict(type="str", required=True),
            cluster_id=dict(type="str", required=True),
            scale_down_owners=dict(type="bool", default=False),
            timeout=dict(type="int", default=300),
            kubernetes=dict(type="dict", default={}, options=kubernetes_argument_spec(), apply_defaults=True),
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
    )
    require_pyvmomi(module)
    errors = validate_options(module.params)
    if errors:
        module.fail_json(msg="Nothing was read nor written: %s." % "; ".join(errors))
    rewrite = VolumeRewrite(module)
    # a Kubernetes error is told as one, any other failure as vSphere's; status: the volumes and changed so far
    with module.errors("Rewriting the volumes (the steps done are kept: run again to continue)", result=rewrite.status):
        rewrite.run()
    report(module, rewrite)


if __name__ == "__main__":
    main()
