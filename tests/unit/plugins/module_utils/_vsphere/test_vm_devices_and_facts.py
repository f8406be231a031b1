"""parse_descriptor, vm_facts and vm_devices: what is read of a VMDK and a VM's devices, and the device changes
built from them (pure: pyVmomi data objects, no vCenter)."""

import pytest
from pyVmomi import vim

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_devices, vm_facts
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import (
    in_listing,
    parse_descriptor,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import parse_disk

DESCRIPTOR = '''# Disk DescriptorFile
version=1
createType="vmfs"
# Extent description
RW 20971520 VMFS "pg-0-flat.vmdk"
ddb.adapterType = "lsilogic"
ddb.thinProvisioned = "1"
ddb.uuid = "60 00 C2 9a 12 34 56 78-9a bc de f0 12 34 56 78"
'''


def test_parse_descriptor_reads_capacity_format_adapter_and_uuid():
    facts = parse_descriptor(DESCRIPTOR)
    assert facts["capacity_bytes"] == 20971520 * 512
    assert facts["disk_format"] == "thin" and facts["adapter_type"] == "lsilogic"
    assert facts["uuid"] == "6000c29a-1234-5678-9abc-def012345678"


def test_parse_descriptor_sums_extents_and_knows_eager_zeroed_thick():
    text = 'createType="eagerZeroedThick"\nRW 100 VMFS "a-flat.vmdk"\nRW 28 VMFS "a-s002.vmdk"\n'
    facts = parse_descriptor(text)
    assert facts["capacity_bytes"] == 128 * 512 and facts["disk_format"] == "eagerzeroedthick"
    assert facts["uuid"] is None and facts["adapter_type"] is None


def test_parse_descriptor_of_nothing_is_empty_not_an_error():
    assert parse_descriptor("")["capacity_bytes"] == 0


def test_in_listing_is_the_one_existence_check():
    class DS:
        moid = "datastore-1"
    disk = parse_disk("[ds1] kubevols/a.vmdk")
    assert in_listing({("datastore-1", "kubevols"): {"a.vmdk": 1}}, DS, disk)
    assert not in_listing({("datastore-1", "kubevols"): {"b.vmdk": 1}}, DS, disk)
    assert not in_listing({("datastore-1", "kubevols"): None}, DS, disk)  # the folder does not exist


def controller(cls, key, bus, label=None):
    return cls(key=key, busNumber=bus, deviceInfo=vim.Description(label=label or "SCSI %d" % bus, summary=""))


def disk(key, controller_key, unit, path, thin=True, eager=False, fcd=None):
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
        fileName=path, diskMode="persistent", thinProvisioned=thin, eagerlyScrub=eager,
        uuid="6000C29a-0000-0000-0000-00000000000%d" % unit)
    return vim.vm.device.VirtualDisk(key=key, controllerKey=controller_key, unitNumber=unit, backing=backing,
                                     capacityInKB=1024, vDiskId=vim.vslm.ID(id=fcd) if fcd else None)


DEVICES = [
    controller(vim.vm.device.VirtualLsiLogicController, 1000, 0),
    controller(vim.vm.device.ParaVirtualSCSIController, 1001, 1),
    disk(2000, 1000, 0, "[ds1] vm/vm.vmdk", thin=False),
    disk(2001, 1001, 0, "[ds1] kubevols/a.vmdk", fcd="fcd-1"),
    disk(2002, 1001, 1, "[ds1] kubevols/b.vmdk", thin=False, eager=True),
]


def test_controllers_list_pvscsi_first_with_the_units_in_use():
    cs = vm_facts.controllers(DEVICES)
    assert [(c["type"], c["bus_number"], c["units_in_use"]) for c in cs] == [
        ("pvscsi", 1, [0, 1]), ("lsilogic", 0, [0])]


def test_disks_name_their_controller_format_and_first_class_id():
    ds = {d["path"]: d for d in vm_facts.disks(DEVICES)}
    assert ds["[ds1] vm/vm.vmdk"]["controller"] == "scsi0" and ds["[ds1] vm/vm.vmdk"]["disk_format"] == "zeroedthick"
    assert ds["[ds1] kubevols/a.vmdk"]["fcd_id"] == "fcd-1" and ds["[ds1] kubevols/a.vmdk"]["disk_format"] == "thin"
    assert ds["[ds1] kubevols/b.vmdk"]["disk_format"] == "eagerzeroedthick"
    assert ds["[ds1] kubevols/a.vmdk"]["capacity_bytes"] == 1024 * 1024


def test_free_pvscsi_slot_skips_unit_7_and_full_controllers():
    assert vm_facts.free_pvscsi_slot(DEVICES) == (1001, 1, 2)
    full = [controller(vim.vm.device.ParaVirtualSCSIController, 1001, 1)] + [
        disk(3000 + u, 1001, u, "[ds1] d%d.vmdk" % u) for u in vm_facts.SCSI_UNITS]
    assert vm_facts.free_pvscsi_slot(full) is None
    assert 7 not in vm_facts.SCSI_UNITS


def test_disk_enable_uuid_reads_extra_config_case_blind():
    props = {"config.extraConfig": [vim.option.OptionValue(key="disk.EnableUUID", value=" True ")]}
    assert vm_facts.disk_enable_uuid(props) and not vm_facts.disk_enable_uuid({})


def test_add_pvscsi_takes_the_first_free_bus_and_none_when_all_are_taken():
    spec = vm_devices.add_pvscsi(DEVICES)
    assert spec.operation == "add" and isinstance(spec.device, vim.vm.device.ParaVirtualSCSIController)
    assert spec.device.busNumber == 2 and spec.device.key == vm_devices.NEW_CONTROLLER_KEY
    full = [controller(vim.vm.device.VirtualLsiLogicController, 1000 + b, b) for b in range(vm_devices.MAX_SCSI_BUSES)]
    assert vm_devices.add_pvscsi(full) is None
    # NVMe and SATA controllers do not take a SCSI bus.
    other = [controller(vim.vm.device.VirtualNVMEController, 3000, 0), controller(vim.vm.device.VirtualAHCIController, 3001, 1)]
    assert vm_devices.add_pvscsi(other).device.busNumber == 0


def test_attach_and_remove_disk_specs():
    spec = vm_devices.attach_disk("[ds1] kubevols/a.vmdk", 1001, 2, "independent_persistent")
    assert spec.operation == "add" and spec.fileOperation is None
    assert (spec.device.controllerKey, spec.device.unitNumber) == (1001, 2)
    assert spec.device.backing.fileName == "[ds1] kubevols/a.vmdk"
    assert spec.device.backing.diskMode == "independent_persistent"
    spec = vm_devices.remove_attachment(dict(key=2001, controller_key=1001, unit=0))
    assert spec.operation == "remove" and spec.fileOperation is None  # the VMDK is kept
    assert (spec.device.key, spec.device.controllerKey, spec.device.unitNumber) == (2001, 1001, 0)


@pytest.mark.parametrize("devices", [[], None])
def test_no_devices_no_controllers(devices):
    assert vm_facts.controllers(devices) == [] and vm_facts.disks(devices) == []
