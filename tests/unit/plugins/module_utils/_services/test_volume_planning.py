"""validate_volumes, duplicates, pv_references and storage_class_parameters: the pure checks of the storage modules."""

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.storage import (
    StorageSpecError,
    storage_class_parameters,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import (
    disk_key,
    pv_references,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.persistent_volumes import (
    VOLUME_OPTIONS,
    duplicates,
    validate_volumes,
)


def task(**kw):
    p = {k: v.get("default") for k, v in VOLUME_OPTIONS.items()}
    p.update(volumes=None, vcenter=None)
    p.update(kw)
    return p


def test_one_volume_from_the_task_options():
    volumes, errors = validate_volumes(task(name="pv-0", path="[ds1] kubevols/a.vmdk", provisioner="in_tree",
                                            capacity="1Gi"))
    assert errors == []
    assert volumes[0]["size"] == 1024 ** 3 and volumes[0]["vsphere_path_notation"] == "[ds1] kubevols/a.vmdk"


def test_items_take_the_task_values_as_defaults_and_are_checked_each():
    volumes, errors = validate_volumes(task(provisioner="in_tree", capacity="1Gi", volumes=[
        dict(name="a", path="[ds1] kubevols/a.vmdk"), dict(name="b", path="[ds1] kubevols/b.vmdk", state="Present")]))
    assert [v["name"] for v in volumes] == ["a"]
    assert len(errors) == 1 and "volumes[1] (b)" in errors[0] and "state" in errors[0]


@pytest.mark.parametrize("kw, why", [
    (dict(name="pv", provisioner="csi", path="[ds1] kubevols/a.vmdk", capacity="1Gi"), "needs vcenter"),
    (dict(name="pv", provisioner="in_tree", fcd_id="f-1", capacity="1Gi"), "not a First Class Disk"),
    (dict(name="pv", provisioner="in_tree", path="[ds1] a.vmdk"), "give capacity"),
    (dict(name="pv", provisioner="csi", fcd_id="f-1", capacity="1Gi", storage_policy="gold"), "storage_policy"),
    (dict(name="PV_0", provisioner="csi", fcd_id="f-1", capacity="1Gi"), "not a valid Kubernetes name"),
    (dict(name="pv", provisioner="csi", capacity="1Gi"), "give path or fcd_id"),
])
def test_a_volume_that_cannot_be_written_is_refused_before_any_request(kw, why):
    _volumes, errors = validate_volumes(task(**kw))
    assert len(errors) == 1 and why in errors[0]


def test_a_volume_given_twice_is_refused():
    _volumes, errors = validate_volumes(task(provisioner="csi", capacity="1Gi", volumes=[
        dict(name="a", fcd_id="f-1"), dict(name="a", fcd_id="f-2")]))
    assert errors == ["PersistentVolume a is given twice"]


def pv(name, path=None, handle=None, claim=None, driver="csi.vsphere.vmware.com"):
    spec = {}
    if path:
        spec["vsphereVolume"] = {"volumePath": path}
    if handle:
        spec["csi"] = {"driver": driver, "volumeHandle": handle}
    if claim:
        spec["claimRef"] = {"namespace": claim[0], "name": claim[1]}
    return {"metadata": {"name": name}, "spec": spec, "status": {"phase": "Bound" if claim else "Available"}}


def test_pv_references_index_in_tree_paths_csi_handles_and_migrated_paths():
    refs = pv_references([pv("a", path="[DatastoreCluster/ds1] kubevols/a.vmdk", claim=("db", "data")),
                          pv("b", handle="fcd-1"), pv("c", handle="[ds1] kubevols/c.vmdk"),
                          pv("d", handle="other", driver="other.csi.example.com")])
    assert refs[("path", "ds1", "kubevols/a.vmdk")] == [dict(name="a", phase="Bound", claim="db/data")]
    assert [r["name"] for r in refs[("fcd", "fcd-1")]] == ["b"]
    assert [r["name"] for r in refs[("path", "ds1", "kubevols/c.vmdk")]] == ["c"]
    assert ("fcd", "other") not in refs


def test_disk_key_reads_a_datastore_in_a_cluster_as_the_datastore():
    assert disk_key("[DatastoreCluster/ds1] kubevols/a.vmdk") == ("ds1", "kubevols/a.vmdk")
    assert disk_key("not a path") is None


def test_duplicates_names_a_disk_another_volume_uses_and_one_disk_given_twice():
    volumes, _errors = validate_volumes(task(provisioner="in_tree", capacity="1Gi", volumes=[
        dict(name="a", path="[ds1] kubevols/a.vmdk"), dict(name="b", path="[ds1] kubevols/a.vmdk")]))
    existing = {"old": pv("old", path="[ds1] kubevols/a.vmdk")}
    problems = duplicates(volumes, existing)
    assert "the disk of a is already used by PersistentVolume old" in problems
    assert "a and b name the same disk" in problems


def sc(**kw):
    p = dict(provisioner="csi", datastore=None, datastore_url=None, disk_format=None, fstype=None,
             storage_policy=None, vsan=None)
    p.update(kw)
    return p


@pytest.mark.parametrize("kw, params", [
    (dict(storage_policy="gold", fstype="xfs"), {"storagepolicyname": "gold", "csi.storage.k8s.io/fstype": "xfs"}),
    (dict(datastore_url="ds:///vmfs/volumes/x/"), {"datastoreurl": "ds:///vmfs/volumes/x/"}),
    (dict(provisioner="in_tree", disk_format="thin", datastore="ds1", fstype="ext4"),
     {"diskformat": "thin", "datastore": "ds1", "fstype": "ext4"}),
    (dict(provisioner="in_tree", vsan=dict(host_failures_to_tolerate=1, force_provisioning=True, iops_limit=None)),
     {"hostfailurestotolerate": "1", "forceprovisioning": "1"}),
])
def test_storage_class_parameters_per_provisioner(kw, params):
    assert storage_class_parameters(sc(**kw)) == params


@pytest.mark.parametrize("kw, why", [
    (dict(disk_format="thin"), "in-tree parameter"),
    (dict(datastore="ds1", datastore_url="ds:///x/"), "not both"),
    (dict(datastore_url="/vmfs/volumes/x"), "not a datastore URL"),
    (dict(provisioner="in_tree", datastore_url="ds:///x/"), "CSI parameter"),
    (dict(provisioner="in_tree", storage_policy="gold", vsan=dict(disk_stripes=2)), "cannot be combined"),
    (dict(provisioner="in_tree", vsan=dict(disk_stripes=13)), "from 1 to 12"),
    (dict(provisioner="in_tree", vsan=dict(stripes=2)), "not a vSAN capability"),
])
def test_storage_class_parameters_refuse_what_the_provisioner_does_not_take(kw, why):
    with pytest.raises(StorageSpecError, match=why):
        storage_class_parameters(sc(**kw))
