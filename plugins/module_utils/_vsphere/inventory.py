# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory tree (everything but VMs) from one PropertyCollector call; name and path resolution on it."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect

try:
    from pyVmomi import vim
except ImportError:
    pass

DC_PROPS = ["name", "parent", "vmFolder", "datastoreFolder", "hostFolder", "networkFolder"]


def split_path(spec):
    """'/DC0/vm/a b/c' -> ['DC0', 'vm', 'a b', 'c']; names keep vSphere's %2f escape for a slash."""
    return [s for s in (spec or "").strip().split("/") if s]


class InventoryTree:
    """Folders, datacenters, clusters, hosts, resource pools, datastores and networks with their parents.

    One container view over the root folder: the cost grows with the infrastructure, not with the VMs. The
    constructor reads nothing: fetch() does, in one retrieval (InventoryTree(client).fetch()).
    """

    def __init__(self, client, vm_props=None, scalar=True):
        """With vm_props, every VM's properties come in the same retrieval, in self.vms {moid: (obj, props)}.
        scalar: every property asked for is a string, number, boolean or reference (the fast path)."""
        self.client = client
        self.vm_props, self.scalar = vm_props, scalar
        self._nodes = None
        self.vms = {}
        self._by_path = None

    @property
    def nodes(self):
        """{moid: dict(obj, name, parent moid, props)} of everything but VMs."""
        if self._nodes is None:
            raise RuntimeError("This InventoryTree has read nothing yet: call its fetch() method first.")
        return self._nodes

    @nodes.setter
    def nodes(self, value):
        self._nodes = value

    def fetch(self):
        """Read the tree (and the VMs' properties when asked for) in one retrieval; returns the tree."""
        types = [vim.Folder, vim.Datacenter, vim.ComputeResource, vim.HostSystem, vim.ResourcePool,
                 vim.Datastore, vim.Network]
        props = {t: (DC_PROPS if t is vim.Datacenter else ["name", "parent"]) for t in types}
        if self.vm_props:
            types.append(vim.VirtualMachine)
            props[vim.VirtualMachine] = list(self.vm_props)
        self.nodes, self.vms, self._by_path = {}, {}, None
        for obj, p in collect(self.client, types, props, scalar=self.scalar):
            if isinstance(obj, vim.VirtualMachine):
                self.vms[obj._moId] = (obj, p)
                continue
            parent = p.get("parent")
            self.nodes[obj._moId] = dict(obj=obj, name=p.get("name"), parent=parent._moId if parent else None,
                                         props=p)
        return self

    # -- paths -------------------------------------------------------------------------------------
    def get(self, moid):
        return self.nodes.get(moid)

    def segments(self, moid):
        segs = []
        while moid in self.nodes:
            node = self.nodes[moid]
            segs.append(node["name"])
            moid = node["parent"]
        return list(reversed(segs))

    def path(self, moid):
        """Inventory path, '/DC0/vm/kubernetes'; for an object outside the tree (a VM), give its parent."""
        return "/" + "/".join(self.segments(moid))

    def ancestors(self, moid):
        """moids from the object up to the top, the object first."""
        out = []
        while moid in self.nodes:
            out.append(moid)
            moid = self.nodes[moid]["parent"]
        return out

    def of_type(self, vim_type, within=None):
        return [m for m, n in self.nodes.items() if isinstance(n["obj"], vim_type)
                and (within is None or within in self.ancestors(m))]

    def datacenter_of(self, moid):
        for m in self.ancestors(moid):
            if isinstance(self.nodes[m]["obj"], vim.Datacenter):
                return m
        return None

    def cluster_of(self, moid):
        for m in self.ancestors(moid):
            if isinstance(self.nodes[m]["obj"], vim.ComputeResource):
                return m
        return None

    # -- resolution --------------------------------------------------------------------------------
    def match(self, vim_type, spec, within, what):
        segs = split_path(spec)
        if not segs:
            raise VsphereError("An empty %s name was given." % what)
        absolute = spec.strip().startswith("/")
        found = []
        for m in self.of_type(vim_type, within):
            full = self.segments(m)
            if (full == segs) if absolute else (full[-len(segs):] == segs):
                found.append(m)
        if len(found) > 1:
            raise VsphereError("The %s '%s' is ambiguous: it matches %s. Give its inventory path."
                               % (what, spec, ", ".join(sorted(self.path(m) for m in found))))
        if not found:
            known = sorted(self.path(m) for m in self.of_type(vim_type, within))
            scope = (" in datacenter %s" % self.nodes[within]["name"]) if within else ""
            raise VsphereError("No %s '%s' was found%s. Known: %s." % (what, spec, scope, ", ".join(known) or "none"))
        return found[0]

    def datacenter(self, spec=None):
        """moid of the datacenter named or at the given path; without one, the only datacenter there is."""
        if spec:
            return self.match(vim.Datacenter, spec, None, "datacenter")
        dcs = self.of_type(vim.Datacenter)
        if len(dcs) == 1:
            return dcs[0]
        raise VsphereError("vCenter has %d datacenters (%s): say which one with datacenter."
                           % (len(dcs), ", ".join(sorted(self.nodes[m]["name"] for m in dcs))))

    def datastore(self, spec, datacenter=None):
        """A datastore by name, by 'DatastoreCluster/name' or 'folder/name', or by inventory path."""
        return self.match(vim.Datastore, spec, datacenter, "datastore")

    def folder(self, spec, datacenter=None, kind="vm"):
        """A folder by inventory path ('/DC0/vm/k8s'), by path relative to the datacenter's folder of that
        kind ('k8s/nodes'), or by a unique trailing part of its path."""
        if datacenter is None and not spec.strip().startswith("/"):
            datacenter = self.datacenter()
        if datacenter is not None and not spec.strip().startswith("/"):
            root = self.nodes[datacenter]["props"]["%sFolder" % kind]._moId
            rel = split_path(spec)
            if rel and rel[0] == self.nodes[root]["name"]:
                rel = rel[1:]
            full = self.segments(root) + rel
            for m in self.of_type(vim.Folder, datacenter):
                if self.segments(m) == full:
                    return m
        return self.match(vim.Folder, spec, datacenter, "folder")

    def at_path(self, path):
        """The object at a full inventory path ('/DC0/datastore/LocalDS_0'), or None. One index, built on first use."""
        if self._by_path is None:
            self._by_path = {}
            for moid in self.nodes:
                self._by_path.setdefault(tuple(self.segments(moid)), moid)
        moid = self._by_path.get(tuple(split_path(path)))
        return self.nodes[moid]["obj"] if moid is not None else None

    def dc_folder(self, datacenter, kind="vm"):
        """The datacenter's top folder of a kind: vm, datastore, host or network."""
        return self.nodes[datacenter]["props"]["%sFolder" % kind]._moId
