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
  - vsphere_k8s.cloud_provider.query
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

- name: The names of the nodes still waiting for the cloud provider (JMESPath)
  vsphere_k8s.cloud_provider.k8s_cluster_info:
    gather: [nodes]
    query: "nodes[?uninitialized].name"
  register: waiting
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
query_result:
  description: What the O(query) expression selected from the result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.nodes import node_summary
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._query import (
    compile_query,
    query_argument_spec,
    select,
)


def gather(kube, what):
    """The parts of the cluster asked for, each in one request."""
    result = {}
    if "version" in what:
        result["version"] = kube.request("GET", "version")
    if "nodes" in what:
        result["nodes"] = sorted((node_summary(n) for n in kube.list("Node")), key=lambda n: n["name"])
    if "namespaces" in what:
        result["namespaces"] = sorted(ns["metadata"]["name"] for ns in kube.list("Namespace"))
    return result


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            gather=dict(type="list", elements="str", choices=["version", "nodes", "namespaces"],
                        default=["version", "nodes", "namespaces"]),
            **query_argument_spec()
        ),
        kubernetes=True,
        supports_check_mode=True,
    )
    query = compile_query(module)
    with module.errors("Reading the cluster", backend="kubernetes"):
        result = dict(changed=False, **gather(module.kube, module.params["gather"]))
    module.exit_json(**select(module, query, result))


if __name__ == "__main__":
    main()
