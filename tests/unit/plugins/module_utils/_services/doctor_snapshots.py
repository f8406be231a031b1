"""A clean site as the doctor's gather step would see it (the lab after make demo), to break one thing at a time."""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import (
    Controller,
    NodeSnap,
    Settings,
    Snapshot,
    VmSnap,
)

FOLDER = "/DC0/vm/kubernetes"
NAMES = ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"]


def uuid_of(i):
    return "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e0%d" % (i + 1)


def clean():
    snap = Snapshot(settings=Settings(node_folder=FOLDER, zone_category="k8s-zone", region_category="k8s-region",
                                      nodes_options={"internal_network_subnet_cidr": ["10.0.0.0/24"],
                                                     "external_network_subnet_cidr": ["192.168.100.0/24"],
                                                     "ip_family": ["ipv4"]}))
    snap.csi_installed = True
    for i, name in enumerate(NAMES):
        moid = "vm-%d" % (100 + i)
        snap.vms[moid] = VmSnap(
            moid=moid, name=name, uuid=uuid_of(i), folder=FOLDER, power_state="poweredOn", hardware_version="vmx-19",
            tools_running="guestToolsRunning", enable_uuid="TRUE",
            controllers=[Controller("pvscsi", 0, [0]), Controller("pvscsi", 1, [])], hostname=name,
            nics=[("VM Network", ["10.0.0.%d" % (11 + i)]), ("DC0_DVPG0", ["192.168.100.%d" % (11 + i)])])
        snap.nodes.append(NodeSnap(
            name=name, provider_id="vsphere://" + uuid_of(i), system_uuid=uuid_of(i).upper(),
            addresses=[{"type": "Hostname", "address": name}, {"type": "InternalIP", "address": "10.0.0.%d" % (11 + i)},
                       {"type": "ExternalIP", "address": "192.168.100.%d" % (11 + i)}],
            zone="zone-a" if i < 2 else "zone-b", region="region-1", vm=moid, matched_by="bios uuid"))
    snap.node_folder_vms = sorted(snap.vms)
    # zones: zone-a on cluster domain-c1 (host-0, host-2), zone-b on domain-c2 (host-1), region-1 on the datacenter
    snap.object_kinds = {"datacenter-1": ("Datacenter", "DC0"), "group-h1": ("Folder", "host"),
                         "domain-c1": ("ClusterComputeResource", "zone-a"),
                         "domain-c2": ("ClusterComputeResource", "zone-b"),
                         "host-0": ("HostSystem", "h0"), "host-1": ("HostSystem", "h1"), "host-2": ("HostSystem", "h2"),
                         "group-v1": ("Folder", "vm")}
    snap.ancestors = {"host-0": ["host-0", "domain-c1", "group-h1", "datacenter-1"],
                      "host-2": ["host-2", "domain-c1", "group-h1", "datacenter-1"],
                      "host-1": ["host-1", "domain-c2", "group-h1", "datacenter-1"]}
    snap.hosts = ["host-0", "host-1", "host-2"]
    for i, name in enumerate(NAMES):  # zone-a: host-0, zone-b: host-1
        snap.vms["vm-%d" % (100 + i)].host = "host-0" if i < 2 else "host-1"
    snap.categories = {c: {"id": c, "cardinality": "SINGLE", "associable_types": []} for c in ("k8s-zone", "k8s-region")}
    snap.tag_attachments = {("k8s-zone", "zone-a"): [("ClusterComputeResource", "domain-c1")],
                            ("k8s-zone", "zone-b"): [("ClusterComputeResource", "domain-c2")],
                            ("k8s-region", "region-1"): [("Datacenter", "datacenter-1")]}
    snap.tags = {"domain-c1": [("k8s-zone", "zone-a")], "domain-c2": [("k8s-zone", "zone-b")],
                 "datacenter-1": [("k8s-region", "region-1")]}
    return snap


def vm(snap, name):
    return next(v for v in snap.vms.values() if v.name == name)


def node(snap, name):
    return next(n for n in snap.nodes if n.name == name)


def checks_of(findings):
    return sorted((f.check, f.object.get("name")) for f in findings)
