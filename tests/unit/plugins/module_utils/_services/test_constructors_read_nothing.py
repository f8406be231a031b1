"""InventoryTree, DiskStore and NodeLookup read nothing when built: their fetch() method does (one explicit read)."""

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import NodeLookup
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree


class NoCalls:
    """A client any use of which fails the test."""

    def __getattr__(self, name):
        raise AssertionError("the constructor used the client (%s)" % name)


def test_an_inventory_tree_reads_in_fetch_only():
    tree = InventoryTree(NoCalls(), vm_props=["name"])
    with pytest.raises(RuntimeError, match="fetch"):
        tree.datacenter()


def test_a_node_lookup_reads_in_fetch_only():
    lookup = NodeLookup(NoCalls(), datacenter="DC0", folder="k8s", with_ips=True)
    assert lookup.vms == {} and lookup.matches == {} and lookup.missing == []
    assert lookup.tree.vm_props == ["name", "config.uuid", "guest.net", "guest.ipAddress", "parent"]


def test_a_disk_store_reads_in_fetch_only():
    tree = InventoryTree(NoCalls())
    tree.nodes = {"dc-1": dict(obj=vim.Datacenter("dc-1"), name="DC0", parent=None, props={})}
    store = DiskStore(NoCalls(), tree, "dc-1")
    assert store.datastores == {} and store.dc_path == "DC0"
