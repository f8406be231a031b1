"""Folder paths are checked before any folder is created: no relative segments, no empty ones, no backslashes."""

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import (
    ensure_folder,
    path_problem,
    plan_folder,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree


def tree():
    t = InventoryTree.__new__(InventoryTree)
    t.nodes = {}

    def add(cls, moid, name, parent, **props):
        t.nodes[moid] = dict(obj=cls(moid), name=name, parent=parent, props=props)

    add(vim.Datacenter, "dc-1", "DC0", None, vmFolder=vim.Folder("g-vm"), datastoreFolder=vim.Folder("g-ds"),
        hostFolder=vim.Folder("g-h"), networkFolder=vim.Folder("g-n"))
    add(vim.Folder, "g-vm", "vm", "dc-1")
    add(vim.Folder, "f-k8s", "kubernetes", "g-vm")
    return t


@pytest.mark.parametrize("path", ["../../x", "/DC0/vm/../x", "/DC0/vm/./x", "kubernetes/..", ".", "..",
                                  "/DC0/vm/a//b", "a\\b", "/DC0\\vm\\x", "", "   ", "/DC0/vm/a\nb", "/DC0/vm/ /b"])
def test_malformed_paths_are_refused(path):
    assert path_problem(path)


@pytest.mark.parametrize("path", ["/DC0/vm/kubernetes/nodes", "kubernetes/nodes", "/DC0/vm/k8s.nodes/",
                                  "nodes...old", "a b/c-d_e"])
def test_valid_paths_pass(path):
    assert path_problem(path) is None


def test_root_only_where_allowed():
    assert path_problem("/") and path_problem("/", allow_root=True) is None


def test_plan_folder_refuses_dot_dot_before_looking_at_the_tree():
    with pytest.raises(VsphereError, match=r"'\.\.' segment"):
        plan_folder(tree(), "../../x")


def test_plan_folder_refuses_new_names_over_80_characters():
    with pytest.raises(VsphereError, match="at most 80"):
        plan_folder(tree(), "/DC0/vm/kubernetes/" + "x" * 81)


def test_valid_paths_plan_as_before():
    t = tree()
    assert plan_folder(t, "/DC0/vm/kubernetes") == ("f-k8s", [], "/DC0/vm/kubernetes")
    assert plan_folder(t, "kubernetes/nodes/a") == ("f-k8s", ["nodes", "a"], "/DC0/vm/kubernetes/nodes/a")
    folder, created = ensure_folder(t, "/DC0/vm/kubernetes/nodes/", check_mode=True)
    assert folder is None and created == ["/DC0/vm/kubernetes/nodes"]
