# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the cloud provider needs to know of a node VM: controllers, disks, readiness, zone and region."""

from __future__ import annotations

try:
    from pyVmomi import vim
except ImportError:
    pass

CONTROLLER_TYPES = (
    ("ParaVirtualSCSIController", "pvscsi"),
    ("VirtualLsiLogicSASController", "lsilogic-sas"),
    ("VirtualLsiLogicController", "lsilogic"),
    ("VirtualBusLogicController", "buslogic"),
    ("VirtualNVMEController", "nvme"),
    ("VirtualAHCIController", "sata"),
)


def controller_type(dev):
    for cls, name in CONTROLLER_TYPES:
        if isinstance(dev, getattr(vim.vm.device, cls)):
            return name
    return None


def extra_config(props, key):
    for opt in props.get("config.extraConfig") or []:
        if opt.key == key:
            return opt.value
    return None


def disk_enable_uuid(props):
    return str(extra_config(props, "disk.EnableUUID") or "").strip().lower() == "true"


def controllers(devices):
    """SCSI (and NVMe/SATA) controllers with the unit numbers in use."""
    out = []
    for dev in devices or []:
        kind = controller_type(dev)
        if kind is None:
            continue
        used = sorted(d.unitNumber for d in devices or [] if getattr(d, "controllerKey", None) == dev.key
                      and d.unitNumber is not None)
        out.append(dict(key=dev.key, type=kind, bus_number=dev.busNumber,
                        sharing=getattr(dev, "sharedBus", None), units_in_use=used,
                        label=(dev.deviceInfo.label if dev.deviceInfo else None)))
    return sorted(out, key=lambda c: (c["type"] != "pvscsi", c["bus_number"]))


def disk_format(backing):
    if getattr(backing, "thinProvisioned", False):
        return "thin"
    if getattr(backing, "eagerlyScrub", False):
        return "eagerzeroedthick"
    return "zeroedthick"


def disks(devices):
    ctrl = {c["key"]: c for c in controllers(devices)}
    out = []
    for dev in devices or []:
        if not isinstance(dev, vim.vm.device.VirtualDisk):
            continue
        backing = dev.backing
        c = ctrl.get(dev.controllerKey)
        prefix = {"nvme": "nvme", "sata": "sata"}.get(c["type"], "scsi") if c else "ide"
        fcd = getattr(dev, "vDiskId", None)
        out.append(dict(
            path=getattr(backing, "fileName", None),
            uuid=getattr(backing, "uuid", None),
            capacity_bytes=dev.capacityInBytes or (dev.capacityInKB or 0) * 1024,
            controller="%s%s" % (prefix, c["bus_number"] if c else "?"),
            controller_key=dev.controllerKey,
            unit=dev.unitNumber,
            mode=getattr(backing, "diskMode", None),
            disk_format=disk_format(backing),
            fcd_id=fcd.id if fcd is not None else None,
            key=dev.key,
        ))
    return out


def guest_nics(props):
    """[(network name, [ips])] in device order, for address selection."""
    nics = [(n.network, list(n.ipAddress or [])) for n in props.get("guest.net") or []
            if getattr(n, "deviceConfigId", 0) != -1]
    if not nics and props.get("guest.ipAddress"):
        nics = [(None, [props["guest.ipAddress"]])]
    return nics


def zone_and_region(tree, host_moid, tags, zone_category, region_category):
    """As the provider does: walk from the VM's host up to the root; each tag of the zone (region) category
    overwrites the value found so far, and the walk stops once both are known."""
    zone = region = None
    for moid in tree.ancestors(host_moid) if host_moid else []:
        for category, name in tags.get(moid, []):
            if zone_category and category == zone_category:
                zone = name
            elif region_category and category == region_category:
                region = name
        if zone and region:
            break
    return zone, region


SCSI_UNITS = [u for u in range(16) if u != 7]  # unit 7 is the controller's own


def free_pvscsi_slot(devices):
    """(controller key, bus number, unit) of the first free unit on a ParaVirtual SCSI controller, or None."""
    for c in controllers(devices):
        if c["type"] != "pvscsi":
            continue
        free = [u for u in SCSI_UNITS if u not in c["units_in_use"]]
        if free:
            return c["key"], c["bus_number"], free[0]
    return None
