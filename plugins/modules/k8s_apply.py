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
    data never shows in diffs or any other output.
  - Every definition is checked before anything is written - a known kind with its apiVersion, metadata a dict,
    the name valid for the kind as the API server checks it (a DNS-1123 subdomain for most kinds, a DNS-1035
    label for a Service, a path segment for RBAC kinds) and the namespace a DNS-1123 label.
  - When an object fails after others were written, the task fails with C(changed=true) and the objects done.
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

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import MASK
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    RESOURCES,
    check_namespace,
    check_object_name,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule


def masked(obj):
    if obj and obj.get("kind") == "Secret":
        obj = dict(obj, data={k: MASK for k in obj.get("data") or {}})
        obj.pop("stringData", None)
    return obj


def register_secret_data(module, defs):
    """The values of Secrets' data and stringData never show in any output (invocation, diff, error)."""
    for d in defs:
        if isinstance(d, dict) and d.get("kind") == "Secret":
            for field in ("data", "stringData"):
                values = d.get(field)
                if isinstance(values, dict):
                    module.no_log_values.update(str(v) for v in values.values() if v not in (None, ""))


def api_version_of(kind):
    group = RESOURCES[kind][0]
    return group[len("api/"):] if group.startswith("api/") else group[len("apis/"):]


def definition_problem(i, d):
    """Why definitions[i] cannot be applied, or None."""
    where = "definitions[%d]" % i
    if not isinstance(d, dict):
        return "%s is a %s, not an object (a dict with apiVersion, kind and metadata)" % (where, type(d).__name__)
    kind = d.get("kind")
    if not isinstance(kind, str) or kind not in RESOURCES:
        return "%s: kind %s is not one this module knows (%s)" % (where, kind, ", ".join(sorted(RESOURCES)))
    where = "%s (%s)" % (where, kind)
    if d.get("apiVersion") != api_version_of(kind):
        return "%s: apiVersion is %r; a %s is apiVersion %s" % (where, d.get("apiVersion"), kind, api_version_of(kind))
    md = d.get("metadata")
    if not isinstance(md, dict):
        return "%s: metadata is %s, not a dict with name%s" % (
            where, "missing" if md is None else "a %s" % type(md).__name__,
            " and namespace" if RESOURCES[kind][2] else "")
    if md.get("name") in (None, ""):
        return "%s: metadata.name is needed" % where
    try:
        check_object_name(kind, md["name"])
        if RESOURCES[kind][2]:
            if md.get("namespace") in (None, ""):
                return "%s %s: metadata.namespace is needed (a %s is namespaced)" % (where, md["name"], kind)
            check_namespace(md["namespace"])
        elif md.get("namespace") not in (None, ""):
            return "%s %s: a %s is not namespaced; remove metadata.namespace" % (where, md["name"], kind)
    except KubernetesError as e:
        return "%s: metadata: %s" % (where, e)
    return None


def validate(module):
    defs = module.params["definitions"]
    register_secret_data(module, defs)
    problems = [p for p in (definition_problem(i, d) for i, d in enumerate(defs)) if p]
    if not defs:
        problems.append("definitions is empty: give at least one object")
    if problems:
        module.fail_json(msg="Nothing was written: %s." % "; ".join(problems))
    return defs


def apply_one(module, d, results):
    """Apply (or delete) one definition; an error names the object and what was already done."""
    state, md = module.params["state"], d["metadata"]
    obj = "%s %s%s" % (d["kind"], md.get("namespace") + "/" if md.get("namespace") else "", md["name"])
    try:
        if state == "present":
            return apply.ensure(module.kube, d, module.check_mode)
        r = apply.remove(module.kube, d["kind"], md["name"], md.get("namespace"), module.check_mode)
        r["after"] = None
        return r
    except KubernetesError as e:
        done = [x for x in results if x["changed"]]
        raise KubernetesError("%s: %s%s" % (obj, e, " (already %s: %s)" % (
            "applied" if state == "present" else "deleted",
            ", ".join("%s %s" % (x["kind"], x["name"]) for x in done)) if done and not module.check_mode else ""))


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            definitions=dict(type="list", elements="dict", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        kubernetes=True, supports_check_mode=True,
    )
    defs, state = validate(module), module.params["state"]
    results, before, after = [], [], []
    out = dict(changed=False, objects=results)
    what = "Applying the definitions" if state == "present" else "Deleting the definitions"
    with module.errors(what, backend="kubernetes", result=out):
        for d in defs if state == "present" else list(reversed(defs)):
            r = apply_one(module, d, results)
            md = d["metadata"]
            results.append(dict(kind=d["kind"], name=md["name"], namespace=md.get("namespace"), changed=r["changed"]))
            if r["changed"]:
                out["changed"] = True
                before.append(masked(r["before"]))
                after.append(masked(r["after"]))
    if module._diff:
        out["diff"] = dict(before=before, after=after)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
