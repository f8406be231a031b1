"""storage_class and persistent_volume against the lab's apiserver (and vcsim for the checks)."""

import os
import uuid

import pytest
from pyVmomi import vim

import lab_vsphere
from conftest import audit_writes

DEFAULT = "storageclass.kubernetes.io/is-default-class"


@pytest.fixture
def uid():
    return uuid.uuid4().hex[:6]


@pytest.fixture
def storage(kube):
    import kubernetes
    return kubernetes.client.StorageV1Api(kube)


@pytest.fixture
def core(kube):
    import kubernetes
    return kubernetes.client.CoreV1Api(kube)


def sc_task(**kw):
    return [{"name": "sc", "vsphere_k8s.cloud_provider.storage_class": kw}]


def test_csi_and_in_tree_classes_carry_their_parameters(playbook, storage, uid, vsphere):
    r = playbook(sc_task(name="csi-" + uid, storage_policy="vSAN Default Storage Policy",
                         datastore="DatastoreCluster/LocalDS_2", fstype="xfs", vcenter={},
                         allowed_topologies={"zones": ["zone-a"], "regions": ["region-1"]},
                         volume_binding_mode="WaitForFirstConsumer", allow_volume_expansion=True))
    assert r.rc == 0, r
    sc = storage.read_storage_class("csi-" + uid)
    ds = lab_vsphere.find(vsphere, vim.Datastore, "LocalDS_2")[0]
    assert sc.provisioner == "csi.vsphere.vmware.com" and sc.reclaim_policy == "Delete"
    assert sc.parameters == {"storagepolicyname": "vSAN Default Storage Policy", "datastoreurl": ds.summary.url,
                             "csi.storage.k8s.io/fstype": "xfs"}
    assert sc.allow_volume_expansion is True and sc.volume_binding_mode == "WaitForFirstConsumer"
    exprs = {e.key: e.values for e in sc.allowed_topologies[0].match_label_expressions}
    assert exprs == {"topology.kubernetes.io/zone": ["zone-a"], "topology.kubernetes.io/region": ["region-1"]}
    vsan = {"host_failures_to_tolerate": 1, "disk_stripes": 2}
    r = playbook(sc_task(name="tree-" + uid, provisioner="in_tree", disk_format="eagerzeroedthick",
                         datastore="DatastoreCluster/LocalDS_2", vsan=vsan))
    assert r.rc == 0, r
    sc = storage.read_storage_class("tree-" + uid)
    assert sc.provisioner == "kubernetes.io/vsphere-volume"
    assert sc.parameters == {"diskformat": "eagerzeroedthick", "datastore": "DatastoreCluster/LocalDS_2",
                             "hostfailurestotolerate": "1", "diskstripes": "2"}
    for name in ("csi-" + uid, "tree-" + uid):
        storage.delete_storage_class(name)


@pytest.mark.parametrize("task, expected", [
    (dict(provisioner="in_tree", vsan={"host_failures_to_tolerate": 4}), "host_failures_to_tolerate must be an integer from 0 to 3"),
    (dict(provisioner="in_tree", vsan={"disk_stripes": 0}), "disk_stripes must be an integer from 1 to 12"),
    (dict(provisioner="in_tree", vsan={"cache_reservation": 101}), "cache_reservation must be an integer from 0 to 100"),
    (dict(provisioner="in_tree", vsan={"iops_limit": -1}), "iops_limit must be an integer >= 0"),
    (dict(provisioner="in_tree", vsan={"force_provisioning": 2}), "force_provisioning must be an integer from 0 to 1"),
    (dict(provisioner="in_tree", storage_policy="gold", vsan={"disk_stripes": 2}), "cannot be combined with vsan"),
    (dict(provisioner="in_tree", datastore_url="ds:///vmfs/volumes/x/"), "datastore_url is a CSI parameter"),
    (dict(disk_format="thin"), "disk_format is an in-tree parameter"),
    (dict(vsan={"disk_stripes": 2}), "vsan is an in-tree parameter"),
    (dict(datastore_url="/vmfs/volumes/x"), "is not a datastore URL"),
    (dict(datastore="LocalDS_0"), "give datastore_url, or vcenter"),
    (dict(storage_policy="No Such Policy", vcenter={}), "Storage policy 'No Such Policy' does not exist"),
    (dict(datastore="NoSuchDS", vcenter={}), "No datastore 'NoSuchDS'"),
], ids=lambda x: x if isinstance(x, str) and " " not in x else None)
def test_invalid_class_fails_before_anything_is_written(playbook, audit_log, task, expected, uid):
    r = playbook(sc_task(name="bad-" + uid, **task))
    assert r["sc"]["_status"] == "failed"
    assert expected in r["sc"]["msg"], r["sc"]["msg"]
    assert audit_writes(audit_log.entries()) == []


def test_invalid_name_is_refused(playbook):
    r = playbook(sc_task(name="Not_A_Name"))
    assert "is not a valid Kubernetes name" in r["sc"]["msg"]


def test_default_switches_to_exactly_one_class(playbook, storage, uid):
    for name in ("a-" + uid, "b-" + uid):
        r = playbook(sc_task(name=name, default=True))
        assert r.rc == 0, r
    r_b = r["sc"]
    assert r_b["defaults_removed"] == ["a-" + uid] or "a-" + uid in r_b["defaults_removed"]
    defaults = [c.metadata.name for c in storage.list_storage_class().items
                if (c.metadata.annotations or {}).get(DEFAULT) == "true"]
    assert defaults == ["b-" + uid]
    for name in ("a-" + uid, "b-" + uid):
        storage.delete_storage_class(name)


def test_parameters_are_immutable_unless_recreate(playbook, storage, uid):
    name = "imm-" + uid
    playbook(sc_task(name=name, storage_policy="gold"))
    before = storage.read_storage_class(name).metadata.uid
    r = playbook(sc_task(name=name, storage_policy="silver"))
    assert r["sc"]["_status"] == "failed" and "set recreate: true" in r["sc"]["msg"]
    assert storage.read_storage_class(name).parameters == {"storagepolicyname": "gold"}
    r = playbook(sc_task(name=name, storage_policy="silver", recreate=True))
    assert r.rc == 0 and r["sc"]["recreated"] is True
    sc = storage.read_storage_class(name)
    assert sc.parameters == {"storagepolicyname": "silver"} and sc.metadata.uid != before
    storage.delete_storage_class(name)


def test_check_mode_writes_nothing_and_a_rerun_writes_nothing(playbook, storage, audit_log, uid):
    name = "cm-" + uid
    r = playbook(sc_task(name=name, storage_policy="gold"), check=True, diff=True)
    assert r["sc"]["changed"] is True and r["sc"]["diff"]["after"]["parameters"] == {"storagepolicyname": "gold"}
    assert audit_writes(audit_log.entries()) == []
    assert name not in [c.metadata.name for c in storage.list_storage_class().items]
    playbook(sc_task(name=name, storage_policy="gold"))
    mark = audit_log.mark()
    r = playbook(sc_task(name=name, storage_policy="gold"))
    assert r["sc"]["changed"] is False and audit_writes(mark.entries()) == []
    storage.delete_storage_class(name)


def test_a_statefulset_using_the_class_is_accepted(playbook, kube, uid):
    import kubernetes
    name = "sts-" + uid
    playbook(sc_task(name=name, storage_policy="vSAN Default Storage Policy"))
    apps = kubernetes.client.AppsV1Api(kube)
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": "default"},
           "spec": {"serviceName": name, "replicas": 1, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "db", "image": "postgres:17",
                                                          "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                        "accessModes": ["ReadWriteOnce"], "storageClassName": name,
                        "resources": {"requests": {"storage": "1Gi"}}}}]}}
    created = apps.create_namespaced_stateful_set("default", sts)
    assert created.spec.volume_claim_templates[0].spec.storage_class_name == name
    apps.delete_namespaced_stateful_set(name, "default")
    kubernetes.client.StorageV1Api(kube).delete_storage_class(name)


# -- persistent_volume ---------------------------------------------------------------------------------------


@pytest.fixture
def disks(playbook, uid):
    paths = ["[LocalDS_0] kubevols/pv-%s-0.vmdk" % uid, "[DatastoreCluster/LocalDS_2] kubevols/pv-%s-1.vmdk" % uid]
    r = playbook([{"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "size": "1Gi", "disks": [{"path": p} for p in paths]}}])
    assert r.rc == 0, r
    return paths


@pytest.fixture
def namespace(core, uid):
    name = "ns-" + uid
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def pv_task(**kw):
    return [{"name": "pv", "vsphere_k8s.cloud_provider.persistent_volume": kw}]


def test_static_csi_and_in_tree_volumes_with_claims_reach_bound(playbook, core, disks, namespace, uid, vsphere):
    r = playbook(pv_task(vcenter={}, wait=True, volumes=[
        {"name": "csi-" + uid, "path": disks[0], "claim": {"namespace": namespace, "name": "data-0"}},
        {"name": "tree-" + uid, "path": disks[1], "provisioner": "in_tree",
         "claim": {"namespace": namespace, "name": "data-1"}}]))
    assert r.rc == 0, r
    assert r["pv"]["registered"] == [disks[0]]
    assert [(v["phase"], v["claim_phase"]) for v in r["pv"]["volumes"]] == [("Bound", "Bound")] * 2
    csi = core.read_persistent_volume("csi-" + uid)
    assert csi.spec.persistent_volume_reclaim_policy == "Retain"
    assert csi.spec.csi.driver == "csi.vsphere.vmware.com"
    assert csi.spec.csi.volume_attributes == {"type": "vSphere CNS Block Volume"}
    assert csi.metadata.annotations["pv.kubernetes.io/provisioned-by"] == "csi.vsphere.vmware.com"
    assert csi.spec.capacity["storage"] == "1Gi"  # the disk's real size, read from vCenter
    vsom = vsphere.RetrieveContent().vStorageObjectManager
    ds = lab_vsphere.find(vsphere, vim.Datastore, "LocalDS_0")[0]
    fcd = vsom.RetrieveVStorageObject(id=vim.vslm.ID(id=csi.spec.csi.volume_handle), datastore=ds)
    assert fcd.config.backing.filePath == disks[0]
    tree = core.read_persistent_volume("tree-" + uid)
    assert tree.spec.vsphere_volume.volume_path == disks[1]
    assert core.read_namespaced_persistent_volume_claim("data-1", namespace).spec.volume_name == "tree-" + uid
    # The same disks again under other names: refused, naming the volume that has each.
    r = playbook(pv_task(vcenter={}, name="again-" + uid, path=disks[1], provisioner="in_tree"))
    assert r["pv"]["_status"] == "failed" and "already used by PersistentVolume tree-%s" % uid in r["pv"]["msg"]
    # absent deletes the PV object only.
    r = playbook(pv_task(name="tree-" + uid, state="absent"))
    assert r["pv"]["changed"] is True
    info = playbook([{"name": "info", "vsphere_k8s.cloud_provider.vmdk_info": {"paths": [disks[1]]}}])
    assert len(info["info"]["disks"]) == 1
    core.delete_persistent_volume("csi-" + uid)


def test_capacity_larger_than_the_disk_and_missing_disks_are_refused(playbook, disks, uid, audit_log):
    r = playbook(pv_task(vcenter={}, name="big-" + uid, path=disks[0], provisioner="in_tree", capacity="2Gi"))
    assert "capacity 2Gi is larger than the disk (1Gi)" in r["pv"]["msg"]
    r = playbook(pv_task(vcenter={}, name="none-" + uid, path="[LocalDS_0] kubevols/none-%s.vmdk" % uid))
    assert "do not exist: [LocalDS_0] kubevols/none-%s.vmdk" % uid in r["pv"]["msg"]
    assert audit_writes(audit_log.entries()) == []


def test_check_mode_writes_nothing_and_rerun_is_unchanged(playbook, core, disks, namespace, uid, audit_log):
    task = dict(name="cm-" + uid, path=disks[1], provisioner="in_tree", capacity="1Gi",
                claim={"namespace": namespace, "name": "data"})
    r = playbook(pv_task(**task), check=True, diff=True)
    assert r["pv"]["changed"] is True and len(r["pv"]["diff"]["after"]) == 2
    assert audit_writes(audit_log.entries()) == []
    playbook(pv_task(**task))
    mark = audit_log.mark()
    r = playbook(pv_task(**task))
    assert r["pv"]["changed"] is False and audit_writes(mark.entries()) == []
    core.delete_persistent_volume("cm-" + uid)


@pytest.mark.parametrize("case", ["missing namespace", "invalid name", "unauthorized", "unreachable"])
def test_kubernetes_errors_are_clear(playbook, disks, uid, case):
    task = dict(name="e-" + uid, path=disks[1], provisioner="in_tree", capacity="1Gi")
    env = {}
    expected = {"missing namespace": "namespace nope-%s of claim c does not exist" % uid,
                "invalid name": "is not a valid Kubernetes name",
                "unauthorized": "rejected the credentials (401 Unauthorized)",
                "unreachable": "Cannot reach the Kubernetes API server"}[case]
    if case == "missing namespace":
        task["claim"] = {"namespace": "nope-" + uid, "name": "c"}
    elif case == "invalid name":
        task["name"] = "Bad_Name"
    elif case == "unauthorized":
        import yaml
        with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
            server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]
        task.update(host=server, api_key="not-a-token", ca_cert=os.environ["VMWARE_CA_BUNDLE"])
        env["K8S_AUTH_KUBECONFIG"] = None
    else:
        task["host"] = "https://127.0.0.1:1"
    r = playbook(pv_task(**task), env=env)
    assert r["pv"]["_status"] == "failed"
    assert expected in r["pv"]["msg"], r["pv"]["msg"]


def admin_requests(events, names=(), namespace=None):
    """(verb, resource) of the requests the lab's admin user made on the named objects, and its lists in namespace
    (a dry run is a patch with dryRun=All). Cluster-wide lists are left out: other tests may run at the same time."""
    out = []
    for e in events:
        ref = e.get("objectRef", {})
        if e.get("stage") != "ResponseComplete" or e.get("user", {}).get("username") != "lab-admin":
            continue
        if ref.get("name") in names or (e["verb"] == "list" and namespace and ref.get("namespace") == namespace):
            out.append((e["verb"] + (" dry-run" if "dryRun=All" in e.get("requestURI", "") else ""),
                        ref.get("resource")))
    return sorted(out)


def test_volumes_cost_one_apply_per_object_and_constant_reads_nothing_a_server_side_apply_answers(
        playbook, core, namespace, uid, audit_log):
    n = 6
    task = dict(provisioner="in_tree", capacity="1Gi", volumes=[
        {"name": "cnt-%s-%d" % (uid, i), "path": "[LocalDS_0] kubevols/cnt-%s-%d.vmdk" % (uid, i),
         "claim": {"namespace": namespace, "name": "data-%d" % i}} for i in range(n)])
    names = [v["name"] for v in task["volumes"]] + ["data-%d" % i for i in range(n)]
    r = playbook(pv_task(**task))
    assert r.rc == 0 and r["pv"]["changed"] is True, r
    # A PV and its claim that do not exist are created by one apply each: no dry run, no read of each; the claims
    # of the namespace are read in one list.
    assert admin_requests(audit_log.entries(), names, namespace) == sorted(
        [("patch", "persistentvolumes")] * n + [("patch", "persistentvolumeclaims")] * n
        + [("list", "persistentvolumeclaims")])
    mark = audit_log.mark()
    r = playbook(pv_task(**task))
    assert r["pv"]["changed"] is False
    assert admin_requests(mark.entries(), names, namespace) == [("list", "persistentvolumeclaims")]
    mark = audit_log.mark()
    r = playbook(pv_task(volumes=[{"name": v["name"], "state": "absent"} for v in task["volumes"]]))
    assert r["pv"]["changed"] is True
    assert admin_requests(mark.entries(), names, namespace) == [("delete", "persistentvolumes")] * n


def test_a_class_is_created_by_one_apply_kept_by_its_list_and_deleted_without_a_read(
        playbook, storage, uid, audit_log):
    name = "cnt-" + uid
    task = sc_task(name=name, provisioner="in_tree", datastore="LocalDS_0", disk_format="thin")
    r = playbook(task)
    assert r.rc == 0 and r["sc"]["changed"] is True, r

    def requests(log):
        return [(e["verb"], e["objectRef"]["resource"]) for e in log.entries()
                if e.get("stage") == "ResponseComplete" and e.get("user", {}).get("username") == "lab-admin"
                and e.get("objectRef", {}).get("resource") == "storageclasses"]

    assert requests(audit_log) == [("list", "storageclasses"), ("patch", "storageclasses")]
    mark = audit_log.mark()
    assert playbook(task)["sc"]["changed"] is False
    assert requests(mark) == [("list", "storageclasses")]
    mark = audit_log.mark()
    assert playbook(sc_task(name=name, state="absent"))["sc"]["changed"] is True
    assert requests(mark) == [("list", "storageclasses"), ("delete", "storageclasses")]
    assert name not in [c.metadata.name for c in storage.list_storage_class().items]
