#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloud_config
short_description: Render vsphere.conf or csi-vsphere.conf, check it against vCenter, and write it to a node or to Kubernetes
version_added: 0.1.0
description:
  - Renders, from one structured O(config), the in-tree provider's C(vsphere.conf) (V(in_tree)), the out-of-tree
    provider's C(vsphere.conf) as INI (V(cpi_ini)) or YAML (V(cpi_yaml)), or the CSI driver's C(csi-vsphere.conf)
    (V(csi)). Every INI value is quoted the way gcfg reads it back - passwords with C("), C(\), C(;), C(#), spaces
    or non-ASCII characters included.
  - With O(validate), logs in to each vCenter with the given credentials and checks that the datacenters, the
    default datastore, the workspace folder and the resource pool exist, naming whatever is missing.
  - Writes the result to O(dest) on the host (mode 0600), and/or into Kubernetes (O(secret) for anything that holds
    credentials; O(configmap) only for credential-free configuration), and the providers' credentials Secret
    (O(credentials_secret)).
  - The same rendering is available to templates as the filter P(vsphere_k8s.cloud_provider.cloud_config#filter).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  config:
    description: The configuration to render.
    type: dict
    required: true
    suboptions:
      vcenters:
        description: The vCenters (C([VirtualCenter "server"]) sections).
        type: list
        elements: dict
        required: true
        suboptions:
          server: {description: "The vCenter host name or address.", type: str, required: true}
          port: {description: "Its port.", type: int}
          user: {description: "The user the Kubernetes components log in as.", type: str}
          password: {description: "Its password (never logged; masked in the returned content).", type: str}
          datacenters: {description: "The datacenters the cluster uses.", type: list, elements: str}
          thumbprint: {description: "The SHA-1 thumbprint of its certificate.", type: str}
          ca_file: {description: "The CA bundle that signed its certificate (a path on the nodes).", type: str}
          insecure: {description: "Skip certificate verification (labs only).", type: bool}
          soap_roundtrip_count: {description: "C(soap-roundtrip-count).", type: int}
      credentials:
        description: V(inline) writes user and password into the file; V(secret) leaves them to a Secret.
        type: str
        choices: [inline, secret]
        default: inline
      secret_name: {description: "With credentials: secret, the credentials Secret's name.", type: str}
      secret_namespace: {description: "With credentials: secret, its namespace.", type: str}
      port: {description: "The default vCenter port (C([Global] port)).", type: int}
      insecure: {description: "C([Global] insecure-flag).", type: bool}
      ca_file: {description: "C([Global] ca-file).", type: str}
      thumbprint: {description: "C([Global] thumbprint).", type: str}
      soap_roundtrip_count: {description: "C([Global] soap-roundtrip-count).", type: int}
      ip_family: {description: "The out-of-tree provider's ip families, in priority order.", type: list, elements: str}
      cluster_id: {description: "The CSI driver's cluster-id (at most 64 characters).", type: str}
      workspace:
        description: In-tree C([Workspace]) - C(server), C(datacenter), C(folder), C(default_datastore), C(resourcepool_path).
        type: dict
      labels: {description: "C([Labels]) - C(zone) and C(region): the tag categories.", type: dict}
      nodes: {description: "The out-of-tree provider's C([Nodes]) keys, with underscores.", type: dict}
      disk: {description: "In-tree C([Disk]) - C(scsicontrollertype).", type: dict}
      network: {description: "In-tree C([Network]) - C(public_network).", type: dict}
      csi: {description: "CSI - C(topology_categories), C(migration_datastore_url).", type: dict}
  format:
    description: What to render.
    type: str
    choices: [in_tree, cpi_ini, cpi_yaml, csi]
    required: true
  dest:
    description: Write the file here (mode 0600, parent directories created).
    type: path
  secret:
    description: Write the file into this Secret (C(name), C(namespace), C(key)).
    type: dict
    suboptions:
      name: {description: "The Secret name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
      key: {description: "The data key.", type: str, required: true}
  configmap:
    description: Write the file into this ConfigMap; refused when the file holds credentials.
    type: dict
    suboptions:
      name: {description: "The ConfigMap name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
      key: {description: "The data key.", type: str, required: true}
  credentials_secret:
    description: Also write the providers' credentials Secret (C(<server>.username), C(<server>.password)).
    type: dict
    suboptions:
      name: {description: "The Secret name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
  validate:
    description: Log in to each vCenter and check the datacenters, datastore, folder and resource pool.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.kubernetes.NESTED_OPTIONAL
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: The out-of-tree provider's config in the cluster, credentials in their own Secret
  vsphere_k8s.cloud_provider.cloud_config:
    format: cpi_yaml
    validate: true
    config:
      credentials: secret
      secret_name: vsphere-cloud-secret
      secret_namespace: kube-system
      vcenters:
        - {server: vcenter.example.com, user: k8s@vsphere.local, password: "{{ vault_pw }}", datacenters: [DC0]}
      labels: {zone: k8s-zone, region: k8s-region}
    configmap: {name: vsphere-cloud-config, namespace: kube-system, key: vsphere.conf}
    credentials_secret: {name: vsphere-cloud-secret, namespace: kube-system}
    kubernetes: {}

- name: The in-tree vsphere.conf on a node
  vsphere_k8s.cloud_provider.cloud_config:
    format: in_tree
    dest: /etc/kubernetes/vsphere.conf
    config: "{{ vsphere_config }}"
"""

RETURN = r"""
content:
  description: The rendered file, with passwords masked.
  returned: always
  type: str
holds_credentials:
  description: Whether the file holds passwords.
  returned: always
  type: bool
validated:
  description: The vCenters checked (with validate).
  returned: always
  type: list
  elements: str
"""

import base64
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import GcfgError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    credentials_secret_data,
    inline_credentials,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.validate import (
    validate_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    KubernetesError,
    kube_client,
)

VCENTER = dict(server=dict(type="str", required=True), port=dict(type="int"), user=dict(type="str"),
               password=dict(type="str", no_log=True), datacenters=dict(type="list", elements="str"),
               thumbprint=dict(type="str"), ca_file=dict(type="str"), insecure=dict(type="bool"),
               soap_roundtrip_count=dict(type="int"))
CONFIG = dict(
    vcenters=dict(type="list", elements="dict", options=VCENTER, required=True),
    credentials=dict(type="str", choices=["inline", "secret"], default="inline"),
    secret_name=dict(type="str"), secret_namespace=dict(type="str", no_log=False), port=dict(type="int"),
    insecure=dict(type="bool"), ca_file=dict(type="str"), thumbprint=dict(type="str"),
    soap_roundtrip_count=dict(type="int"), ip_family=dict(type="list", elements="str"), cluster_id=dict(type="str"),
    workspace=dict(type="dict"), labels=dict(type="dict"), nodes=dict(type="dict"), disk=dict(type="dict"),
    network=dict(type="dict"), csi=dict(type="dict"),
)
TARGET = dict(name=dict(type="str", required=True), namespace=dict(type="str", required=True),
              key=dict(type="str", required=True, no_log=False))


def write_file(module, path, content):
    """Atomic, mode 0600, only when different. Returns (changed, before)."""
    before = None
    if os.path.exists(path):
        with open(path, "rb") as f:
            before = f.read().decode("utf-8", "replace")
    mode_ok = before is not None and (os.stat(path).st_mode & 0o777) == 0o600
    if before == content and mode_ok:
        return False, before
    if not module.check_mode:
        os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
        tmp = path + ".tmp-vsphere-k8s"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content.encode("utf-8"))
        os.chmod(tmp, 0o600)
        module.atomic_move(tmp, path)
        os.chmod(path, 0o600)
    return True, before


def k8s_objects(p, content, holds):
    objs = []
    if p["secret"]:
        s = p["secret"]
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": s["name"], "namespace": s["namespace"]},
                     "data": {s["key"]: base64.b64encode(content.encode()).decode()}})
    if p["configmap"]:
        c = p["configmap"]
        objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": c["name"], "namespace": c["namespace"]},
                     "data": {c["key"]: content}})
    if p["credentials_secret"]:
        c = p["credentials_secret"]
        data = {k: base64.b64encode(v.encode()).decode() for k, v in credentials_secret_data(p["config"]).items()}
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": c["name"], "namespace": c["namespace"]}, "data": data})
    return objs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="dict", required=True, options=CONFIG),
            format=dict(type="str", required=True, choices=["in_tree", "cpi_ini", "cpi_yaml", "csi"]),
            dest=dict(type="path"),
            secret=dict(type="dict", options=TARGET, no_log=False),
            configmap=dict(type="dict", options=TARGET),
            credentials_secret=dict(type="dict", no_log=False, options=dict(
                name=dict(type="str", required=True), namespace=dict(type="str", required=True))),
            validate=dict(type="bool", default=False),
            kubernetes=dict(type="dict", options=kubernetes_argument_spec()),
        ),
        supports_check_mode=True,
    )
    p = module.params
    cfg, fmt = p["config"], p["format"]
    try:
        content = render_config(cfg, fmt)
        masked = render_config(cfg, fmt, mask=True)
    except (ConfigError, GcfgError) as e:
        module.fail_json(msg="Nothing was written: %s" % e)
    holds = inline_credentials(cfg, fmt)
    if p["configmap"] and holds:
        module.fail_json(msg="Nothing was written: this %s file holds passwords, and a ConfigMap is readable by many; "
                             "write it into a Secret, or use credentials: secret." % fmt)
    if (p["secret"] or p["configmap"] or p["credentials_secret"]) and p["kubernetes"] is None:
        module.fail_json(msg="Writing into Kubernetes needs the kubernetes option ({} takes K8S_AUTH_*).")
    validated = []
    if p["validate"]:
        problems, validated = validate_config(cfg, fmt)
        if problems:
            module.fail_json(msg="Nothing was written: %s" % " ".join(problems), validated=validated)
    changed, diff_before, diff_after = False, [], []
    if p["dest"]:
        file_changed, before = write_file(module, p["dest"], content)
        if file_changed:
            changed = True
            diff_before.append(("%s:\n%s" % (p["dest"], "(absent)" if before is None else "(previous content)")))
            diff_after.append("%s:\n%s" % (p["dest"], masked))
    objs = k8s_objects(p, content, holds)
    if objs:
        kube = kube_client(module, "kubernetes")
        try:
            for obj in objs:
                r = apply.ensure(kube, obj, module.check_mode)
                if r["changed"]:
                    changed = True
                    md = obj["metadata"]
                    diff_after.append("%s %s/%s: %s" % (obj["kind"], md["namespace"], md["name"],
                                                        "updated" if r["before"] else "created"))
        except KubernetesError as e:
            module.fail_json(msg=str(e))
        finally:
            kube.close()
    result = dict(changed=changed, content=masked, holds_credentials=holds, validated=validated)
    if module._diff and changed:
        result["diff"] = dict(before="\n".join(diff_before) + "\n", after="\n".join(diff_after) + "\n")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
