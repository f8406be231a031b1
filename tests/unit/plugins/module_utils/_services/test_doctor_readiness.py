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


# -- disk.EnableUUID set on the running VM: a power cycle is pending ---------------------------------------
def reconfigured(moid, when, value="TRUE", key="disk.EnableUUID"):
    """A VmReconfiguredEvent as pyVmomi reads it (only the fields the doctor uses)."""
    from types import SimpleNamespace as NS
    return NS(vm=NS(vm=NS(_moId=moid)), createdTime=when,
              configSpec=NS(extraConfig=[NS(key=key, value=value)]))


def test_enable_uuid_set_true_after_the_last_boot_is_a_pending_power_cycle():
    import datetime
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.gather import (
        enable_uuid_set_after_boot,
    )
    snap = clean()
    boot = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.timezone.utc)
    for v in snap.vms.values():
        v.boot_time = boot
    w1, w2, w3 = vm(snap, "k8s-worker-1"), vm(snap, "k8s-worker-2"), vm(snap, "k8s-worker-3")
    events = [reconfigured(w1.moid, boot + datetime.timedelta(hours=2)),
              reconfigured(w2.moid, boot - datetime.timedelta(hours=1)),               # before the boot: applied
              reconfigured(w3.moid, boot + datetime.timedelta(hours=1), value="FALSE"),  # not set TRUE
              reconfigured(w3.moid, boot + datetime.timedelta(hours=1), key="guestinfo.x")]
    enable_uuid_set_after_boot({v.moid: v for v in snap.vms.values()}, events)
    assert (w1.enable_uuid_changed, w2.enable_uuid_changed, w3.enable_uuid_changed) == ("2026-11-01 10:00:00", None, None)
    found = readiness.check(snap)
    assert checks_of(found) == [("readiness.power_cycle_pending", "k8s-worker-1")]
    assert found[0].severity == "error" and "power cycle pending" in found[0].message
    assert "2026-11-01 08:00:00" in found[0].message and found[0].repair is None


def test_a_powered_off_vm_has_no_pending_power_cycle():
    snap = clean()
    vm(snap, "k8s-worker-1").enable_uuid_changed = "2026-11-01 10:00:00"
    vm(snap, "k8s-worker-1").power_state = "poweredOff"
    assert readiness.check(snap) == []


def test_fix_on_a_powered_on_vm_says_a_power_cycle_is_pending():
    snap = clean()
    vm(snap, "k8s-worker-1").enable_uuid = None
    items = repairs.plan(readiness.check(snap), snap)
    assert items[0]["power_cycle"] is True
    assert items[0]["changes"] == ["disk.EnableUUID set to TRUE (power cycle pending: it applies when the VM is "
                                   "powered off and on)"]
    vm(snap, "k8s-worker-1").power_state = "poweredOff"
    items = repairs.plan(readiness.check(snap), snap)
    assert items[0]["power_cycle"] is False and items[0]["changes"] == ["disk.EnableUUID set to TRUE"]
