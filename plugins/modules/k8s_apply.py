#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: k8s_apply
short_description: Server-side apply of the Kubernetes objects the vSphere cloud provider and CSI driver need
version_added: 0.1.0
description:
  - Applies (or deletes) a list of objects with server-side apply (field manager C(vsphere-k8s)), in the order
    given. An object that already holds every value costs no write; check mode is a server-side dry run; Secret
    data never shows in diffs.
  - Knows the kinds a cloud provider installation uses - Namespace, ServiceAccount, Secret, ConfigMap, Service,
    ClusterRole(Binding), Role(Binding), DaemonSet, Deployment, StatefulSet, CSIDriver, StorageClass,
    PersistentVolume(Claim).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  definitions:
    description: The objects (each with apiVersion, kind, metadata.name and, when namespaced, metadata.namespace).
    type: list
    elements: dict
    required: true
  state:
    description: V(present) applies, V(absent) deletes (in reverse order).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.kubernetes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: A namespace and a config map
  vsphere_k8s.cloud_provider.k8s_apply:
    definitions:
      - {apiVersion: v1, kind: Namespace, metadata: {name: vmware-system-csi}}
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: internal-feature-states.csi.vsphere.vmware.com, namespace: vmware-system-csi}
        data: {csi-migration: "true"}
"""

RETURN = r"""
objects:
  description: One entry per object - kind, name, namespace, changed.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    RESOURCES,
    KubernetesError,
    kube_client,
)


def masked(obj):
    if obj and obj.get("kind") == "Secret":
        obj = dict(obj, data={k: "********" for k in obj.get("data") or {}})
        obj.pop("stringData", None)
    return obj


def main():
    module = AnsibleModule(
        argument_spec=kubernetes_argument_spec(
            definitions=dict(type="list", elements="dict", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    defs = module.params["definitions"]
    problems = []
    for i, d in enumerate(defs):
        kind, md = d.get("kind"), d.get("metadata") or {}
        if kind not in RESOURCES:
            problems.append("definitions[%d]: kind %s is not one this module knows (%s)" % (
                i, kind, ", ".join(sorted(RESOURCES))))
        elif not md.get("name") or (RESOURCES[kind][2] and not md.get("namespace")):
            problems.append("definitions[%d] (%s): metadata.name%s is needed" % (
                i, kind, " and metadata.namespace are" if RESOURCES[kind][2] else ""))
    if problems:
        module.fail_json(msg="Nothing was written: %s." % "; ".join(problems))
    kube = kube_client(module)
    results, before, after = [], [], []
    try:
        order = defs if module.params["state"] == "present" else list(reversed(defs))
        for d in order:
            md = d["metadata"]
            if module.params["state"] == "present":
                r = apply.ensure(kube, d, module.check_mode)
            else:
                r = apply.remove(kube, d["kind"], md["name"], md.get("namespace"), module.check_mode)
                r["after"] = None
            results.append(dict(kind=d["kind"], name=md["name"], namespace=md.get("namespace"), changed=r["changed"]))
            if r["changed"]:
                before.append(masked(r["before"]))
                after.append(masked(r["after"]))
    except KubernetesError as e:
        module.fail_json(msg=str(e), objects=results)
    finally:
        kube.close()
    out = dict(changed=any(r["changed"] for r in results), objects=results)
    if module._diff:
        out["diff"] = dict(before=before, after=after)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
