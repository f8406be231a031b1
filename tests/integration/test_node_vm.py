"""node_vm against the lab: check mode writes nothing, one run makes VMs ready, the next changes nothing."""

import pytest
from pyVmomi import vim

import lab_vsphere
from conftest import mutating_soap_calls

NAMES = ["ready-node-1", "ready-node-2"]
TASK = {"names": NAMES, "pvscsi": True, "move_to_folder": "/DC0/vm/test-ready/nodes"}


@pytest.fixture
def fresh_vms(vsphere):
    vms = [lab_vsphere.create_vm(vsphere, "ready-node-1", "test-ready", nics=["VM Network"], hostname="ready-node-1"),
           lab_vsphere.create_vm(vsphere, "ready-node-2", "test-ready", cluster="zone-b", power_on=False)]
    yield vms
    for vm in vms:
        lab_vsphere.destroy(vm)
    for f in lab_vsphere.find(vsphere, vim.Folder, "nodes"):
        if f.parent.name == "test-ready":
            lab_vsphere.wait(f.Destroy_Task())


def readiness(vm):
    enable = [o.value for o in vm.config.extraConfig if o.key == "disk.EnableUUID"]
    pvscsi = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.ParaVirtualSCSIController)]
    return dict(enable=enable, pvscsi=len(pvscsi), folder=vm.parent.name)


def test_check_mode_reports_the_changes_with_a_diff_and_calls_nothing_that_writes(playbook, fresh_vms,
                                                                                  vcsim_trace):
    before = [readiness(vm) for vm in fresh_vms]
    r = playbook([{"name": "ready", "vsphere_k8s.cloud_provider.node_vm": TASK}], check=True, diff=True)
    assert r.rc == 0, r
    res = r["ready"]
    assert res["changed"] is True
    assert res["folders_created"] == ["/DC0/vm/test-ready/nodes"]
    assert res["diff"]["before"]["ready-node-1"] == {"disk_enable_uuid": False, "pvscsi": False,
                                                     "folder": "/DC0/vm/test-ready"}
    assert res["diff"]["after"]["ready-node-1"] == {"disk_enable_uuid": True, "pvscsi": True,
                                                    "folder": "/DC0/vm/test-ready/nodes"}
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert [readiness(vm) for vm in fresh_vms] == before


def test_one_run_makes_every_vm_ready_concurrently_and_a_second_run_changes_nothing(playbook, fresh_vms,
                                                                                    vcsim_trace):
    r = playbook([{"name": "ready", "vsphere_k8s.cloud_provider.node_vm": TASK}])
    assert r.rc == 0, r
    res = r["ready"]
    assert res["changed"] is True
    assert res["reboot_required"] == ["ready-node-1"]  # powered on; ready-node-2 is off
    for vm in fresh_vms:
        assert readiness(vm) == dict(enable=["TRUE"], pvscsi=1, folder="nodes")
    calls = [e for e in vcsim_trace.entries() if e["kind"] == "soap"]
    methods = [e["method"] for e in calls]
    assert methods.count("ReconfigVM_Task") == 2 and methods.count("MoveIntoFolder_Task") == 1
    assert methods.count("CreateFolder") == 1
    # Both reconfigurations are submitted before the first wait.
    first_poll = methods.index("RetrievePropertiesEx", methods.index("ReconfigVM_Task"))
    assert methods[first_poll - 2:first_poll] == ["ReconfigVM_Task", "ReconfigVM_Task"]

    mark = vcsim_trace.mark()
    r = playbook([{"name": "ready", "vsphere_k8s.cloud_provider.node_vm": TASK}])
    assert r.rc == 0, r
    assert r["ready"]["changed"] is False and r["ready"]["reboot_required"] == []
    assert mutating_soap_calls(mark.entries()) == []


def test_a_missing_node_fails_before_anything_changes(playbook, fresh_vms, vcsim_trace):
    r = playbook([{"name": "ready", "vsphere_k8s.cloud_provider.node_vm": dict(TASK, names=NAMES + ["ghost"])}])
    assert r["ready"]["_status"] == "failed"
    assert "name ghost" in r["ready"]["msg"] and "Nothing was changed" in r["ready"]["msg"]
    assert mutating_soap_calls(vcsim_trace.entries()) == []
