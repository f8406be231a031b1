# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safe repairs of fix mode: disk.EnableUUID, a ParaVirtual SCSI controller, the node folder.

plan() is pure (findings and snapshot in, one change per VM out, with before/after); apply() submits every
reconfiguration together and one move task for all VMs to move. Nothing else is ever changed.
"""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.readiness import (
    MAX_SCSI_BUSES,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.zones import sibling_zone
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    wait_for_tasks,
)

try:
    from pyVmomi import vim
except ImportError:
    pass

REPAIRS = ("disk_enable_uuid", "pvscsi", "folder", "tags")


def free_bus(vm):
    used = {c.bus_number for c in vm.controllers if c.type in ("pvscsi", "lsilogic", "lsilogic-sas", "buslogic")}
    free = [b for b in range(MAX_SCSI_BUSES) if b not in used]
    return free[0] if free else None


def state(vm, folder):
    return dict(disk_enable_uuid=str(vm.enable_uuid or "").strip().lower() == "true",
                pvscsi=any(c.type == "pvscsi" for c in vm.controllers), folder=vm.folder)


def plan(findings, snap, wanted=REPAIRS):
    """[{vm, moid, before, after, changes, enable_uuid, pvscsi_bus, move, checks}] for the VMs with repairable
    findings, sorted by VM name."""
    per_vm = {}
    for f in findings:
        if f.repair not in wanted or f.object.get("kind") != "VirtualMachine":
            continue
        vm = snap.vms.get(f.object.get("moid"))
        if vm is None:
            continue
        item = per_vm.get(vm.moid)
        if item is None:
            before = state(vm, snap.settings.node_folder)
            item = per_vm[vm.moid] = dict(vm=vm.name, moid=vm.moid, before=before, after=dict(before), changes=[],
                                          enable_uuid=False, pvscsi_bus=None, move=False, checks=[],
                                          power_cycle=False)
        if f.repair == "disk_enable_uuid":
            item["enable_uuid"] = True
            item["after"]["disk_enable_uuid"] = True
            item["power_cycle"] = vm.power_state == "poweredOn"
            item["changes"].append("disk.EnableUUID set to TRUE" + (
                " (power cycle pending: it applies when the VM is powered off and on)" if item["power_cycle"] else ""))
        elif f.repair == "pvscsi":
            bus = free_bus(vm)
            if bus is None:
                continue
            item["pvscsi_bus"] = bus
            item["after"]["pvscsi"] = True
            item["changes"].append("ParaVirtual SCSI controller added on bus %d" % bus)
        elif f.repair == "folder" and snap.settings.node_folder:
            item["move"] = True
            item["after"]["folder"] = snap.settings.node_folder
            item["changes"].append("moved to %s" % snap.settings.node_folder)
        item["checks"].append(f.check)
    return sorted((i for i in per_vm.values() if i["changes"]), key=lambda i: (i["vm"], i["moid"]))


def plan_tags(findings, snap, wanted=REPAIRS):
    """[{object, moid, tag_id, before, after, changes, checks}]: the zone tag of the other hosts of its cluster,
    attached to a host that has none."""
    if "tags" not in wanted:
        return []
    out = []
    for f in findings:
        if f.repair != "tags" or f.check != "zones.host_without_zone":
            continue
        zone = sibling_zone(snap, f.object["moid"])
        tag_id = snap.tag_ids.get((snap.settings.zone_category, zone))
        if tag_id is None:
            continue
        out.append(dict(object=f.object["name"], kind="HostSystem", moid=f.object["moid"], tag_id=tag_id,
                        before=dict(zone=None), after=dict(zone=zone), checks=[f.check],
                        changes=["tag %s/%s attached" % (snap.settings.zone_category, zone)]))
    return sorted(out, key=lambda i: i["object"])


def apply_tags(client, tree, items):
    """Attach each tag (one REST call each); {object name: error}."""
    errors = {}
    rest = client.rest() if items else None
    for item in items:
        try:
            rest.attach(item["tag_id"], tree.get(item["moid"])["obj"])
        except Exception as e:  # pylint: disable=broad-except
            errors[item["object"]] = "attaching the tag failed: %s" % e
    return errors


def apply(client, tree, items, folder_moid, batch=32):
    """Submit the reconfigurations (bounded batches, waited for together) and one move; {vm name: error}."""
    errors = {}
    jobs = []
    for item in items:
        spec = vim.vm.ConfigSpec()
        if item["enable_uuid"]:
            spec.extraConfig = [vim.option.OptionValue(key="disk.EnableUUID", value="TRUE")]
        if item["pvscsi_bus"] is not None:
            ctrl = vim.vm.device.ParaVirtualSCSIController(key=-100, busNumber=item["pvscsi_bus"],
                                                           sharedBus="noSharing")
            spec.deviceChange = [vim.vm.device.VirtualDeviceSpec(operation="add", device=ctrl)]
        if spec.extraConfig or spec.deviceChange:
            jobs.append((item, spec))
    for start in range(0, len(jobs), batch):
        tasks, names = [], {}
        for item, spec in jobs[start:start + batch]:
            task = tree.vms[item["moid"]][0].ReconfigVM_Task(spec=spec)
            tasks.append(task)
            names[task._moId] = item["vm"]
        for moid, result in wait_for_tasks(client, tasks).items():
            if isinstance(result, TaskFailed):
                errors[names[moid]] = "reconfiguration failed: %s" % result
    movers = [i for i in items if i["move"]]
    if movers and folder_moid:
        task = tree.get(folder_moid)["obj"].MoveIntoFolder_Task([tree.vms[i["moid"]][0] for i in movers])
        result = wait_for_tasks(client, [task])[task._moId]
        if isinstance(result, TaskFailed):
            for i in movers:
                errors[i["vm"]] = "move to the folder failed: %s" % result
    return errors
