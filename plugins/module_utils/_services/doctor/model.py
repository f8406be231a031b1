# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the doctor reads (snapshots) and what it says (findings).

The check functions of each area take a Snapshot and return Findings. They never talk to vCenter or Kubernetes:
the gather step fills the snapshot once, so the checks are unit tested with hand-made snapshots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

SEVERITIES = ("error", "warning", "info")
AREAS = ("nodes", "readiness", "addresses", "zones", "config", "storage_classes", "volumes", "capacity")


@dataclass
class Finding:
    """One thing wrong: check id, severity, the object (kind + name/moid), what, why it matters, how to fix."""
    check: str
    severity: str
    object: Dict[str, Optional[str]]
    message: str
    why: str
    fix: str
    repair: Optional[str] = None  # the id of the safe repair fix mode applies, when there is one

    @property
    def area(self):
        return self.check.split(".", 1)[0]

    def as_dict(self):
        d = asdict(self)
        d["area"] = self.area
        if d["repair"] is None:
            del d["repair"]
        return d


def obj(kind, name=None, moid=None, **extra):
    out = {"kind": kind, "name": name}
    if moid is not None:
        out["moid"] = moid
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


@dataclass
class Controller:
    type: str               # pvscsi, lsilogic, lsilogic-sas, buslogic, nvme, sata
    bus_number: int
    units_in_use: List[int] = field(default_factory=list)


@dataclass
class Disk:
    path: str               # '[ds] folder/file.vmdk' with the datastore's own name
    fcd_id: Optional[str] = None
    capacity_bytes: int = 0


@dataclass
class VmSnap:
    moid: str
    name: str
    uuid: Optional[str] = None          # BIOS UUID, lower case
    folder: Optional[str] = None        # inventory path of its folder
    power_state: str = "poweredOn"
    hardware_version: Optional[str] = None   # vmx-19
    tools_running: Optional[str] = None      # guestToolsRunning, guestToolsNotRunning, ...
    enable_uuid: Optional[str] = None        # the disk.EnableUUID value as set, None when absent
    controllers: List[Controller] = field(default_factory=list)
    disks: List[Disk] = field(default_factory=list)
    host: Optional[str] = None               # host moid
    hostname: Optional[str] = None           # guest host name
    nics: List[Tuple[Optional[str], List[str]]] = field(default_factory=list)   # [(network name, [ips])]
    template: bool = False
    boot_time: Optional[object] = None       # runtime.bootTime (datetime) of a powered-on VM
    enable_uuid_changed: Optional[str] = None  # when disk.EnableUUID was set TRUE after the last boot (ISO time)


@dataclass
class NodeSnap:
    name: str
    provider_id: str = ""
    system_uuid: str = ""
    addresses: List[Dict[str, str]] = field(default_factory=list)
    zone: Optional[str] = None
    region: Optional[str] = None
    uninitialized: bool = False
    vm: Optional[str] = None                 # the moid of its VM, as the gather step matched it
    matched_by: Optional[str] = None         # bios uuid, byte-swapped bios uuid, vm name, guest hostname
    candidates: List[str] = field(default_factory=list)   # VM moids when several VMs match (clones)


@dataclass
class Settings:
    """What the site's configuration says (module options, else the cloud config found in the cluster)."""
    node_folder: Optional[str] = None        # inventory path of the configured node VM folder
    zone_category: Optional[str] = None
    region_category: Optional[str] = None
    nodes_options: Dict[str, object] = field(default_factory=dict)   # addresses.NODES_OPTIONS keys
    min_hardware_version: int = 15


@dataclass
class Snapshot:
    settings: Settings = field(default_factory=Settings)
    nodes: List[NodeSnap] = field(default_factory=list)
    vms: Dict[str, VmSnap] = field(default_factory=dict)     # node VMs and VMs of the node folder, by moid
    node_folder_vms: List[str] = field(default_factory=list)  # moids of the VMs in the configured folder
    candidate_names: Dict[str, str] = field(default_factory=dict)  # moid -> name of VMs several Nodes could be
    csi_installed: bool = False
    # zones: {moid: [(category, tag)]} of the ancestors of node hosts; the ancestry and kinds of those objects
    tags: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)
    ancestors: Dict[str, List[str]] = field(default_factory=dict)        # host moid -> [host, cluster, ..., root]
    object_kinds: Dict[str, Tuple[str, str]] = field(default_factory=dict)   # moid -> (kind, name)
    hosts: List[str] = field(default_factory=list)                       # hosts of the clusters running nodes
    categories: Dict[str, Dict] = field(default_factory=dict)            # name -> {cardinality, associable_types}
    tag_attachments: Dict[Tuple[str, str], List[Tuple[str, str]]] = field(default_factory=dict)
    tag_ids: Dict[Tuple[str, str], str] = field(default_factory=dict)   # (category, tag) -> tag id
    # (category, tag) -> [(object kind, moid)] for tags of the zone and region categories
    # config, storage classes, volumes, capacity: filled by their gather steps
    configs: List[Dict] = field(default_factory=list)
    datacenters: List[str] = field(default_factory=list)
    datastores: Dict[str, Dict] = field(default_factory=dict)
    # moid -> {name, url, free, capacity, hosts: [host moids mounting it], pod, sdrs_automated}
    policies: Dict[str, Dict] = field(default_factory=dict)     # name -> {id, datastores: [moid] or None}
    storage_classes: List[Dict] = field(default_factory=list)
    pvs: List[Dict] = field(default_factory=list)
    volume_attachments: List[Dict] = field(default_factory=list)
    volume_files: Dict[str, Dict] = field(default_factory=dict)    # '[ds] path' -> {size, modified, datastore}
    fcds: Dict[str, Dict] = field(default_factory=dict)            # id -> {path, name, capacity_bytes, created}
    cns_volumes: Dict[str, Dict] = field(default_factory=dict)     # id -> {name, datastore, capacity_bytes, path, created}
    volume_folders_listed: List[Tuple[str, str, bool]] = field(default_factory=list)   # (ds name, folder, exists)
    storage_datastores: List[str] = field(default_factory=list)    # datastore names StorageClasses use
    gathered: List[str] = field(default_factory=list)              # the areas whose data was gathered


def summarize(findings):
    by_sev = {s: 0 for s in SEVERITIES}
    by_area = {}
    for f in findings:
        by_sev[f.severity] += 1
        area = by_area.setdefault(f.area, {s: 0 for s in SEVERITIES})
        area[f.severity] += 1
    return {"total": len(findings), "by_severity": by_sev, "by_area": by_area}
