# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From Kubernetes nodes (names, BIOS UUIDs, provider IDs, IPs, Node objects) to their VMs.

Cost: one PropertyCollector retrieval for the infrastructure and every VM's candidate properties, one for the
details of the VMs that matched. Neither grows in requests with the inventory or with the number of nodes. A few
BIOS UUIDs or provider IDs alone are answered by vCenter's search index instead (a request each, plus one for their
properties), without reading every VM.
"""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import (
    collect,
    collect_objects,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    byte_swap,
    normalize_uuid,
    uuid_from_provider_id,
)

# Read for the VMs that matched only, in one retrieval (every VM gets just what matching needs, chosen in
# NodeLookup.__init__: name, config.uuid when UUIDs are asked for, guest IPs when IPs are; guest host names in one more
# retrieval, and only when a name matches no VM name).
DETAIL_PROPS = ["name", "parent", "config.template", "config.uuid", "config.instanceUuid", "config.version", "config.guestId",
                "config.hardware.numCPU", "config.hardware.memoryMB", "config.hardware.device",
                "config.extraConfig", "runtime.powerState", "runtime.host", "guest.hostName", "guest.ipAddress",
                "guest.net"]

try:
    from pyVmomi import vim
except ImportError:
    pass

INPUT_KINDS = ("names", "uuids", "provider_ids", "ips")


def lookup_argument_spec():
    """The node lookup inputs, shared by every module that finds node VMs (doc fragment: node_lookup)."""
    return dict(
        names=dict(type="list", elements="str", default=[]),
        uuids=dict(type="list", elements="str", default=[]),
        provider_ids=dict(type="list", elements="str", default=[]),
        ips=dict(type="list", elements="str", default=[]),
        from_cluster=dict(type="bool", default=False),
        datacenter=dict(type="str"),
        folder=dict(type="str"),
        fail_on_missing=dict(type="bool", default=False),
        kubernetes=dict(type="dict", default={}, options=kubernetes_argument_spec(), apply_defaults=True),
    )


def kube_node_summaries(module):
    """The Nodes of the cluster named by the module's nested kubernetes option (for from_cluster). The Kubernetes
    client is imported here, on first use: a lookup of VMs alone never loads it."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import KubernetesError, kube_client
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.nodes import node_summary
    kube = kube_client(module, "kubernetes")
    try:
        return [node_summary(n) for n in kube.list("Node")]
    except KubernetesError as e:
        module.fail_json(msg="Reading the Nodes of the Kubernetes cluster failed: %s" % e)
    finally:
        kube.close()


# Up to this many UUID inputs are looked up in vCenter's search index (a request or two each); more are matched
# against one read of every VM, whose cost does not grow with them.
INDEX_LIMIT = 8


def index_uuids(params, folder=None):
    """The canonical BIOS UUIDs to find through vCenter's search index, or None to read every VM instead: only
    when the inputs are BIOS UUIDs and provider IDs (no names, IPs or cluster Nodes), all well formed, at most
    INDEX_LIMIT, and no folder narrows the scope (the index knows datacenters only)."""
    if folder or params.get("from_cluster") or params.get("names") or params.get("ips"):
        return None
    uuids = [normalize_uuid(v) for v in params.get("uuids") or []]
    uuids += [uuid_from_provider_id(v) for v in params.get("provider_ids") or []]
    if not uuids or len(uuids) > INDEX_LIMIT or None in uuids:
        return None
    return sorted(set(uuids))


class Match:
    """One VM found, with every input that led to it."""

    def __init__(self, moid):
        self.moid = moid
        self.matched_by = []
        self.node_name = None
        self.kube_node = None
        self.props = None

    def add(self, kind, value, how):
        entry = {"input": kind, "value": value, "how": how}
        if entry not in self.matched_by:
            self.matched_by.append(entry)


class NodeLookup:
    """The VMs that may be nodes, indexed for matching. The constructor reads nothing: fetch() reads the inventory
    and the candidate properties of every VM in one retrieval (NodeLookup(client, ...).fetch())."""

    def __init__(self, client, datacenter=None, folder=None, with_ips=False, with_uuids=True):
        props = ["name"] + (["config.uuid"] if with_uuids else []) + \
            (["guest.net", "guest.ipAddress"] if with_ips else []) + (["parent"] if (folder or datacenter) else [])
        self.client, self.datacenter, self.folder = client, datacenter, folder
        self.tree = InventoryTree(client, vm_props=props, scalar=not with_ips)
        self.vms = {}
        self.by_name, self.by_host, self.by_uuid = {}, None, {}
        self.matches = {}
        self.missing = []
        self.errors = []
        self.ambiguous = []

    def fetch(self, params=None):
        """Read the VMs in scope (datacenter, folder) and index them by name and BIOS UUID; returns the lookup.

        params: the lookup inputs; when they are a few BIOS UUIDs or provider IDs and nothing else, vCenter's
        search index answers them (see index_uuids) instead of a read of every VM."""
        uuids = index_uuids(params, self.folder) if params is not None else None
        if uuids is not None:
            return self._fetch_by_index(uuids)
        self.tree.fetch()
        scope = None
        if self.folder:
            dc = self.tree.datacenter(self.datacenter) if self.datacenter else None
            scope = self.tree.folder(self.folder, dc, "vm")
        elif self.datacenter:
            scope = self.tree.datacenter(self.datacenter)
        self.vms = {m: p for m, (o, p) in self.tree.vms.items()
                    if scope is None or (p.get("parent") is not None and scope in self.tree.ancestors(p["parent"]._moId))}
        self._index()
        return self

    def _fetch_by_index(self, uuids):
        """The infrastructure in one retrieval, then SearchIndex.FindAllByUuid per UUID (the byte-swapped order
        only for one not found as given), then the found VMs' candidate properties in one retrieval."""
        vm_props = self.tree.vm_props
        self.tree.vm_props = None
        self.tree.fetch()
        self.tree.vm_props = vm_props
        dc = self.tree.nodes[self.tree.datacenter(self.datacenter)]["obj"] if self.datacenter else None
        index = self.client.content.searchIndex
        found = {}
        for uuid in uuids:
            vms = index.FindAllByUuid(datacenter=dc, uuid=uuid, vmSearch=True, instanceUuid=False)
            if not vms:
                vms = index.FindAllByUuid(datacenter=dc, uuid=byte_swap(uuid), vmSearch=True, instanceUuid=False)
            for vm in vms or []:
                found[vm._moId] = vm
        for obj, p in collect_objects(self.client, list(found.values()), sorted(set(vm_props) | {"parent"})):
            self.tree.vms[obj._moId] = (obj, p)
            self.vms[obj._moId] = p
        self._index()
        return self

    def _index(self):
        for moid, p in self.vms.items():
            self.by_name.setdefault(p.get("name"), []).append(moid)
            uuid = normalize_uuid(p.get("config.uuid"))
            if uuid:
                self.by_uuid.setdefault(uuid, []).append(moid)

    # -- matching ----------------------------------------------------------------------------------
    def _ambiguity_errors(self):
        """Messages for inputs matching several VMs, with each VM's folder (one more retrieval, on this error
        path only)."""
        moids = sorted({m for _kind, _value, ms in self.ambiguous for m in ms})
        parents = {o._moId: p.get("parent") for o, p in
                   collect_objects(self.client, [self.tree.vms[m][0] for m in moids], ["parent"])}
        out = []
        for kind, value, ms in self.ambiguous:
            described = ", ".join(sorted("%s (%s, %s)" % (self.vms[m]["name"], m, self.tree.path(parents[m]._moId)
                                                          if parents.get(m) is not None else "?") for m in ms))
            out.append("%s '%s' matches %d VMs: %s. Narrow it with datacenter or folder, or use the BIOS UUID."
                       % (kind, value, len(ms), described))
        return out

    def folder_of(self, moid):
        match = self.matches.get(moid)
        props = match.props if match is not None and match.props else self.vms.get(moid, {})
        parent = props.get("parent")
        return self.tree.path(parent._moId) if parent is not None else None

    def _one(self, kind, value, moids, how):
        if len(moids) > 1:
            self.ambiguous.append((kind, value, moids))
            return None
        match = self.matches.setdefault(moids[0], Match(moids[0]))
        match.add(kind, value, how)
        return match

    def _host_index(self):
        """Guest host name (and its first label) -> VMs, read on first need in one retrieval."""
        if self.by_host is None:
            self.by_host = {}
            for obj, p in collect(self.client, [vim.VirtualMachine], ["guest.hostName"], scalar=True):
                host = (p.get("guest.hostName") or "").lower()
                if host and obj._moId in self.vms:
                    for key in sorted({host, host.split(".")[0]}):
                        self.by_host.setdefault(key, []).append(obj._moId)
        return self.by_host

    def by_node_name(self, name, kind="name"):
        if self.by_name.get(name):
            return self._one(kind, name, self.by_name[name], "vm name")
        moids = self._host_index().get(name.lower())
        if moids:
            return self._one(kind, name, moids, "guest hostname")
        return None

    def by_bios_uuid(self, kind, value, uuid):
        if uuid in self.by_uuid:
            return self._one(kind, value, self.by_uuid[uuid], "bios uuid")
        swapped = byte_swap(uuid)
        if swapped in self.by_uuid:
            return self._one(kind, value, self.by_uuid[swapped], "byte-swapped bios uuid")
        return None

    def by_ip(self, ip):
        moids = [m for m, p in self.vms.items()
                 if ip == p.get("guest.ipAddress") or any(ip in (n.ipAddress or []) for n in p.get("guest.net") or [])]
        return self._one("ip", ip, moids, "guest ip") if moids else None

    def run(self, params, kube_nodes=None):
        """Match every input; kube_nodes: Node summaries (from_cluster). Returns the matches, VM details read."""
        for name in params.get("names") or []:
            m = self.by_node_name(name)
            if m is None:
                self.missing.append({"input": "name", "value": name})
            elif m.node_name is None:
                m.node_name = name
        for kind, parse in (("uuid", normalize_uuid), ("provider_id", uuid_from_provider_id)):
            for value in params.get(kind + "s") or []:
                uuid = parse(value)
                if uuid is None:
                    self.errors.append("%s '%s' is not a %s." % (kind, value, "BIOS UUID" if kind == "uuid" else
                                                                 "provider ID of the form vsphere://<uuid>"))
                    continue
                if self.by_bios_uuid(kind, value, uuid) is None:
                    self.missing.append({"input": kind, "value": value})
        for ip in params.get("ips") or []:
            if self.by_ip(ip) is None:
                self.missing.append({"input": "ip", "value": ip})
        for node in kube_nodes or []:
            m = self._match_kube_node(node)
            if m is None:
                self.missing.append({"input": "node", "value": node["name"]})
            else:
                m.node_name, m.kube_node = node["name"], node
        if self.ambiguous:
            self.errors.extend(self._ambiguity_errors())
        if self.errors:
            raise VsphereError(" ".join(self.errors))
        details = collect_objects(self.client, [self.tree.vms[m][0] for m in self.matches], DETAIL_PROPS)
        for obj, props in details:
            self.matches[obj._moId].props = props
        templates = [m for m in self.matches.values() if m.props.get("config.template")]
        if templates:
            raise VsphereError("These inputs match templates, not VMs: %s." % ", ".join(
                "%s (%s)" % (m.props["name"], ", ".join(x["value"] for x in m.matched_by)) for m in templates))
        return sorted(self.matches.values(), key=lambda m: (m.node_name or m.props.get("name") or "", m.moid))

    def _match_kube_node(self, node):
        """By the systemUUID the kubelet reported (either byte order), else its providerID, else its name.
        The systemUUID comes first: it is what the VM says of itself, while a providerID may be wrong."""
        for value in (node.get("system_uuid"), node.get("provider_id")):
            uuid = normalize_uuid(value)
            if uuid:
                m = self.by_bios_uuid("node", node["name"], uuid)
                if m is not None:
                    return self._claim(m, node)
        m = self.by_node_name(node["name"], "node")
        return self._claim(m, node) if m is not None else None

    def _claim(self, match, node):
        if match.kube_node is not None and match.kube_node["name"] != node["name"]:
            self.errors.append("Nodes %s and %s both match VM %s (%s): clones with the same BIOS UUID?"
                               % (match.kube_node["name"], node["name"], self.vms[match.moid]["name"], match.moid))
        return match


def find_node(client, node, datacenter=None):
    """The one VM of a node given as a name, a BIOS UUID in any form or a provider ID: (lookup, match)."""
    if uuid_from_provider_id(node):
        params = {"provider_ids": [node]}
    elif normalize_uuid(node):
        params = {"uuids": [node]}
    else:
        params = {"names": [node]}
    lookup = NodeLookup(client, datacenter, with_uuids="uuids" in params or "provider_ids" in params).fetch(params)
    matches = lookup.run(params)
    if not matches:
        raise VsphereError("No VM found for node %s." % node)
    return lookup, matches[0]
