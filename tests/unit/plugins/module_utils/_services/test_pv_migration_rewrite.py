"""The volume rewrite's pure logic: the in-tree to CSI manifest, the checks of a claim, the pods and owners in the
way, the plan of steps, the options."""

import json

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.migration import volume_rewrite as vr


def in_tree_pv(**spec):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": "pv-a", "uid": "u-pv", "resourceVersion": "7", "labels": {"app": "db"},
                       "finalizers": ["kubernetes.io/pv-protection"],
                       "annotations": {"pv.kubernetes.io/provisioned-by": "kubernetes.io/vsphere-volume",
                                       "pv.kubernetes.io/bound-by-controller": "yes",
                                       "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
          "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "thin",
                   "mountOptions": ["noatime"], "volumeMode": "Filesystem",
                   "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-a"]}]}]}},
                   "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "db",
                                "name": "data-0", "uid": "u-claim", "resourceVersion": "9"},
                   "vsphereVolume": {"volumePath": "[DatastoreCluster/LocalDS_2] kubevols/a.vmdk", "fsType": "xfs",
                                     "storagePolicyName": "gold"}},
          "status": {"phase": "Bound"}}
    pv["spec"].update(spec)
    return pv


def claim(volume="pv-a", uid="u-claim"):
    return {"metadata": {"name": "data-0", "namespace": "db", "uid": uid}, "spec": {"volumeName": volume},
            "status": {"phase": "Bound"}}


def test_the_csi_manifest_keeps_name_capacity_modes_claim_uid_mount_options_affinity_and_fstype_and_retains():
    m = vr.csi_manifest(in_tree_pv(), "fcd-1")
    spec = m["spec"]
    assert m["metadata"]["name"] == "pv-a" and m["metadata"]["labels"] == {"app": "db"}
    assert spec["csi"] == {"driver": "csi.vsphere.vmware.com", "volumeHandle": "fcd-1", "fsType": "xfs",
                           "volumeAttributes": {"type": "vSphere CNS Block Volume", "storagepolicyname": "gold"}}
    assert "vsphereVolume" not in spec
    assert spec["persistentVolumeReclaimPolicy"] == "Retain"
    assert spec["capacity"] == {"storage": "10Gi"} and spec["accessModes"] == ["ReadWriteOnce"]
    assert spec["claimRef"] == {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "db",
                                "name": "data-0", "uid": "u-claim"}   # no resourceVersion: the binder may update it
    assert spec["mountOptions"] == ["noatime"] and spec["nodeAffinity"] == in_tree_pv()["spec"]["nodeAffinity"]
    assert spec["storageClassName"] == "thin" and spec["volumeMode"] == "Filesystem"


def test_the_csi_manifest_has_no_server_fields_and_says_who_provisions_it_and_where_it_came_from():
    m = vr.csi_manifest(in_tree_pv(), "fcd-1")
    md = m["metadata"]
    assert set(md) == {"name", "labels", "annotations"}
    assert "status" not in m
    assert md["annotations"]["pv.kubernetes.io/provisioned-by"] == "csi.vsphere.vmware.com"
    assert md["annotations"]["vsphere-k8s.io/migrated-from"] == "[DatastoreCluster/LocalDS_2] kubevols/a.vmdk"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in md["annotations"]


def test_the_csi_manifest_leaves_out_what_the_in_tree_volume_did_not_have():
    pv = in_tree_pv(vsphereVolume={"volumePath": "[ds] kubevols/a.vmdk"})
    del pv["spec"]["mountOptions"], pv["spec"]["nodeAffinity"]
    spec = vr.csi_manifest(pv, "fcd-1")["spec"]
    assert "fsType" not in spec["csi"] and spec["csi"]["volumeAttributes"] == {"type": "vSphere CNS Block Volume"}
    assert "mountOptions" not in spec and "nodeAffinity" not in spec


def test_the_kind_of_a_volume():
    assert vr.kind_of(in_tree_pv()) == "in_tree"
    assert vr.kind_of(vr.csi_manifest(in_tree_pv(), "x")) == "csi"
    assert vr.kind_of({"spec": {"nfs": {}}}) == "other"
    assert vr.kind_of({"spec": {"csi": {"driver": "other.csi"}}}) == "other"


def test_the_record_on_a_claim_is_read_back_and_a_broken_one_is_none():
    rec = {"pv": vr.csi_manifest(in_tree_pv(), "fcd-1"), "volume_path": "[ds] a.vmdk", "disk_uuid": "u"}
    c = claim()
    c["metadata"]["annotations"] = {vr.ANNOTATION: json.dumps(rec)}
    assert vr.record_of(c) == rec
    c["metadata"]["annotations"] = {vr.ANNOTATION: "{not json"}
    assert vr.record_of(c) is None
    c["metadata"]["annotations"] = {vr.ANNOTATION: json.dumps({"pv": "text"})}
    assert vr.record_of(c) is None
    assert vr.record_of(None) is None


@pytest.mark.parametrize("pv, c, words", [
    (in_tree_pv(claimRef=None), claim(), ["bound to no claim"]),
    (in_tree_pv(), None, ["does not exist"]),
    (in_tree_pv(), claim(uid="other"), ["UID u-claim", "another one"]),
    (in_tree_pv(), claim(volume="pv-b"), ["not bound to it", "pv-b"]),
])
def test_a_volume_whose_claim_does_not_hold_it_is_refused(pv, c, words):
    with pytest.raises(vr.Refused) as e:
        vr.check_claim(pv, c)
    for w in words:
        assert w in str(e.value)


def test_a_claim_bound_to_the_volume_passes():
    vr.check_claim(in_tree_pv(), claim())


def pod(name, claim_name="data-0", phase="Running", owner=None):
    md = {"name": name}
    if owner:
        md["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {"metadata": md, "spec": {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}]},
            "status": {"phase": phase}}


def test_pods_that_have_not_finished_and_mount_the_claim_are_in_the_way():
    pods = [pod("a"), pod("b", phase="Pending"), pod("c", phase="Succeeded"), pod("d", phase="Failed"),
            pod("e", claim_name="other")]
    assert [p["metadata"]["name"] for p in vr.pods_using(pods, "data-0")] == ["a", "b"]


def test_owners_a_replicaset_of_a_deployment_is_scaled_through_its_deployment():
    rss = {"web-1": {"metadata": {"name": "web-1", "ownerReferences": [
        {"kind": "Deployment", "name": "web", "controller": True}]}}, "bare": {"metadata": {"name": "bare"}}}
    pods = [pod("a", owner=("ReplicaSet", "web-1")), pod("b", owner=("StatefulSet", "db")),
            pod("c", owner=("ReplicaSet", "bare"))]
    owners, problems = vr.owners_of(pods, rss)
    assert owners == {("Deployment", "web"), ("StatefulSet", "db"), ("ReplicaSet", "bare")}
    assert problems == []


def test_owners_a_bare_pod_a_daemonset_or_a_job_cannot_be_scaled_down():
    owners, problems = vr.owners_of([pod("a"), pod("b", owner=("DaemonSet", "agent")), pod("c", owner=("Job", "j"))], {})
    assert owners == set()
    assert len(problems) == 3 and "no owner" in problems[0] and "DaemonSet agent" in problems[1]


def test_the_replicas_record_of_an_owner_gains_the_volume_and_a_broken_one_is_none():
    owner = {"metadata": {"annotations": {vr.REPLICAS_ANNOTATION: json.dumps({"replicas": 3, "volumes": ["pv-b"]})}}}
    assert vr.replicas_record(owner, "pv-a") == {"replicas": 3, "volumes": ["pv-a", "pv-b"]}
    assert vr.replicas_record({"metadata": {}}, "pv-a") is None
    owner["metadata"]["annotations"][vr.REPLICAS_ANNOTATION] = json.dumps({"replicas": "3"})
    assert vr.replicas_record(owner, "pv-a") is None


def test_the_plan_of_a_fresh_volume_starts_with_retain_and_ends_with_the_create_and_finish():
    assert vr.plan_steps("in_tree", True, None, False, "Delete") == [
        "retain", "scale_down", "fcd", "cns", "record", "delete", "create", "finish"]


def test_the_plan_reuses_a_registered_fcd_and_cns_volume_and_skips_retain_when_already_retained():
    assert vr.plan_steps("in_tree", False, "fcd-1", True, "retained") == ["record", "delete", "create", "finish"]


def test_the_plan_of_a_volume_whose_old_object_is_gone_or_that_is_csi_already():
    assert vr.plan_steps("deleted", False, "fcd-1", True, None) == ["create", "finish"]
    assert vr.plan_steps("csi", False, "fcd-1", True, None) == ["finish"]


def options(**kw):
    p = dict(names=["pv-a"], datacenter="dc", cluster_id="c", timeout=300)
    p.update(kw)
    return p


@pytest.mark.parametrize("kw, word", [
    ({"names": []}, "at least one"),
    ({"names": ["Bad_Name"]}, "names[0]"),
    ({"names": ["a", "a"]}, "twice"),
    ({"names": ["a" * 300]}, "253"),
    ({"names": [""]}, "empty"),
    ({"datacenter": " "}, "datacenter"),
    ({"cluster_id": ""}, "cluster_id"),
    ({"timeout": 0}, "timeout"),
])
def test_options_are_checked_before_anything(kw, word):
    errors = vr.validate_options(options(**kw))
    assert any(word in e for e in errors), errors


def test_good_options_pass():
    assert vr.validate_options(options(names=["pv-a", "pv.b-1"])) == []
