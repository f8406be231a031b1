"""plan_disk (the vmdk module's decision per disk) and the size and name parsers it rests on: pure, no lab."""

from types import SimpleNamespace

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.disks import DiskItem, plan_disk
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskSpecError,
    human,
    parse_disk,
    parse_size,
)

GI = 1024 ** 3
DS = SimpleNamespace(name="ds1", url="ds:///vmfs/volumes/ds1/", moid="datastore-1")


def item(state="present", exists=True, size=None, capacity=10 * GI, fcd_id=None, attached=(), force=False,
         first_class=False):
    return DiskItem(disk=parse_disk("[ds1] kubevols/pg-0.vmdk"), ds=DS, state=state, exists=exists, size=size,
                    facts=dict(capacity_bytes=capacity, uuid="6000c29a-0000-0000-0000-000000000001") if exists else {},
                    fcd_id=fcd_id, attached=[dict(vm=v) for v in attached], force=force, first_class=first_class)


@pytest.mark.parametrize("size, actions", [(None, []), (10 * GI, []), (20 * GI, ["grown"])])
def test_an_existing_disk_grows_only_when_asked_for_more(size, actions):
    it = item(size=size)
    plan_disk(it, None, None)
    assert it.actions == actions and it.error is None
    assert it.result["changed"] is bool(actions)


def test_an_item_takes_its_validated_options():
    it = DiskItem.from_options(dict(state="absent", disk_format="eagerzeroedthick", adapter_type="ide",
                                    first_class=False, storage_policy=None, force=True),
                               parse_disk("[ds1] kubevols/a.vmdk"), None, "disks[2]")
    assert (it.state, it.disk_format, it.adapter_type, it.force, it.where) == (
        "absent", "eagerzeroedthick", "ide", True, "disks[2]")
    assert it.actions == [] and it.result == {} and it.done == []


def test_a_disk_never_shrinks():
    it = item(size=5 * GI)
    plan_disk(it, None, None)
    assert it.actions == [] and "cannot shrink" in it.error


def test_a_missing_disk_is_created_with_a_size_and_refused_without_one():
    it = item(exists=False, size=GI)
    plan_disk(it, None, None)
    assert it.actions == ["created"] and it.before == "absent"
    assert it.result["capacity_bytes"] == GI and it.result["exists"] is True
    it = item(exists=False)
    plan_disk(it, None, None)
    assert it.actions == [] and "give size" in it.error


def test_first_class_creates_and_registers_and_registers_an_existing_plain_disk():
    it = item(exists=False, size=GI, first_class=True)
    plan_disk(it, None, None)
    assert it.actions == ["created", "registered"]
    it = item(first_class=True)
    plan_disk(it, None, None)
    assert it.actions == ["registered"]


def test_a_first_class_disk_is_compared_in_whole_mib():
    it = item(fcd_id="fcd-1", capacity=GI, size=GI - 1)  # rounds up to the same MiB: no change
    plan_disk(it, None, None)
    assert it.actions == [] and it.error is None


def test_an_attached_disk_is_not_deleted_without_force():
    it = item(state="absent", attached=["node-1"])
    plan_disk(it, None, None)
    assert it.actions == [] and "attached to node-1" in it.error
    it = item(state="absent", attached=["node-1"], force=True)
    plan_disk(it, None, None)
    assert it.actions == ["deleted"] and it.after == "absent" and it.result["attached_to"] == []


def test_a_disk_a_persistent_volume_names_is_not_deleted_without_force():
    refs = {("path", "ds1", "kubevols/pg-0.vmdk"): [dict(name="pv-0", claim="db/data-0", phase="Bound")]}
    it = item(state="absent")
    plan_disk(it, None, refs)
    assert "PersistentVolume pv-0 (claim db/data-0)" in it.error
    assert it.result["referenced_by"] == ["pv-0"]


def test_an_absent_disk_asked_absent_is_no_change():
    it = item(state="absent", exists=False)
    plan_disk(it, None, None)
    assert it.actions == [] and it.result["changed"] is False and it.result["exists"] is False


@pytest.mark.parametrize("text, size", [
    ("10Gi", 10 * GI), ("500Mi", 500 * 1024 ** 2), ("20GB", 20 * 1000 ** 3), ("1.5Ti", int(1.5 * 1024 ** 4)),
    ("2K", 2000), ("4096", 4096), (4096, 4096), (" 3 gi ", 3 * GI), (None, None),
])
def test_parse_size_reads_kubernetes_quantities_and_bytes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text, why", [
    ("ten", "is not a size"), ("10Xi", "unknown unit"), (0, "larger than 0"), ("0Gi", "larger than 0"),
    (True, "is not a size"), ("-1Gi", "is not a size"),
])
def test_parse_size_refuses_what_is_not_a_size(text, why):
    with pytest.raises(DiskSpecError, match=why):
        parse_size(text)


def test_human_sizes():
    assert human(10 * GI) == "10Gi" and human(1536) == "1536 bytes" and human(2048) == "2Ki"


@pytest.mark.parametrize("kwargs, text", [
    (dict(path="[ds1] kubevols/a.vmdk"), "[ds1] kubevols/a.vmdk"),
    (dict(path="[DatastoreCluster/ds1] kubevols/a.vmdk"), "[DatastoreCluster/ds1] kubevols/a.vmdk"),
    (dict(datastore="ds1", name="a"), "[ds1] kubevols/a.vmdk"),
    (dict(datastore="ds1", name="a.vmdk", folder=""), "[ds1] a.vmdk"),
])
def test_parse_disk_accepts_both_notations(kwargs, text):
    assert str(parse_disk(**kwargs)) == text


@pytest.mark.parametrize("kwargs", [
    dict(path="ds1 kubevols/a.vmdk"), dict(path="[ds1] kubevols/a.txt"), dict(path="[ds1] kubevols/../a.vmdk"),
    dict(path="[ds1] a.vmdk", name="a"), dict(datastore="ds1"), dict(datastore="ds1", name="x/a"),
])
def test_parse_disk_refuses_unclean_or_ambiguous_names(kwargs):
    with pytest.raises(DiskSpecError):
        parse_disk(**kwargs)
