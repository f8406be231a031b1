# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device changes of a VM reconfiguration, written once: add a ParaVirtual SCSI controller, attach a disk,
remove a disk (the file is kept). Pure builders of VirtualDeviceSpecs; the caller submits them."""

from __future__ import annotations

try:
    from pyVmomi import vim
except ImportError:
    pass

# A VM has at most four SCSI controllers (buses 0 to 3).
MAX_SCSI_BUSES = 4
# Temporary keys of devices added in one reconfiguration (vCenter gives the real ones).
NEW_CONTROLLER_KEY = -100
NEW_DISK_KEY = -101


def free_scsi_bus(devices):
    """The lowest SCSI bus number no controller of the VM uses, or None when all MAX_SCSI_BUSES are taken."""
    used = {d.busNumber for d in devices or [] if isinstance(d, vim.vm.device.VirtualSCSIController)}
    free = [b for b in range(MAX_SCSI_BUSES) if b not in used]
    return free[0] if free else None


def add_pvscsi(devices):
    """A spec adding a ParaVirtual SCSI controller on the first free bus (key NEW_CONTROLLER_KEY), or None when
    no bus is free."""
    bus = free_scsi_bus(devices)
    if bus is None:
        return None
    ctrl = vim.vm.device.ParaVirtualSCSIController(key=NEW_CONTROLLER_KEY, busNumber=bus, sharedBus="noSharing")
    return vim.vm.device.VirtualDeviceSpec(operation="add", device=ctrl)


def attach_disk(path, controller_key, unit, disk_mode):
    """A spec attaching the existing VMDK at path ('[ds] folder/name.vmdk') on a controller's unit."""
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName=path, diskMode=disk_mode)
    disk = vim.vm.device.VirtualDisk(key=NEW_DISK_KEY, controllerKey=controller_key, unitNumber=unit, backing=backing)
    return vim.vm.device.VirtualDeviceSpec(operation="add", device=disk)


def remove_disk(key, controller_key, unit):
    """A spec detaching a disk device (no fileOperation: the VMDK is kept)."""
    dev = vim.vm.device.VirtualDisk(key=key, controllerKey=controller_key, unitNumber=unit)
    return vim.vm.device.VirtualDeviceSpec(operation="remove", device=dev)


def remove_attachment(attachment):
    """remove_disk for an attachment as DiskStore.attachments describes it (key, controller_key, unit)."""
    return remove_disk(attachment["key"], attachment["controller_key"], attachment["unit"])
