# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 4, zones and regions: the tag categories, where their tags are attached, hosts without a zone, and the
Node topology labels against the tags found walking up from each node VM's host (as the provider does)."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.readiness import node_vms
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_facts

# Kinds of object the provider's walk from a host passes: the host, its cluster, folders of hosts, the datacenter.
WALKED_KINDS = ("HostSystem", "ClusterComputeResource", "ComputeResource", "Folder", "Datacenter")


class _Walk:
    """The host ancestry of the snapshot, shaped as vm_facts.zone_and_region walks it."""

    def __init__(self, snap):
        self.snap = snap

    def ancestors(self, moid):
        return self.snap.ancestors.get(moid, [moid])


def zone_of(snap, host, category):
    """The tag of the category the provider finds walking up from the host (vm_facts.zone_and_region, with both
    configured categories: the walk stops once both are known)."""
    if not category or not host:
        return None
    st = snap.settings
    zone, region = vm_facts.zone_and_region(_Walk(snap), host, snap.tags, st.zone_category, st.region_category)
    return zone if category == st.zone_category else region


def sibling_zone(snap, host):
    """The zone every other host of the host's cluster is in, when they agree (the tag a repair may attach)."""
    chain = snap.ancestors.get(host) or [host]
    cluster = chain[1] if len(chain) > 1 else None
    others = [h for h in snap.hosts if h != host and (snap.ancestors.get(h) or [h, None])[1:2] == [cluster]]
    zones = {zone_of(snap, h, snap.settings.zone_category) for h in others}
    return zones.pop() if len(zones) == 1 and None not in zones and cluster is not None else None


def check(snap):
    st = snap.settings
    out = []
    wanted = [(what, c) for what, c in (("zone", st.zone_category), ("region", st.region_category)) if c]
    walked = {m for chain in snap.ancestors.values() for m in chain}
    for what, category in wanted:
        cat = snap.categories.get(category)
        if cat is None:
            out.append(Finding(
                "zones.category_missing", "error", obj("TagCategory", category),
                "The %s tag category %s named by the cloud config does not exist in vCenter." % (what, category),
                "Without it no node gets a %s label, and topology-aware volumes cannot be placed." % what,
                "Create the category (vcenter_tags, cardinality SINGLE) and tag the clusters or hosts, or fix "
                "labels.%s in the cloud config." % what))
            continue
        if str(cat.get("cardinality", "")).upper() != "SINGLE":
            out.append(Finding(
                "zones.category_cardinality", "warning", obj("TagCategory", category),
                "The %s tag category %s allows several tags per object (cardinality %s)." % (
                    what, category, cat.get("cardinality")),
                "An object with two %s tags gets whichever the provider reads last: nodes may change %s." % (what, what),
                "Use a category with cardinality SINGLE (a new category; the cardinality cannot be narrowed)."))
        for (c, tag), objects in sorted(snap.tag_attachments.items()):
            if c != category:
                continue
            for kind, moid in objects:
                name = snap.object_kinds.get(moid, (kind, moid))[1]
                if kind not in WALKED_KINDS or (kind == "Folder" and moid not in walked):
                    out.append(Finding(
                        "zones.tag_on_wrong_object", "warning", obj(kind, name, moid, tag="%s/%s" % (category, tag)),
                        "The %s tag %s/%s is attached to %s %s, which the provider never looks at." % (
                            what, category, tag, kind, name),
                        "The provider reads %s tags from the node VM's host, its cluster, host folders and the "
                        "datacenter only: this attachment has no effect, and the nodes it was meant for get no %s."
                        % (what, what),
                        "Detach the tag from %s and attach it to the cluster (or host) the nodes run on." % name))
    zone_cat = st.zone_category if st.zone_category in snap.categories else None
    if zone_cat:
        for host in sorted(snap.hosts):
            if zone_of(snap, host, zone_cat) is None:
                name = snap.object_kinds.get(host, ("HostSystem", host))[1]
                sibling = sibling_zone(snap, host)
                out.append(Finding(
                    "zones.host_without_zone", "warning", obj("HostSystem", name, host),
                    "Host %s, in a cluster that runs node VMs, has no %s tag on it or above it%s." % (
                        name, zone_cat, "; the other hosts of its cluster are all in %s" % sibling if sibling else ""),
                    "A node VM that moves (DRS, HA) to this host loses its zone: the provider reports none and "
                    "topology-aware volumes cannot attach.",
                    "Tag the host, its cluster or its folder with a %s tag%s." % (
                        zone_cat, " (doctor fix: true attaches %s/%s to the host)" % (zone_cat, sibling)
                        if sibling else ""),
                    repair="tags" if sibling and (zone_cat, sibling) in snap.tag_ids else None))
    for vm, node_name in node_vms(snap):
        node = next(n for n in snap.nodes if n.name == node_name)
        if node.uninitialized or not node.provider_id:
            continue  # the nodes area reports it; the provider has not labelled the node yet
        for what, category in wanted:
            if category not in snap.categories:
                continue
            expected = zone_of(snap, vm.host, category)
            label = node.zone if what == "zone" else node.region
            if (label or None) != expected:
                out.append(Finding(
                    "zones.label_mismatch", "error", obj("Node", node.name, vm=vm.name),
                    "Node %s has %s label %s, but the %s tags give %s (VM %s)." % (
                        node.name, what, label or "(none)", category, expected or "(none)", vm.name),
                    "Pods and volumes are placed by the label: volumes provisioned for the labelled %s may not be "
                    "reachable from where the VM really runs." % what,
                    "Fix the tags if they are wrong; else the label: the provider sets it only when it initializes "
                    "the node, so delete the Node and let the kubelet register it again."))
    return out
