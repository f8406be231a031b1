import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import nodes
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import VmSnap
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import byte_swap
from doctor_snapshots import FOLDER, checks_of, clean, node, uuid_of


def test_a_clean_site_has_no_node_finding():
    assert nodes.check(clean()) == []


def test_a_node_without_vm_is_an_error_naming_the_node():
    snap = clean()
    node(snap, "k8s-worker-2").vm = None
    found = nodes.check(snap)
    assert checks_of(found) == [("nodes.no_vm", "k8s-worker-2"), ("nodes.vm_without_node", "k8s-worker-2")]
    assert found[0].severity == "error" and "k8s-worker-2" in found[0].message


def test_an_empty_provider_id_with_csi_installed_is_an_error():
    snap = clean()
    node(snap, "k8s-worker-1").provider_id = ""
    found = nodes.check(snap)
    assert checks_of(found) == [("nodes.csi_without_provider_id", "k8s-worker-1")]
    assert found[0].severity == "error"
    assert "vsphere://" + uuid_of(1) in found[0].message


def test_an_empty_provider_id_without_csi_is_a_warning():
    snap = clean()
    snap.csi_installed = False
    node(snap, "k8s-worker-1").provider_id = ""
    assert [(f.check, f.severity) for f in nodes.check(snap)] == [("nodes.provider_id_empty", "warning")]


@pytest.mark.parametrize("pid,hint", [
    ("vsphere://" + byte_swap(uuid_of(3)), "byte-swapped"),
    ("vsphere://4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4eff", "should be"),
    ("aws:///i-123", "not of the form"),
])
def test_a_provider_id_that_is_not_the_vms_bios_uuid_is_an_error(pid, hint):
    snap = clean()
    node(snap, "k8s-worker-3").provider_id = pid
    found = nodes.check(snap)
    assert checks_of(found) == [("nodes.provider_id_mismatch", "k8s-worker-3")]
    assert hint in found[0].message and "vsphere://" + uuid_of(3) in found[0].fix


def test_an_upper_case_provider_id_is_only_info():
    snap = clean()
    node(snap, "k8s-cp-1").provider_id = "vsphere://" + uuid_of(0).upper()
    assert [(f.check, f.severity) for f in nodes.check(snap)] == [("nodes.provider_id_case", "info")]


def test_a_vm_in_the_node_folder_without_node_is_a_warning_templates_are_not():
    snap = clean()
    snap.vms["vm-9"] = VmSnap(moid="vm-9", name="k8s-worker-9", folder=FOLDER)
    snap.vms["vm-10"] = VmSnap(moid="vm-10", name="k8s-template", folder=FOLDER, template=True)
    snap.node_folder_vms += ["vm-9", "vm-10"]
    found = nodes.check(snap)
    assert checks_of(found) == [("nodes.vm_without_node", "k8s-worker-9")]
    assert found[0].object == {"kind": "VirtualMachine", "name": "k8s-worker-9", "moid": "vm-9"}


def test_every_finding_has_every_field():
    snap = clean()
    node(snap, "k8s-worker-2").vm = None
    for f in nodes.check(snap):
        d = f.as_dict()
        assert d["severity"] in ("error", "warning", "info")
        assert all(d[k] for k in ("check", "message", "why", "fix", "object", "area"))


def test_two_nodes_on_one_vm_is_an_error_naming_both():
    snap = clean()
    node(snap, "k8s-worker-2").vm = node(snap, "k8s-worker-1").vm
    found = nodes.check(snap)
    assert ("nodes.same_vm", "k8s-worker-1") in checks_of(found)
    same = next(f for f in found if f.check == "nodes.same_vm")
    assert "k8s-worker-1, k8s-worker-2" in same.message


def test_a_node_matching_several_vms_is_ambiguous_not_missing():
    snap = clean()
    n = node(snap, "k8s-worker-3")
    n.vm, n.candidates = None, ["vm-103", "vm-200"]
    snap.candidate_names = {"vm-103": "k8s-worker-3", "vm-200": "k8s-worker-3-clone"}
    found = nodes.check(snap)
    assert [f.check for f in found if f.object["name"] == "k8s-worker-3" and f.object["kind"] == "Node"] == \
        ["nodes.ambiguous_vm"]
    assert "k8s-worker-3-clone (vm-200)" in found[0].message or any("vm-200" in f.message for f in found)


def test_matching_by_guest_host_name_when_nothing_else_matches():
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.gather import _match
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import NodeSnap
    n = NodeSnap(name="worker-a.example.com")
    assert _match(n, {}, {}, {"worker-a.example.com": ["vm-5"]}) == ("vm-5", "guest hostname")
    n = NodeSnap(name="w", system_uuid=byte_swap(uuid_of(0)))
    assert _match(n, {uuid_of(0): ["vm-1"]}, {}) == ("vm-1", "byte-swapped bios uuid")
    n = NodeSnap(name="w", system_uuid=uuid_of(0))
    assert _match(n, {uuid_of(0): ["vm-1", "vm-2"]}, {}) == (None, None) and n.candidates == ["vm-1", "vm-2"]
