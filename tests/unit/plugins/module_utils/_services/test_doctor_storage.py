from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import (
    capacity,
    storage_classes,
    volumes,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.checks import run_checks
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Disk
from doctor_snapshots import checks_of, clean, vm

GIB = 1024 ** 3
FCD = "500246df-b455-4b2d-a106-bea4dec6578e"


def storage():
    snap = clean()
    hosts = ["host-0", "host-1", "host-2"]
    snap.datastores = {
        "datastore-1": dict(name="LocalDS_0", url="ds:///vmfs/volumes/ds0/", capacity=100 * GIB, free=60 * GIB,
                            hosts=hosts, pod=None, sdrs_automated=False),
        "datastore-2": dict(name="LocalDS_2", url="ds:///vmfs/volumes/ds2/", capacity=100 * GIB, free=90 * GIB,
                            hosts=hosts, pod="DatastoreCluster", sdrs_automated=False),
    }
    snap.policies = {"vSAN Default Storage Policy": {"id": "p1"}}
    snap.storage_classes = [
        {"metadata": {"name": "vsphere-csi"}, "provisioner": "csi.vsphere.vmware.com",
         "parameters": {"storagepolicyname": "vSAN Default Storage Policy"}},
        {"metadata": {"name": "vsphere-legacy"}, "provisioner": "kubernetes.io/vsphere-volume",
         "parameters": {"datastore": "DatastoreCluster/LocalDS_2", "diskformat": "thin"}},
    ]
    snap.storage_datastores = ["LocalDS_2"]
    snap.pvs = [
        {"metadata": {"name": "demo-pg-0"}, "spec": {"csi": {"driver": "csi.vsphere.vmware.com", "volumeHandle": FCD}}},
        {"metadata": {"name": "demo-legacy-0"},
         "spec": {"vsphereVolume": {"volumePath": "[DatastoreCluster/LocalDS_2] kubevols/demo-legacy-0.vmdk"}}},
    ]
    snap.volume_folders_listed = [("LocalDS_0", "kubevols", True), ("LocalDS_2", "kubevols", True)]
    snap.volume_files = {"[LocalDS_0] kubevols/demo-pg-0.vmdk": dict(size=GIB, datastore="LocalDS_0"),
                         "[LocalDS_2] kubevols/demo-legacy-0.vmdk": dict(size=GIB, datastore="LocalDS_2")}
    snap.fcds = {FCD: dict(datastore="LocalDS_0", path="[LocalDS_0] kubevols/demo-pg-0.vmdk", capacity_bytes=GIB,
                           created="2026-11-20", name="demo-pg-0")}
    snap.gathered = ["fcds"]
    return snap


def test_a_clean_storage_site_has_no_finding():
    findings, summary = run_checks(storage())
    assert findings == [] and summary["total"] == 0


def test_unknown_policy_and_datastore_url_are_errors():
    snap = storage()
    snap.storage_classes[0]["parameters"] = {"storagepolicyname": "Gold"}
    snap.storage_classes.append({"metadata": {"name": "by-url"}, "provisioner": "csi.vsphere.vmware.com",
                                 "parameters": {"datastoreurl": "ds:///vmfs/volumes/nope/"}})
    assert checks_of(storage_classes.check(snap)) == [
        ("storage_classes.datastore_unknown", "by-url"), ("storage_classes.policy_unknown", "vsphere-csi")]


def test_a_policy_without_compatible_datastore_is_an_error():
    snap = storage()
    snap.policies["vSAN Default Storage Policy"]["datastores"] = []
    assert checks_of(storage_classes.check(snap)) == [("storage_classes.policy_no_datastore", "vsphere-csi")]


def test_a_datastore_not_on_every_node_host_and_automated_sdrs_are_flagged():
    snap = storage()
    snap.datastores["datastore-2"]["hosts"] = ["host-0"]
    snap.datastores["datastore-2"]["sdrs_automated"] = True
    found = storage_classes.check(snap)
    assert checks_of(found) == [("storage_classes.datastore_not_on_all_hosts", "vsphere-legacy"),
                                ("storage_classes.sdrs", "vsphere-legacy")]
    assert "h1" in found[1].message or "h1" in found[0].message


def test_allowed_topologies_limit_the_hosts_that_must_mount_the_datastore():
    snap = storage()
    snap.datastores["datastore-2"]["hosts"] = ["host-0"]
    snap.storage_classes[1]["allowedTopologies"] = [{"matchLabelExpressions": [
        {"key": "topology.kubernetes.io/zone", "values": ["zone-a"]}]}]
    assert storage_classes.check(snap) == []


def test_in_tree_parameters_the_migration_drops_are_warnings():
    snap = storage()
    snap.storage_classes[1]["parameters"] = {"datastore": "LocalDS_2", "diskformat": "eagerzeroedthick",
                                             "hostFailuresToTolerate": "1"}
    found = storage_classes.check(snap)
    assert checks_of(found) == [("storage_classes.migration_drops", "vsphere-legacy")]
    assert "eagerzeroedthick" in found[0].message and "hostfailurestotolerate" in found[0].message


def test_pvs_whose_disk_or_fcd_is_gone_are_errors():
    snap = storage()
    del snap.volume_files["[LocalDS_2] kubevols/demo-legacy-0.vmdk"]
    del snap.fcds[FCD]
    found = volumes.check(snap)
    assert checks_of(found) == [("volumes.disk_missing", "demo-legacy-0"), ("volumes.fcd_missing", "demo-pg-0"),
                                ("volumes.orphan_vmdk", "[LocalDS_0] kubevols/demo-pg-0.vmdk")]


def test_orphans_are_reported_with_size_and_age():
    snap = storage()
    snap.fcds["f2"] = dict(datastore="LocalDS_0", path="[LocalDS_0] fcd/x.vmdk", capacity_bytes=2 * GIB,
                           created="2026-01-02", name="x")
    snap.volume_files["[LocalDS_0] kubevols/old.vmdk"] = dict(size=3 * GIB, datastore="LocalDS_0")
    found = volumes.check(snap)
    assert checks_of(found) == [("volumes.orphan_fcd", "x"), ("volumes.orphan_vmdk", "[LocalDS_0] kubevols/old.vmdk")]
    assert "2.0 GiB" in found[0].message and "2026-01-02" in found[0].message and "3.0 GiB" in found[1].message
    rows = {r["datastore"]: r for r in capacity.table(snap, found)}
    assert rows["LocalDS_0"]["orphans"] == 2 and rows["LocalDS_0"]["orphan_bytes"] == 5 * GIB
    assert rows["LocalDS_0"]["pvs"] == 1 and rows["LocalDS_2"]["pv_bytes"] == GIB


def test_stuck_attachments_and_attachments_to_gone_nodes():
    snap = storage()
    vm(snap, "k8s-worker-1").disks.append(Disk("[LocalDS_2] kubevols/demo-legacy-0.vmdk"))
    found = volumes.check(snap)
    assert checks_of(found) == [("volumes.attached_without_va", "demo-legacy-0")]
    snap.volume_attachments = [
        {"metadata": {"name": "csi-1"}, "spec": {"nodeName": "k8s-worker-2",
                                                 "source": {"persistentVolumeName": "demo-legacy-0"}}},
        {"metadata": {"name": "csi-2"}, "spec": {"nodeName": "gone", "source": {"persistentVolumeName": "demo-pg-0"}}},
    ]
    found = volumes.check(snap)
    assert checks_of(found) == [("volumes.attached_elsewhere", "csi-1"), ("volumes.va_node_missing", "csi-2")]
    assert "k8s-worker-1" in found[0].message


def test_low_free_space_on_a_datastore_in_use():
    snap = storage()
    snap.datastores["datastore-2"]["free"] = 8 * GIB
    snap.datastores["datastore-1"]["free"] = 4 * GIB
    found = capacity.check(snap, [])
    assert [(f.check, f.severity, f.object["name"]) for f in found] == [
        ("capacity.low_free_space", "error", "LocalDS_0"), ("capacity.low_free_space", "warning", "LocalDS_2")]
