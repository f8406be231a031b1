#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: node_vm_info
short_description: Find the VMs of Kubernetes nodes as the vSphere cloud provider does (Instances and Zones)
version_added: 0.1.0
description:
  - From Kubernetes node names, BIOS UUIDs in any form, provider IDs, IP addresses, or every Node of a cluster,
    to their VMs, with what the cloud provider derives from them - providerID, node addresses, instance type,
    zone and region - and what it needs of them - C(disk.EnableUUID), SCSI controllers, disks.
  - The number of requests to vCenter does not grow with the inventory nor with the number of nodes - one
    retrieval for the inventory and every VM's candidate properties, one for the details of the VMs found, and
    for zones one REST call for the tags of all their ancestors.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  zone_category:
    description:
      - The tag category whose tags name zones (C([Labels] zone) in vsphere.conf).
      - The zone is looked up from the VM's host upwards, as the provider does.
    type: str
  region_category:
    description:
      - The tag category whose tags name regions (C([Labels] region) in vsphere.conf).
    type: str
  internal_network_subnet_cidr:
    description:
      - Subnets in which to pick the InternalIP (C([Nodes] internal-network-subnet-cidr)), first match wins.
    type: list
    elements: str
  external_network_subnet_cidr:
    description:
      - Subnets in which to pick the ExternalIP (C([Nodes] external-network-subnet-cidr)).
    type: list
    elements: str
  internal_vm_network_name:
    description:
      - The VM network whose address is the InternalIP when no subnet matched (C([Nodes] internal-vm-network-name)).
    type: str
  external_vm_network_name:
    description:
      - The VM network whose address is the ExternalIP when no subnet matched (C([Nodes] external-vm-network-name)).
    type: str
  exclude_internal_network_subnet_cidr:
    description:
      - Subnets never used for the InternalIP (C([Nodes] exclude-internal-network-subnet-cidr)).
    type: list
    elements: str
  exclude_external_network_subnet_cidr:
    description:
      - Subnets never used for the ExternalIP (C([Nodes] exclude-external-network-subnet-cidr)).
    type: list
    elements: str
  ip_family:
    description:
      - The ip families of the node addresses, in priority order (C([Global] ip-family)).
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4]
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.query
  - vsphere_k8s.cloud_provider.vsphere
  - vsphere_k8s.cloud_provider.node_lookup
  - vsphere_k8s.cloud_provider.kubernetes.NESTED
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Find node VMs from what a support ticket gives - a name, a product_serial, a providerID
  vsphere_k8s.cloud_provider.node_vm_info:
    names: [k8s-worker-1]
    uuids: ["VMware-42 18 e0 a2 6b 1c 4c 5d-9e 7f 0a 1b 2c 3d 4e 03"]
    provider_ids: ["vsphere://4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e04"]
    zone_category: k8s-zone
    region_category: k8s-region
  register: found

- name: Check every Node of the cluster against vSphere
  vsphere_k8s.cloud_provider.node_vm_info:
    from_cluster: true
    zone_category: k8s-zone
    region_category: k8s-region
    internal_network_subnet_cidr: [10.0.0.0/24]
    kubernetes:
      kubeconfig: ~/.kube/config
  register: check

- name: Nodes whose providerID or zone labels disagree with vSphere
  ansible.builtin.debug:
    msg: "{{ check.nodes | rejectattr('kubernetes.agrees') | map(attribute='node_name') }}"

- name: Only the VM name and provider ID of each node (JMESPath)
  vsphere_k8s.cloud_provider.node_vm_info:
    from_cluster: true
    query: "nodes[].{vm: vm_name, id: provider_id}"
  register: ids
"""

RETURN = r"""
nodes:
  description: One entry per VM found, sorted by node name.
  returned: always
  type: list
  elements: dict
  contains:
    node_name:
      description: The Kubernetes node name asked for or matched, when there is one.
      type: str
    matched_by:
      description: The inputs that found this VM, and how (vm name, guest hostname, bios uuid, byte-swapped bios uuid, guest ip).
      type: list
      elements: dict
    vm_name: {description: "The VM name.", type: str, sample: k8s-worker-1}
    moid: {description: "The VM managed object id.", type: str, sample: vm-176}
    datacenter: {description: "The datacenter name.", type: str}
    cluster: {description: "The cluster (or standalone compute resource) of the VM's host.", type: str}
    host: {description: "The ESXi host name.", type: str}
    folder: {description: "The inventory path of the VM's folder.", type: str, sample: /DC0/vm/kubernetes}
    uuid: {description: "The BIOS UUID, lower case.", type: str}
    instance_uuid: {description: "The vCenter instance UUID.", type: str}
    provider_id: {description: "The providerID the cloud provider sets, C(vsphere://<uuid>).", type: str}
    addresses:
      description: Kubernetes NodeAddress entries (Hostname, InternalIP, ExternalIP) chosen by the provider's rules.
      type: list
      elements: dict
    instance_type: {description: "C(vsphere-vm.cpu-<n>.mem-<GiB>gb.os-<guestId>).", type: str}
    power_state: {description: "poweredOn, poweredOff or suspended.", type: str}
    guest_id: {description: "The guest OS identifier.", type: str}
    hardware_version: {description: "The virtual hardware version.", type: str, sample: vmx-19}
    disk_enable_uuid: {description: "Whether C(disk.EnableUUID) is TRUE.", type: bool}
    scsi_controllers:
      description: Disk controllers with their type (pvscsi, lsilogic, ...), bus number and units in use.
      type: list
      elements: dict
    disks:
      description: Virtual disks - path, uuid, capacity_bytes, controller, unit, mode, disk_format, fcd_id.
      type: list
      elements: dict
    zone: {description: "The zone from tags (with zone_category).", type: str}
    region: {description: "The region from tags (with region_category).", type: str}
    kubernetes:
      description: With from_cluster, the Node and whether it agrees with vSphere.
      type: dict
      contains:
        provider_id: {description: "The Node's spec.providerID.", type: str}
        provider_id_ok: {description: "Whether it is the providerID the VM calls for.", type: bool}
        system_uuid: {description: "The Node's status.nodeInfo.systemUUID.", type: str}
        zone: {description: "The Node's zone label.", type: str}
        zone_ok: {description: "Whether the zone label agrees with the tags (true when no zone_category).", type: bool}
        region: {description: "The Node's region label.", type: str}
        region_ok: {description: "Whether the region label agrees with the tags.", type: bool}
        agrees: {description: "All of the above agree.", type: bool}
        problems: {description: "What disagrees, in words.", type: list, elements: str}
missing:
  description: Inputs that matched no VM.
  returned: always
  type: list
  elements: dict
  sample: [{"input": "name", "value": "k8s-worker-9"}]
query_result:
  description: What the O(query) expression selected from the result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._query import (
    compile_query,
    query_argument_spec,
    select,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.addresses import (
    AddressError,
    NODES_OPTIONS,
    address_rules_spec,
    select_addresses,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_facts import (
    describe,
    zone_tags,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import (
    INPUT_KINDS,
    NodeLookup,
    kube_node_summaries,
    lookup_argument_spec,
)


def validate(module):
    p = module.params
    if not p["from_cluster"] and not any(p[k] for k in INPUT_KINDS):
        module.fail_json(msg="Nothing to look up: give names, uuids, provider_ids or ips, or from_cluster: true.")
    try:
        select_addresses(None, [], {k: p[k] for k in NODES_OPTIONS})  # validates the CIDRs before any request
    except AddressError as e:
        module.fail_json(msg=str(e))


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            lookup_argument_spec(),
            zone_category=dict(type="str"),
            region_category=dict(type="str"),
            **address_rules_spec(),
            **query_argument_spec()
        ),
        vsphere=True, kubernetes="kubernetes", supports_check_mode=True,
    )
    p = module.params
    validate(module)
    query = compile_query(module)
    nodes = kube_node_summaries(module) if p["from_cluster"] else None
    with module.errors("looking up node VMs"):
        lookup = NodeLookup(module.vsphere, p["datacenter"], p["folder"], with_ips=bool(p["ips"]),
                            with_uuids=bool(p["uuids"] or p["provider_ids"] or p["from_cluster"])).fetch(p)
        matches = lookup.run(p, nodes)
        tags = zone_tags(module.vsphere, lookup, matches, p)
        result = [describe(lookup, m, tags, p) for m in matches]
    if p["fail_on_missing"] and lookup.missing:
        wanted = ", ".join("%s %s" % (m["input"], m["value"]) for m in lookup.missing)
        module.fail_json(msg="No VM found for: %s." % wanted, nodes=result, missing=lookup.missing)
    module.exit_json(**select(module, query, dict(changed=False, nodes=result, missing=lookup.missing)))


if __name__ == "__main__":
    main()
