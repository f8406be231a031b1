import datetime

from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.serialize import to_data


def test_data_objects_become_dicts_and_managed_objects_their_moid():
    nic = vim.vm.GuestInfo.NicInfo(network="VM Network", ipAddress=["10.0.0.1"], connected=True)
    assert to_data(nic) == {"network": "VM Network", "ipAddress": ["10.0.0.1"], "connected": True,
                            "deviceConfigId": 0}
    assert to_data(vim.VirtualMachine("vm-42")) == "vm-42"
    assert to_data([vim.Datastore("datastore-1")]) == ["datastore-1"]
    assert to_data(datetime.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05"
