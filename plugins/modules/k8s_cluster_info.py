#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: k8s_cluster_info
short_description: Read a Kubernetes cluster's version, nodes (as the vSphere cloud provider sees them) and namespaces
version_added: 0.1.0
description:
  - Reads the API server version, the Nodes with what the vSphere cloud provider sets or reads on them
    (providerID, system UUID, addresses, zone and region labels, the uninitialized taint), and the namespaces.
  - One request for each part asked for.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  gather:
    description:
      - The parts to read.
    type: list
    elements: str
    choices: [version, nodes, namespaces]
    default: [version, nodes, namespaces]
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.kubernetes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Nodes as the vSphere cloud provider sees them
  vsphere_k8s.cloud_provider.k8s_cluster_info:
    kubeconfig: ~/.kube/config
    gather: [nodes]
  register: cluster

- name: Nodes still waiting for the cloud controller
  ansible.builtin.debug:
    msg: "{{ cluster.nodes | selectattr('uninitialized') | map(attribute='name') }}"
"""

RETURN = r"""
version:
  description: The API server version.
  returned: when version is gathered
  type: dict
  sample: {"gitVersion": "v1.36.3", "major": "1", "minor": "36"}
nodes:
  description: The Nodes, sorted by name.
  returned: when nodes are gathered
  type: list
  elements: dict
  contains:
    name:
      description: The Node name.
      type: str
    provider_id:
      description: C(spec.providerID), empty until a cloud provider sets it.
      type: str
      sample: vsphere://4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02
    system_uuid:
      description: C(status.nodeInfo.systemUUID) as reported by the kubelet.
      type: str
    addresses:
      description: C(status.addresses).
      type: list
      elements: dict
    zone:
      description: The C(topology.kubernetes.io/zone) label.
      type: str
    region:
      description: The C(topology.kubernetes.io/region) label.
      type: str
    uninitialized:
      description: Whether the Node still carries the C(node.cloudprovider.kubernetes.io/uninitialized) taint.
      type: bool
    labels:
      description: All labels of the Node.
      type: dict
namespaces:
  description: The namespace names, sorted.
  returned: when namespaces are gathered
  type: list
  elements: str
  sample: [default, kube-system]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    kube_client,
    kube_errors,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.nodes import node_summary
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import (
    register_kube_secrets,
)


def main():
    module = AnsibleModule(
        argument_spec=kubernetes_argument_spec(
            gather=dict(type="list", elements="str", choices=["version", "nodes", "namespaces"],
                        default=["version", "nodes", "namespaces"]),
        ),
        supports_check_mode=True,
    )
    register_kube_secrets(module)
    kube = kube_client(module)
    result = dict(changed=False)
    with kube_errors(module, kube, "Reading the cluster"):
        if "version" in module.params["gather"]:
            result["version"] = kube.request("GET", "version")
        if "nodes" in module.params["gather"]:
            result["nodes"] = sorted((node_summary(n) for n in kube.list("Node")), key=lambda n: n["name"])
        if "namespaces" in module.params["gather"]:
            result["namespaces"] = sorted(ns["metadata"]["name"] for ns in kube.list("Namespace"))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
