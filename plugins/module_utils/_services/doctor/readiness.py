# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 2, node VM readiness: disk.EnableUUID (and a power cycle pending after it was set on the running VM),
hardware version, VMware Tools, ParaVirtual SCSI, folder."""

from __future__ import annotations

import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj

SCSI_UNITS = [u for u in range(16) if u != 7]   # unit 7 is the controller's own
MAX_SCSI_BUSES = 4


def hardware_version(value):
    """vmx-19 -> 19; None when unknown."""
    m = re.match(r"^vmx-(\d+)$", str(value or "").strip())
    return int(m.group(1)) if m else None


def node_vms(snap):
    """The VMs that Nodes matched, with the Node names: [(vm, node name)]."""
    out = []
    for node in snap.nodes:
        vm = snap.vms.get(node.vm) if node.vm else None
        if vm is not None:
            out.append((vm, node.name))
    return out


def pvscsi_state(vm):
    """'ok', 'none' (no ParaVirtual controller, a bus is free), 'no_bus' (none and four SCSI buses in use) or
    'full' (every ParaVirtual controller's units are taken)."""
    pv = [c for c in vm.controllers if c.type == "pvscsi"]
    if pv:
        if any(u not in c.units_in_use for c in pv for u in SCSI_UNITS):
            return "ok"
        return "full"
    scsi = [c for c in vm.controllers if c.type in ("pvscsi", "lsilogic", "lsilogic-sas", "buslogic")]
    return "no_bus" if len(scsi) >= MAX_SCSI_BUSES else "none"


def check(snap):
    out = []
    folder = snap.settings.node_folder
    for vm, node in node_vms(snap):
        o = obj("VirtualMachine", vm.name, vm.moid, node=node)
        if str(vm.enable_uuid or "").strip().lower() != "true":
            on = vm.power_state == "poweredOn"
            out.append(Finding(
                "readiness.disk_enable_uuid", "error", o,
                "disk.EnableUUID is %s on VM %s (node %s)%s." % (
                    "not set" if vm.enable_uuid is None else "'%s', not TRUE" % vm.enable_uuid, vm.name, node,
                    "; once set, it takes effect after a power cycle (the VM is powered on)" if on else ""),
                "Without it the guest sees no disk serial numbers: no /dev/disk/by-id entry appears for a volume and "
                "its mount times out.",
                "Set disk.EnableUUID=TRUE (doctor fix: true, or node_vm) and power cycle the VM (a guest reboot is not "
                "enough).", repair="disk_enable_uuid"))
        elif vm.enable_uuid_changed and vm.power_state == "poweredOn":
            boot = vm.boot_time.strftime("%Y-%m-%d %H:%M:%S") if hasattr(vm.boot_time, "strftime") else vm.boot_time
            out.append(Finding(
                "readiness.power_cycle_pending", "error", o,
                "disk.EnableUUID was set to TRUE on VM %s (node %s) at %s, after its last power on (%s): power cycle "
                "pending, the running VM does not have it yet." % (vm.name, node, vm.enable_uuid_changed, boot),
                "The setting applies when the VM powers on: until then the guest sees no disk serial numbers, no "
                "/dev/disk/by-id entry appears for a volume and its mount times out.",
                "Drain the node, power the VM off and on again (a guest reboot is not enough), uncordon it."))
        hw = hardware_version(vm.hardware_version)
        if hw is not None and hw < snap.settings.min_hardware_version:
            out.append(Finding(
                "readiness.hardware_version", "warning", o,
                "VM %s has virtual hardware version %d (%s); the vSphere CSI driver needs %d or newer."
                % (vm.name, hw, vm.hardware_version, snap.settings.min_hardware_version),
                "Older hardware versions lack the features CSI block volumes rely on, and report the product UUID "
                "byte-swapped.",
                "Power the VM off and upgrade its compatibility (Upgrade VM Compatibility) to vmx-%d or newer."
                % snap.settings.min_hardware_version))
        if vm.power_state == "poweredOn" and vm.tools_running != "guestToolsRunning":
            out.append(Finding(
                "readiness.tools_not_running", "warning", o,
                "VMware Tools are not running on VM %s (%s)." % (vm.name, vm.tools_running or "unknown"),
                "Without Tools vCenter does not know the guest's host name and IP addresses: the cloud provider "
                "cannot find the node by DNS name or IP, nor report its addresses.",
                "Install and start open-vm-tools in the guest."))
        state = pvscsi_state(vm)
        if state == "none":
            out.append(Finding(
                "readiness.no_pvscsi", "warning", o,
                "VM %s has no ParaVirtual SCSI controller." % vm.name,
                "Volumes are attached to a ParaVirtual SCSI controller (the default scsicontrollertype); without one "
                "the first attachment must add it, which fails on a powered-on VM without hot-add.",
                "Add a ParaVirtual SCSI controller (doctor fix: true, or node_vm pvscsi: true).",
                repair="pvscsi"))
        elif state in ("full", "no_bus"):
            out.append(Finding(
                "readiness.pvscsi_full", "error", o,
                "VM %s has no free slot for a volume: %s." % (
                    vm.name, "every unit of its ParaVirtual SCSI controllers is taken" if state == "full" else
                    "it has no ParaVirtual SCSI controller and all %d SCSI buses are in use" % MAX_SCSI_BUSES),
                "The next volume scheduled on this node cannot attach; its pod stays ContainerCreating.",
                "Move pods with volumes off this node, or replace a controller by hand (power off, change type)."))
        if folder and vm.folder != folder:
            out.append(Finding(
                "readiness.outside_folder", "warning", o,
                "VM %s (node %s) is in %s, not in the configured node folder %s." % (vm.name, node, vm.folder, folder),
                "Permissions of the Kubernetes roles are granted on the node folder: outside it, attaching volumes "
                "fails with NoPermission; the in-tree provider also creates its dummy VMs there.",
                "Move the VM into %s (doctor fix: true, or node_vm move_to_folder)." % folder, repair="folder"))
    return out
