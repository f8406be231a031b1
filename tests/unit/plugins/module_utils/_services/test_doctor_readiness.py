import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import readiness, repairs
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Controller
from doctor_snapshots import FOLDER, checks_of, clean, vm


def test_a_clean_site_has_no_readiness_finding():
    assert readiness.check(clean()) == []


@pytest.mark.parametrize("value", [None, "FALSE", "0"])
def test_disk_enable_uuid_not_true_is_an_error_with_its_repair(value):
    snap = clean()
    vm(snap, "k8s-worker-1").enable_uuid = value
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.disk_enable_uuid", "k8s-worker-1")]
    assert found[0].severity == "error" and found[0].repair == "disk_enable_uuid"
    assert "power cycle" in found[0].message


def test_enable_uuid_is_case_insensitive():
    snap = clean()
    vm(snap, "k8s-worker-1").enable_uuid = "true"
    assert readiness.check(snap) == []


def test_hardware_version_below_the_minimum_is_a_warning():
    snap = clean()
    vm(snap, "k8s-worker-2").hardware_version = "vmx-13"
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.hardware_version", "k8s-worker-2")]
    assert "13" in found[0].message


def test_tools_not_running_on_a_powered_on_vm_is_a_warning():
    snap = clean()
    vm(snap, "k8s-worker-3").tools_running = "guestToolsNotRunning"
    assert checks_of(readiness.check(snap)) == [("readiness.tools_not_running", "k8s-worker-3")]
    vm(snap, "k8s-worker-3").power_state = "poweredOff"
    assert readiness.check(snap) == []


def test_no_pvscsi_is_a_warning_with_its_repair():
    snap = clean()
    vm(snap, "k8s-cp-1").controllers = [Controller("lsilogic", 0, [0])]
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.no_pvscsi", "k8s-cp-1")]
    assert found[0].repair == "pvscsi"


def test_every_pvscsi_unit_taken_or_four_other_buses_is_an_error():
    snap = clean()
    full = [u for u in range(16) if u != 7]
    vm(snap, "k8s-cp-1").controllers = [Controller("pvscsi", 0, full)]
    vm(snap, "k8s-worker-1").controllers = [Controller("lsilogic", b, [0]) for b in range(4)]
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.pvscsi_full", "k8s-cp-1"), ("readiness.pvscsi_full", "k8s-worker-1")]
    assert all(f.repair is None for f in found)


def test_a_node_vm_outside_the_node_folder_is_a_warning_with_its_repair():
    snap = clean()
    vm(snap, "k8s-worker-2").folder = "/DC0/vm"
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.outside_folder", "k8s-worker-2")]
    assert FOLDER in found[0].message and found[0].repair == "folder"


def test_no_node_folder_configured_means_no_folder_check():
    snap = clean()
    snap.settings.node_folder = None
    vm(snap, "k8s-worker-2").folder = "/DC0/vm"
    assert readiness.check(snap) == []


def test_repairs_plan_one_change_per_vm_with_before_and_after():
    snap = clean()
    w1 = vm(snap, "k8s-worker-1")
    w1.enable_uuid = None
    w1.controllers = [Controller("lsilogic", 0, [0])]
    w1.folder = "/DC0/vm"
    vm(snap, "k8s-worker-2").hardware_version = "vmx-10"
    items = repairs.plan(readiness.check(snap), snap)
    assert len(items) == 1
    item = items[0]
    assert item["vm"] == "k8s-worker-1" and item["enable_uuid"] and item["pvscsi_bus"] == 1 and item["move"]
    assert item["before"] == {"disk_enable_uuid": False, "pvscsi": False, "folder": "/DC0/vm"}
    assert item["after"] == {"disk_enable_uuid": True, "pvscsi": True, "folder": FOLDER}
    assert item["power_cycle"]


def test_repairs_plan_only_the_repairs_asked_for():
    snap = clean()
    w1 = vm(snap, "k8s-worker-1")
    w1.enable_uuid = None
    w1.folder = "/DC0/vm"
    items = repairs.plan(readiness.check(snap), snap, ["folder"])
    assert items[0]["changes"] == ["moved to %s" % FOLDER] and not items[0]["enable_uuid"]
