"""Name and path resolution on the inventory tree (pure logic: the tree is built by hand)."""

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import (
    InventoryTree,
    split_path,
)


def tree():
    t = InventoryTree.__new__(InventoryTree)
    t.nodes = {}

    def add(cls, moid, name, parent, **props):
        t.nodes[moid] = dict(obj=cls(moid), name=name, parent=parent, props=props)

    add(vim.Datacenter, "dc-1", "DC0", None, vmFolder=vim.Folder("g-vm"), datastoreFolder=vim.Folder("g-ds"),
        hostFolder=vim.Folder("g-h"), networkFolder=vim.Folder("g-n"))
    add(vim.Folder, "g-vm", "vm", "dc-1")
    add(vim.Folder, "g-ds", "datastore", "dc-1")
    add(vim.Folder, "g-h", "host", "dc-1")
    add(vim.Folder, "f-k8s", "kubernetes", "g-vm")
    add(vim.Folder, "f-nodes", "nodes", "f-k8s")
    add(vim.Folder, "f-other-nodes", "nodes", "g-vm")
    add(vim.StoragePod, "pod-1", "DatastoreCluster", "g-ds")
    add(vim.Folder, "f-tier", "storage tier", "g-ds")
    add(vim.Datastore, "ds-0", "LocalDS_0", "g-ds")
    add(vim.Datastore, "ds-2", "LocalDS_2", "pod-1")
    add(vim.Datastore, "ds-3", "ds with spaces", "f-tier")
    add(vim.ClusterComputeResource, "c-1", "zone-a", "g-h")
    add(vim.HostSystem, "h-1", "esx-1", "c-1")
    return t


def test_split_path_drops_empty_segments():
    assert split_path("/DC0//vm/a b/") == ["DC0", "vm", "a b"]


def test_paths_are_built_from_parents():
    t = tree()
    assert t.path("ds-2") == "/DC0/datastore/DatastoreCluster/LocalDS_2"
    assert t.datacenter_of("h-1") == "dc-1"
    assert t.cluster_of("h-1") == "c-1"


@pytest.mark.parametrize("spec, moid", [
    ("LocalDS_2", "ds-2"),
    ("DatastoreCluster/LocalDS_2", "ds-2"),
    ("/DC0/datastore/DatastoreCluster/LocalDS_2", "ds-2"),
    ("storage tier/ds with spaces", "ds-3"),
    ("ds with spaces", "ds-3"),
])
def test_datastore_is_found_by_name_cluster_folder_or_path(spec, moid):
    assert tree().datastore(spec) == moid


def test_unknown_datastore_error_lists_the_known_ones():
    with pytest.raises(VsphereError, match="No datastore 'nope'") as e:
        tree().datastore("nope")
    assert "/DC0/datastore/LocalDS_0" in str(e.value) and "/DC0/datastore/DatastoreCluster/LocalDS_2" in str(e.value)


def test_wrong_datastore_cluster_prefix_is_not_a_match():
    with pytest.raises(VsphereError, match="No datastore"):
        tree().datastore("OtherCluster/LocalDS_2")


def test_folder_relative_to_the_datacenter_vm_folder_is_exact():
    t = tree()
    assert t.folder("nodes") == "f-other-nodes"
    assert t.folder("kubernetes/nodes") == "f-nodes"
    assert t.folder("vm/kubernetes") == "f-k8s"
    assert t.folder("/DC0/vm/kubernetes/nodes") == "f-nodes"


def test_ambiguous_trailing_folder_name_lists_candidates():
    t = tree()
    t.nodes["f-x"] = dict(obj=vim.Folder("f-x"), name="deep", parent="f-nodes", props={})
    t.nodes["f-y"] = dict(obj=vim.Folder("f-y"), name="deep", parent="f-other-nodes", props={})
    assert t.folder("nodes/deep") == "f-y"  # exact below the datacenter's VM folder wins
    with pytest.raises(VsphereError, match="ambiguous.*/DC0/vm/kubernetes/nodes/deep.*/DC0/vm/nodes/deep"):
        t.folder("deep")


def test_the_only_datacenter_is_the_default():
    assert tree().datacenter() == "dc-1"
    assert tree().datacenter("DC0") == "dc-1"
