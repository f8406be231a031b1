# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the vSphere cloud provider knows of a node VM found by the node lookup: identity, addresses by the
provider's rules, instance type, zone and region from tags, readiness, and whether its Node agrees.

Shared by node_vm_info and the nodes inventory plugin."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.addresses import (
    NODES_OPTIONS,
    instance_type,
    select_addresses,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    normalize_uuid,
    provider_id,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_facts


def describe(lookup, match, tags, p):
    props, tree = match.props, lookup.tree
    host = props.get("runtime.host")
    host_moid = host._moId if host is not None else None
    cluster = tree.cluster_of(host_moid) if host_moid else None
    dc = tree.datacenter_of(props["parent"]._moId) if props.get("parent") is not None else None
    uuid = normalize_uuid(props.get("config.uuid"))
    zone, region = vm_facts.zone_and_region(tree, host_moid, tags, p["zone_category"], p["region_category"])
    devices = props.get("config.hardware.device") or []
    hostname = props.get("guest.hostName")
    entry = dict(
        node_name=match.node_name, matched_by=match.matched_by, vm_name=props.get("name"), moid=match.moid,
        datacenter=tree.get(dc)["name"] if dc else None,
        cluster=tree.get(cluster)["name"] if cluster else None,
        host=tree.get(host_moid)["name"] if host_moid in tree.nodes else None,
        folder=lookup.folder_of(match.moid), uuid=uuid, instance_uuid=props.get("config.instanceUuid"),
        provider_id=provider_id(uuid),
        addresses=select_addresses(hostname, vm_facts.guest_nics(props), {k: p[k] for k in NODES_OPTIONS}),
        instance_type=instance_type(props.get("config.hardware.numCPU"), props.get("config.hardware.memoryMB"),
                                    props.get("config.guestId")),
        power_state=str(props.get("runtime.powerState")), guest_id=props.get("config.guestId"),
        hardware_version=props.get("config.version"), disk_enable_uuid=vm_facts.disk_enable_uuid(props),
        scsi_controllers=vm_facts.controllers(devices), disks=vm_facts.disks(devices), zone=zone, region=region,
    )
    if match.kube_node is not None:
        entry["kubernetes"] = agreement(match.kube_node, entry, p)
    return entry


def agreement(node, entry, p):
    problems = []
    pid_ok = node["provider_id"] == entry["provider_id"]
    if not node["provider_id"]:
        problems.append("providerID is not set (the cloud provider has not initialized the node)")
    elif not pid_ok:
        problems.append("providerID %s is not %s" % (node["provider_id"], entry["provider_id"]))
    checks = {}
    for what in ("zone", "region"):
        ok = not p[what + "_category"] or node[what] == entry[what]
        checks[what + "_ok"] = ok
        if not ok:
            problems.append("%s label %s is not %s from the %s tags"
                            % (what, node[what], entry[what], p[what + "_category"]))
    return dict(provider_id=node["provider_id"], provider_id_ok=pid_ok, system_uuid=node["system_uuid"],
                zone=node["zone"], region=node["region"], agrees=not problems, problems=problems, **checks)


def zone_tags(client, lookup, matches, p):
    """The tags of every host of the matched VMs and their ancestors (one REST round for all), when asked for."""
    if not (matches and (p["zone_category"] or p["region_category"])):
        return {}
    objs = {}
    for m in matches:
        host = m.props.get("runtime.host")
        for moid in lookup.tree.ancestors(host._moId) if host is not None else []:
            objs[moid] = lookup.tree.get(moid)["obj"]
    return client.rest().attached_tags(list(objs.values()))
