from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import (
    capacity,
    volumes,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import cns
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.checks import run_checks
from doctor_snapshots import checks_of
from test_doctor_storage import FCD, GIB, storage

ORPHAN = "ea686e1f-c028-4a6b-80b9-4851cd9bd9be"


def with_cns(snap):
    """The PV's volume and one more CNS volume no PV names (also a First Class Disk, as CNS block volumes are)."""
    snap.cns_volumes = {
        FCD: dict(name="pvc-1", datastore="LocalDS_0", capacity_bytes=GIB, path=None, created=None),
        ORPHAN: dict(name="pvc-lost", datastore="LocalDS_0", capacity_bytes=2 * GIB,
                     path="[LocalDS_0] fcd/lost.vmdk", created="2026-11-01"),
    }
    snap.fcds[ORPHAN] = dict(datastore="LocalDS_0", path="[LocalDS_0] fcd/lost.vmdk", capacity_bytes=2 * GIB,
                             created="2026-11-01", name="pvc-lost")
    snap.gathered.append("cns")
    return snap


def test_a_cns_volume_no_pv_names_is_an_orphan_reported_once_with_size_datastore_and_age():
    snap = with_cns(storage())
    found = volumes.check(snap)
    assert checks_of(found) == [("volumes.orphan_cns", "pvc-lost")]   # not also as an orphan First Class Disk
    f = found[0]
    assert f.severity == "warning"
    assert f.object == dict(kind="CnsVolume", name="pvc-lost", volume_id=ORPHAN, datastore="LocalDS_0",
                            capacity_bytes=2 * GIB, created="2026-11-01")
    assert "2.0 GiB" in f.message and "LocalDS_0" in f.message and "2026-11-01" in f.message
    assert "CSI driver" in f.fix and "vmdk" in f.fix and "dry run" in f.fix
    rows = {r["datastore"]: r for r in capacity.table(snap, found)}
    assert rows["LocalDS_0"]["orphans"] == 1 and rows["LocalDS_0"]["orphan_bytes"] == 2 * GIB


def test_cns_volumes_named_by_a_pv_handle_are_no_finding():
    snap = with_cns(storage())
    snap.pvs.append({"metadata": {"name": "restored"},
                     "spec": {"csi": {"driver": "csi.vsphere.vmware.com", "volumeHandle": ORPHAN}}})
    assert run_checks(snap)[0] == []


def test_a_vcenter_without_cns_gives_no_cns_finding():
    snap = storage()
    assert snap.cns_volumes == {} and "cns" not in snap.gathered
    assert [f for f in volumes.check(snap) if f.check == "volumes.orphan_cns"] == []


def vol(i, mb=1024, typed=True):
    """A vim.cns.Volume as pyVmomi reads it (block details typed, or, from a server that leaves the type out, none)."""
    from pyVmomi import vim
    details = vim.cns.BlockBackingDetails(capacityInMb=mb, backingDiskId="id-%d" % i,
                                          backingDiskPath="[ds0] fcd/id-%d.vmdk" % i) if typed else None
    return vim.cns.Volume(volumeId=vim.cns.VolumeId(id="id-%d" % i), name="v%d" % i, volumeType="BLOCK",
                          datastoreUrl="ds:///vmfs/volumes/ds0/", backingObjectDetails=details)


class FakeManager:
    """Answers CnsQueryVolume pages from a list of (volumes, cursor offset, total) or exceptions; records the
    cursors asked."""
    def __init__(self, pages):
        self.pages, self.asked = list(pages), []

    def Query(self, filter):  # pylint: disable=redefined-builtin
        from pyVmomi import vim
        assert isinstance(filter, vim.cns.QueryFilter)
        self.asked.append((filter.cursor.offset, filter.cursor.limit))
        page = self.pages.pop(0)
        if isinstance(page, Exception):
            raise page
        volumes, offset, total = page
        return vim.cns.QueryResult(volumes=volumes, cursor=vim.cns.Cursor(offset=offset, limit=2, totalRecords=total))


def run_query(pages):
    mgr = FakeManager(pages)
    return cns.query_volumes(None, page=2, manager=mgr), mgr


def test_a_volume_reads_as_its_facts_with_or_without_typed_backing_details():
    assert cns.volume_facts(vol(2)) == dict(id="id-2", name="v2", datastore_url="ds:///vmfs/volumes/ds0/",
                                            capacity_bytes=GIB, path="[ds0] fcd/id-2.vmdk", type="BLOCK", created=None)
    assert cns.volume_facts(vol(3, typed=False))["capacity_bytes"] is None


def test_the_query_follows_the_cursor_until_total_records():
    out, mgr = run_query([([vol(1), vol(2)], 2, 3), ([vol(3)], 3, 3)])
    assert [v["id"] for v in out] == ["id-1", "id-2", "id-3"] and mgr.asked == [(0, 2), (2, 2)]


def test_a_server_that_does_not_paginate_is_read_once():
    out, mgr = run_query([([vol(1), vol(2), vol(3)], 0, None)])
    assert len(out) == 3 and mgr.asked == [(0, 2)]


def test_a_fault_or_a_missing_endpoint_means_no_cns():
    from http.client import HTTPException
    from pyVmomi import vim
    assert run_query([vim.fault.NotFound()])[0] is None
    assert run_query([HTTPException("404 Not Found")])[0] is None
    assert run_query([OSError("connection refused")])[0] is None


def test_capacity_by_policy_sums_compatible_datastores_pvs_of_its_classes_and_orphans_there():
    snap = with_cns(storage())
    snap.policies["vSAN Default Storage Policy"]["datastores"] = ["datastore-1", "datastore-2"]
    snap.policies["Unused"] = {"id": "p2", "datastores": ["datastore-2"]}
    snap.pvs[0]["spec"]["storageClassName"] = "vsphere-csi"
    snap.pvs[1]["spec"]["storageClassName"] = "vsphere-legacy"
    findings = volumes.check(snap)
    assert capacity.policy_table(snap, findings) == [dict(
        policy="vSAN Default Storage Policy", storage_classes=["vsphere-csi"], datastores=["LocalDS_0", "LocalDS_2"],
        capacity_bytes=200 * GIB, free_bytes=150 * GIB, pv_bytes=GIB, pvs=1, orphan_bytes=2 * GIB, orphans=1)]
    snap.policies["vSAN Default Storage Policy"]["datastores"] = []
    row = capacity.policy_table(snap, findings)[0]
    assert row["datastores"] == [] and row["free_bytes"] == 0 and row["orphans"] == 0 and row["pvs"] == 1
