"""persistent_volume_migration on the lab (issue 13, volume rewrite): in-tree vsphereVolume PVs bound to claims become
native CSI PVs of the same name for the same VMDK (registered as a First Class Disk, same file, same disk UUID, known
to CNS), the claims Bound again with the same UID; refusals, owners scaled down and restored, check mode writes
nothing, a second run changes nothing, and a run cut between any two steps is completed by the next one.
"""

import json
import os
import re
import sys
import threading
import uuid

import pytest
from pyVmomi import vim

import lab_vsphere
from conftest import ROOT, audit_writes, mutating_soap_calls
from faultproxy import FaultProxy, JsonLines, audit_write, soap_method
# the real CSI controller's fixture (started once for the module, always stopped)
from test_csi_driver_real import csi  # noqa: F401 pylint: disable=unused-import

sys.path.insert(0, os.path.join(ROOT, "lab"))
import labcsi  # noqa: E402

MIGRATE = "vsphere_k8s.cloud_provider.persistent_volume_migration"
VMDK = "vsphere_k8s.cloud_provider.vmdk"
PV = "vsphere_k8s.cloud_provider.persistent_volume"
ANNOTATION = "vsphere-k8s.io/pv-migration"
REPLICAS = "vsphere-k8s.io/pv-migration-replicas"
# where the lab's datastores are: plain, inside the datastore cluster, inside the datastore folder storage-tier
PLACES = {"plain": ("LocalDS_0", "LocalDS_0"), "cluster": ("DatastoreCluster/LocalDS_2", "LocalDS_2"),
          "folder": ("storage-tier/LocalDS_3", "LocalDS_3")}


@pytest.fixture
def ns(kube):
    core, _storage, apps = labcsi.clients(kube)
    name = "mig-" + uuid.uuid4().hex[:6]
    core.create_namespace({"metadata": {"name": name}})
    yield name
    for sts in apps.list_namespaced_stateful_set(name).items:
        apps.delete_namespaced_stateful_set(sts.metadata.name, name)
    for dep in apps.list_namespaced_deployment(name).items:
        apps.delete_namespaced_deployment(dep.metadata.name, name)
    for pod in core.list_namespaced_pod(name).items:
        labcsi.evict(core, name, pod.metadata.name)
    for pv in core.list_persistent_volume().items:  # the objects only (Retain): the lab's disks stay
        if (pv.spec.claim_ref and pv.spec.claim_ref.namespace == name) or pv.metadata.name.startswith(name):
            core.delete_persistent_volume(pv.metadata.name)
    core.delete_namespace(name)


def vc(si):
    content = si.RetrieveContent()
    return content, lab_vsphere.find(si, vim.Datacenter, "DC0")[0]


def disk_uuid(si, real_ds, path):
    content, dc = vc(si)
    return content.virtualDiskManager.QueryVirtualDiskUuid(name="[%s] %s" % (real_ds, path), datacenter=dc)


def file_exists(si, real_ds, path):
    ds = lab_vsphere.find(si, vim.Datastore, real_ds)[0]
    folder, name = path.rsplit("/", 1)
    spec = vim.host.DatastoreBrowser.SearchSpec(matchPattern=[name])
    try:
        res = lab_vsphere.wait(ds.browser.SearchDatastore_Task(
            datastorePath="[%s] %s" % (real_ds, folder), searchSpec=spec))
    except RuntimeError:
        return False
    return any(f.path == name for f in res.file or [])


def cns_volume(si, fcd_id):
    """The CNS volume of a First Class Disk as CnsQueryVolume answers it (XML text), or None."""
    body = '<filter xsi:type="CnsQueryFilter"><volumeIds><id>%s</id></volumeIds></filter>' % fcd_id
    status, data = labcsi._post(si, "/vsanHealth", labcsi.SOAP.format(method="CnsQueryVolume", body=body))
    assert status == 200, data[:500]
    vols = re.findall(r"<volumes>(.*?)</volumes>", data, re.S)
    return vols[0] if vols else None


def fcd_of_file(si, real_ds, path):
    content, _dc = vc(si)
    ds = lab_vsphere.find(si, vim.Datastore, real_ds)[0]
    vsom = content.vStorageObjectManager
    out = []
    for i in vsom.ListVStorageObject(datastore=ds) or []:
        obj = vsom.RetrieveVStorageObject(id=i, datastore=ds)
        if obj.config.backing.filePath == "[%s] %s" % (real_ds, path):
            out.append(obj)
    return out


def make_volumes(playbook, ns, places=("plain",), policy="Delete"):
    """In-tree PVs (persistent_volume provisioner in_tree) on new disks, each bound to a claim of ns."""
    out = []
    disks, vols = [], []
    for i, place in enumerate(places):
        shown, real = PLACES[place]
        path = "kubevols/%s-%d.vmdk" % (ns, i)
        pv_name = "%s-pv-%d" % (ns, i)
        disks.append({"path": "[%s] %s" % (shown, path), "size": "64Mi"})
        vols.append({"name": pv_name, "path": "[%s] %s" % (shown, path), "claim": {"namespace": ns, "name": "data-%d" % i}})
        out.append(dict(pv=pv_name, claim="data-%d" % i, shown=shown, real=real, path=path))
    r = playbook([{"name": "disks", VMDK: {"disks": disks}},
                  {"name": "pvs", PV: {"provisioner": "in_tree", "reclaim_policy": policy, "fstype": "xfs",
                                       "volumes": vols, "wait": True, "vcenter": {}}}])
    assert r.rc == 0, r
    return out


def migrate(playbook, names, check=False, diff=False, env=None, **opts):
    task = dict(names=names, datacenter="DC0", cluster_id="lab-cluster", timeout=60, **opts)
    return playbook([{"name": "migrate", MIGRATE: task}], check=check, diff=diff, env=env)


def assert_migrated(kube, si, ns, v, claim_uid, before_uuid):
    core = labcsi.clients(kube)[0]
    pv = core.read_persistent_volume(v["pv"])
    assert pv.spec.vsphere_volume is None
    assert pv.spec.csi.driver == "csi.vsphere.vmware.com"
    assert pv.spec.csi.fs_type == "xfs"
    assert pv.spec.persistent_volume_reclaim_policy == "Retain"
    assert pv.spec.claim_ref.uid == claim_uid and pv.spec.claim_ref.name == v["claim"]
    fcd = labcsi.fcd(si, pv.spec.csi.volume_handle)
    assert fcd is not None, "the volume handle is no First Class Disk"
    assert fcd.config.backing.filePath == "[%s] %s" % (v["real"], v["path"])  # the same file
    assert disk_uuid(si, v["real"], v["path"]) == before_uuid                  # the same disk UUID
    assert cns_volume(si, pv.spec.csi.volume_handle) is not None, "CNS does not know the volume"
    labcsi.wait("claim Bound", lambda: core.read_namespaced_persistent_volume_claim(v["claim"], ns).status.phase
                == "Bound", timeout=60)
    claim = core.read_namespaced_persistent_volume_claim(v["claim"], ns)
    assert claim.metadata.uid == claim_uid and claim.spec.volume_name == v["pv"]
    assert ANNOTATION not in (claim.metadata.annotations or {})
    return pv


def claim_uids(kube, ns, vols):
    core = labcsi.clients(kube)[0]
    return {v["pv"]: core.read_namespaced_persistent_volume_claim(v["claim"], ns).metadata.uid for v in vols}


def test_in_tree_volumes_on_a_cluster_member_a_folder_datastore_and_a_plain_one_become_csi_volumes_of_the_same_disk(
        playbook, kube, vsphere, ns, vcsim_trace, audit_log):
    vols = make_volumes(playbook, ns, ("plain", "cluster", "folder"))
    uids = claim_uids(kube, ns, vols)
    uuids = {v["pv"]: disk_uuid(vsphere, v["real"], v["path"]) for v in vols}
    names = [v["pv"] for v in vols]

    # check mode: what would change, nothing written (vcsim trace, apiserver audit log)
    vcsim_trace.mark()
    audit_log.mark()
    r = migrate(playbook, names, check=True, diff=True)
    assert r.rc == 0, r
    res = r["migrate"]
    assert res["changed"] is True
    assert [v["state"] for v in res["volumes"]] == ["migrated"] * 3
    assert all("fcd" in v["steps"] and "delete" in v["steps"] for v in res["volumes"])
    assert [v["volume_path"] for v in res["volumes"]] == ["[%s] %s" % (v["shown"], v["path"]) for v in vols]
    assert len(res["diff"]["after"]) == 3 and res["diff"]["after"][1]["spec"]["csi"]["fsType"] == "xfs"
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []
    core = labcsi.clients(kube)[0]
    assert all(core.read_persistent_volume(n).spec.vsphere_volume for n in names)

    vcsim_trace.mark()
    r = migrate(playbook, names)
    assert r.rc == 0, r["migrate"].get("msg")
    entries = vcsim_trace.entries()
    res = r["migrate"]
    assert res["changed"] is True
    for v, got in zip(vols, res["volumes"]):
        assert got["state"] == "migrated", got
        assert got["claim"] == {"namespace": ns, "name": v["claim"]}
        assert got["disk_uuid"]
        pv = assert_migrated(kube, vsphere, ns, v, uids[v["pv"]], uuids[v["pv"]])
        assert got["fcd_id"] == pv.spec.csi.volume_handle
        assert file_exists(vsphere, v["real"], v["path"])
    # vCenter saw registrations only: no disk created, copied, moved or deleted (the same files, not new ones)
    assert sorted(e["method"] for e in mutating_soap_calls(entries)) == ["RegisterDisk"] * 3
    # each registration, then CNS read back for its outcome (the task's result is of the vsan API)
    assert [e["method"] for e in entries if e.get("method", "").startswith("Cns")] == [
        "CnsCreateVolume", "CnsQueryVolume"] * 3

    # a second run: nothing to do
    vcsim_trace.mark()
    audit_log.mark()
    again = migrate(playbook, names)
    assert again.rc == 0, again
    assert again["migrate"]["changed"] is False
    assert [v["state"] for v in again["migrate"]["volumes"]] == ["already_csi"] * 3
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []


def test_the_reclaim_policy_is_retain_before_anything_else_and_the_old_object_goes_only_after_the_record(
        playbook, kube, ns, audit_log):
    (v,) = make_volumes(playbook, ns, policy="Delete")
    audit_log.mark()
    r = migrate(playbook, [v["pv"]])
    assert r.rc == 0, r
    writes = [(e["verb"], e["objectRef"]["resource"], e["requestURI"]) for e in audit_writes(audit_log.entries())]
    kinds = [(verb, res) for verb, res, _uri in writes]
    assert kinds[0] == ("patch", "persistentvolumes"), writes          # Retain first
    rec = kinds.index(("patch", "persistentvolumeclaims"))
    delete = kinds.index(("delete", "persistentvolumes"))
    create = kinds.index(("create", "persistentvolumes"))
    assert rec < delete < create, writes


def test_a_pv_that_is_unknown_not_in_tree_or_without_its_disk_is_refused_with_its_reason_and_the_others_are_done(
        playbook, kube, vsphere, ns):
    a, b = make_volumes(playbook, ns, ("plain", "plain"))
    core = labcsi.clients(kube)[0]
    # b's disk goes away behind Kubernetes' back (the test does it; the module never deletes a disk)
    content, dc = vc(vsphere)
    task = content.virtualDiskManager.DeleteVirtualDisk_Task(name="[LocalDS_0] %s" % b["path"], datacenter=dc)
    assert labcsi.task_outcome(vsphere, task, "deleting the disk")["state"] == "success"
    core.create_persistent_volume({"metadata": {"name": ns + "-nfs"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "nfs": {"server": "nfs.example", "path": "/x"}}})
    r = migrate(playbook, [a["pv"], b["pv"], ns + "-nfs", ns + "-nothing"])
    assert r.rc != 0
    res = r["migrate"]
    assert "Traceback" not in r.stdout + r.stderr
    states = {v["name"]: (v["state"], v["reason"]) for v in res["volumes"]}
    assert states[a["pv"]][0] == "migrated"
    assert states[b["pv"]][0] == "refused" and "does not exist" in states[b["pv"]][1], states
    assert states[ns + "-nfs"][0] == "refused" and "not an in-tree" in states[ns + "-nfs"][1]
    assert states[ns + "-nothing"][0] == "refused" and "does not exist" in states[ns + "-nothing"][1]
    for word in (b["pv"], ns + "-nfs", ns + "-nothing", "refused"):
        assert word in res["msg"]
    assert core.read_persistent_volume(b["pv"]).spec.vsphere_volume is not None   # left as it was


@pytest.mark.parametrize("names, words", [
    ([], ["names"]),
    (["Not_A_Name"], ["names[0]", "Not_A_Name"]),
    (["a", "a"], ["twice"]),
    (["ok", "x" * 300], ["names[1]", "253"]),
])
def test_bad_names_fail_before_anything_is_read(playbook, names, words, vcsim_trace, audit_log):
    r = migrate(playbook, names)
    assert r.rc != 0
    msg = r["migrate"]["msg"]
    assert "Traceback" not in r.stdout + r.stderr
    for w in words:
        assert w in msg, msg
    assert [e for e in vcsim_trace.entries() if e.get("kind") == "soap"] == []
    assert audit_log.entries() == [] or audit_writes(audit_log.entries()) == []


def test_empty_datacenter_or_cluster_id_and_a_bad_timeout_are_refused(playbook, vcsim_trace):
    r = playbook([{"name": "migrate", MIGRATE: dict(names=["a"], datacenter=" ", cluster_id="", timeout=0)}])
    assert r.rc != 0
    msg = r["migrate"]["msg"]
    for w in ("datacenter", "cluster_id", "timeout"):
        assert w in msg
    assert [e for e in vcsim_trace.entries() if e.get("kind") == "soap"] == []


def test_a_disk_still_attached_to_a_vm_with_no_pod_on_its_claim_is_refused_and_nothing_is_written(
        playbook, ns, vcsim_trace, audit_log):
    (v,) = make_volumes(playbook, ns, ("plain",))
    path = "[%s] %s" % (v["shown"], v["path"])
    att = {"node": "k8s-worker-3", "path": path, "add_controller": True}
    r = playbook([{"name": "attach", "vsphere_k8s.cloud_provider.vmdk_attachment": att}])
    assert r.rc == 0, r
    try:
        vcsim_trace.mark()
        audit_log.mark()
        r = migrate(playbook, [v["pv"]])
        assert r.rc != 0
        got = r["migrate"]["volumes"][0]
        assert got["state"] == "refused" and "attached to VM k8s-worker-3" in got["reason"], got
        assert mutating_soap_calls(vcsim_trace.entries()) == []
        assert audit_writes(audit_log.entries()) == []
    finally:
        r = playbook([{"name": "detach", "vsphere_k8s.cloud_provider.vmdk_attachment": dict(att, state="absent", force=True)}])
        assert r.rc == 0, r


def statefulset(ns, name, claim):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": ns},
            "spec": {"serviceName": name, "replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {
                         "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
                         "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}}}}


def deployment_pod(kube, ns, name, claim, replicas=2):
    """A Deployment with a ReplicaSet and a pod as the (absent from the lab) deployment and replicaset controllers
    would make them; returns the pod name."""
    core, _storage, apps = labcsi.clients(kube)
    labels = {"app": name}
    tmpl = {"metadata": {"labels": labels}, "spec": {
        "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}}
    dep = apps.create_namespaced_deployment(ns, {"metadata": {"name": name}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": labels}, "template": tmpl}})
    rs = apps.create_namespaced_replica_set(ns, {"metadata": {"name": name + "-rs", "labels": labels, "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": dep.metadata.uid, "controller": True}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": tmpl}})
    pod = dict(tmpl, metadata={"name": name + "-pod", "labels": labels, "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs.metadata.name, "uid": rs.metadata.uid,
         "controller": True}]})
    core.create_namespaced_pod(ns, pod)
    return name + "-pod"


def play_deployment_controller(kube, ns, name, pod, stop):
    """The deployment controller's part: once the Deployment is scaled to 0, its pod is deleted."""
    core, _storage, apps = labcsi.clients(kube)
    while not stop.is_set():
        if apps.read_namespaced_deployment(name, ns).spec.replicas == 0:
            labcsi.evict(core, ns, pod)
            return
        stop.wait(0.2)


def test_a_volume_in_use_is_refused_without_scale_down_owners_and_nothing_is_written(playbook, kube, ns, vcsim_trace,
                                                                                     audit_log):
    (v,) = make_volumes(playbook, ns)
    pod = deployment_pod(kube, ns, "app", v["claim"])
    vcsim_trace.mark()
    audit_log.mark()
    r = migrate(playbook, [v["pv"]])
    assert r.rc != 0
    got = r["migrate"]["volumes"][0]
    assert got["state"] == "refused" and "in use" in got["reason"] and pod in got["reason"]
    assert "scale_down_owners" in got["reason"]
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert audit_writes(audit_log.entries()) == []


def test_with_scale_down_owners_a_deployment_and_a_statefulset_are_scaled_down_and_restored(
        playbook, kube, vsphere, ns):
    a, b = make_volumes(playbook, ns, ("plain", "cluster"))
    uids = claim_uids(kube, ns, [a, b])
    uuids = {v["pv"]: disk_uuid(vsphere, v["real"], v["path"]) for v in (a, b)}
    core, _storage, apps = labcsi.clients(kube)
    pod = deployment_pod(kube, ns, "app", a["claim"], replicas=2)
    apps.create_namespaced_stateful_set(ns, statefulset(ns, "db", b["claim"]))
    labcsi.wait("the StatefulSet's pod", lambda: labcsi._get_pod(core, ns, "db-0"), timeout=60)
    stop = threading.Event()
    t = threading.Thread(target=play_deployment_controller, args=(kube, ns, "app", pod, stop), daemon=True)
    t.start()
    try:
        r = migrate(playbook, [a["pv"], b["pv"]], scale_down_owners=True)
    finally:
        stop.set()
        t.join(5)
    assert r.rc == 0, r
    res = r["migrate"]["volumes"]
    assert res[0]["scaled_down"] == ["Deployment/%s/app" % ns]
    assert res[1]["scaled_down"] == ["StatefulSet/%s/db" % ns]
    for v in (a, b):
        assert_migrated(kube, vsphere, ns, v, uids[v["pv"]], uuids[v["pv"]])
    dep = apps.read_namespaced_deployment("app", ns)
    sts = apps.read_namespaced_stateful_set("db", ns)
    assert dep.spec.replicas == 2 and sts.spec.replicas == 1
    assert REPLICAS not in (dep.metadata.annotations or {}) and REPLICAS not in (sts.metadata.annotations or {})


# -- a run cut between two steps is completed by the next ------------------------------------------------------
def kube_env_through(proxy_port, tmp_path):
    """A kubeconfig whose server is the proxy (the lab certificate names 127.0.0.1 whatever the port)."""
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        text = f.read()
    text = re.sub(r"server: https://127\.0\.0\.1:\d+", "server: https://127.0.0.1:%d" % proxy_port, text)
    path = tmp_path / "kubeconfig-proxy"
    path.write_text(text)
    return {"K8S_AUTH_KUBECONFIG": str(path)}


def apiserver_port():
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        return int(re.search(r"server: https://127\.0\.0\.1:(\d+)", f.read()).group(1))


def assert_resumed(playbook, kube, vsphere, ns, v, uid, before_uuid):
    r = migrate(playbook, [v["pv"]], scale_down_owners=True)
    assert r.rc == 0, r
    assert r["migrate"]["volumes"][0]["state"] == "migrated"
    pv = assert_migrated(kube, vsphere, ns, v, uid, before_uuid)
    assert file_exists(vsphere, v["real"], v["path"])
    assert len(fcd_of_file(vsphere, v["real"], v["path"])) == 1   # the First Class Disk of the first run, reused
    again = migrate(playbook, [v["pv"]])
    assert again.rc == 0 and again["migrate"]["changed"] is False, again
    return pv


def test_vcenter_cut_after_the_fcd_registration_before_the_pv_delete_the_next_run_completes(
        playbook, kube, vsphere, ns, audit_log):
    (v,) = make_volumes(playbook, ns, ("folder",))
    uid = claim_uids(kube, ns, [v])[v["pv"]]
    before = disk_uuid(vsphere, v["real"], v["path"])
    trace = JsonLines(os.environ["LAB_VCSIM_TRACE"])
    with FaultProxy(int(os.environ["VMWARE_PORT"])) as proxy:
        # the request after RegisterDisk (the CNS query or registration) never reaches vCenter
        proxy.cut_when(lambda: trace.count(soap_method("RegisterDisk")) >= 1)
        r = migrate(playbook, [v["pv"]], env={"VMWARE_PORT": str(proxy.port)})
    assert r.rc != 0
    assert "Traceback" not in r.stdout + r.stderr
    assert "run again" in r["migrate"]["msg"].lower() or "again" in r["migrate"]["msg"]
    core = labcsi.clients(kube)[0]
    old = core.read_persistent_volume(v["pv"])
    assert old.spec.vsphere_volume is not None                          # not deleted
    assert old.spec.persistent_volume_reclaim_policy == "Retain"
    assert len(fcd_of_file(vsphere, v["real"], v["path"])) == 1
    assert_resumed(playbook, kube, vsphere, ns, v, uid, before)


def test_apiserver_cut_after_the_pv_delete_before_the_create_the_next_run_creates_it_from_the_claims_record(
        playbook, kube, vsphere, ns, tmp_path):
    (v,) = make_volumes(playbook, ns, ("cluster",))
    uid = claim_uids(kube, ns, [v])[v["pv"]]
    before = disk_uuid(vsphere, v["real"], v["path"])
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    with FaultProxy(apiserver_port()) as proxy:
        proxy.cut_when(lambda: audit.count(lambda e: audit_write("persistentvolumes", ("delete",))(e)
                                           and v["pv"] in e.get("requestURI", "")) >= 1)
        r = migrate(playbook, [v["pv"]], env=kube_env_through(proxy.port, tmp_path))
    assert r.rc != 0
    assert "Traceback" not in r.stdout + r.stderr
    core = labcsi.clients(kube)[0]
    # the old object is going or gone, the claim holds the replacement
    claim = core.read_namespaced_persistent_volume_claim(v["claim"], ns)
    rec = json.loads(claim.metadata.annotations[ANNOTATION])
    assert rec["pv"]["metadata"]["name"] == v["pv"] and rec["pv"]["spec"]["claimRef"]["uid"] == uid
    assert file_exists(vsphere, v["real"], v["path"])
    assert_resumed(playbook, kube, vsphere, ns, v, uid, before)


def test_apiserver_cut_after_the_scale_down_the_next_run_completes_and_restores_the_replicas(
        playbook, kube, vsphere, ns, tmp_path):
    (v,) = make_volumes(playbook, ns, ("plain",))
    uid = claim_uids(kube, ns, [v])[v["pv"]]
    before = disk_uuid(vsphere, v["real"], v["path"])
    core, _storage, apps = labcsi.clients(kube)
    apps.create_namespaced_stateful_set(ns, statefulset(ns, "db", v["claim"]))
    labcsi.wait("the StatefulSet's pod", lambda: labcsi._get_pod(core, ns, "db-0"), timeout=60)
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    with FaultProxy(apiserver_port()) as proxy:
        proxy.cut_when(lambda: audit.count(lambda e: audit_write("statefulsets", ("patch",))(e)
                                           and e.get("user", {}).get("username") == "lab-admin") >= 1)
        r = migrate(playbook, [v["pv"]], scale_down_owners=True, env=kube_env_through(proxy.port, tmp_path))
    assert r.rc != 0
    assert "Traceback" not in r.stdout + r.stderr
    sts = apps.read_namespaced_stateful_set("db", ns)
    assert sts.spec.replicas == 0 and json.loads(sts.metadata.annotations[REPLICAS])["replicas"] == 1
    labcsi.wait("the pod gone", lambda: labcsi._get_pod(core, ns, "db-0") is None, timeout=60)
    assert_resumed(playbook, kube, vsphere, ns, v, uid, before)
    sts = apps.read_namespaced_stateful_set("db", ns)
    assert sts.spec.replicas == 1 and REPLICAS not in (sts.metadata.annotations or {})


def test_vcenter_refusing_the_cns_registration_stops_the_run_before_any_kubernetes_change_but_retain_and_the_next_run_completes(
        playbook, kube, vsphere, ns):
    (v,) = make_volumes(playbook, ns, ("plain",))
    uid = claim_uids(kube, ns, [v])[v["pv"]]
    before = disk_uuid(vsphere, v["real"], v["path"])
    with open(os.environ["LAB_VCSIM_FAULTS"], "w") as f:   # vCenter refuses the next registration: the run stops
        json.dump({"CnsCreateVolume": "NotSupported"}, f)
    try:
        r = migrate(playbook, [v["pv"]])
    finally:
        os.remove(os.environ["LAB_VCSIM_FAULTS"])
    assert r.rc != 0 and "Traceback" not in r.stdout + r.stderr
    core = labcsi.clients(kube)[0]
    assert core.read_persistent_volume(v["pv"]).spec.vsphere_volume is not None
    assert_resumed(playbook, kube, vsphere, ns, v, uid, before)


# -- the real CSI driver attaches a rewritten volume -----------------------------------------------------------
def test_the_real_csi_driver_attaches_the_rewritten_volume_to_a_pod_node_with_the_disks_own_file_and_uuid(
        playbook, vsphere, ns, csi):  # pylint: disable=redefined-outer-name
    """The lab's vSphere CSI controller (upstream v3.7.0 with its attacher, `lab/lab.sh csi start`, as the
    csi_driver role installed it) attaches the migrated volume for a pod: the disk on the node VM is the original
    file with its own disk UUID, and the attacher's publish context says that UUID."""
    core, storage, _apps = csi
    (v,) = make_volumes(playbook, ns, ("folder",))
    before = disk_uuid(vsphere, v["real"], v["path"])
    r = migrate(playbook, [v["pv"]])
    assert r.rc == 0, r["migrate"].get("msg")
    fcd_id = r["migrate"]["volumes"][0]["fcd_id"]
    node = "k8s-worker-1"
    core.create_namespaced_pod(ns, {"metadata": {"name": "app"}, "spec": {
        "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": v["claim"]}}]}})
    labcsi.schedule(core, ns, "app", node)
    try:
        va = labcsi.wait_attached(storage, v["pv"], node)
        on_vms = labcsi.disks_by_fcd(vsphere).get(fcd_id, [])
        assert [vm for vm, _f, _u in on_vms] == [node], on_vms
        (_vm, file_name, attached_uuid) = on_vms[0]
        assert file_name == "[%s] %s" % (v["real"], v["path"])
        assert attached_uuid == before
        assert va.status.attachment_metadata["diskUUID"].replace("-", "").lower() == before.replace("-", "").lower()
    finally:
        labcsi.evict(core, ns, "app")
        labcsi.unmounted(core, node)
        labcsi.wait_detached(storage, v["pv"], node)
    assert file_exists(vsphere, v["real"], v["path"])


def register_fcd(si, v):
    """The volume's vmdk registered as a First Class Disk beforehand (RegisterDisk, as an operator may have done)."""
    content, _dc = vc(si)
    url = "https://%s/folder/%s?dcPath=DC0&dsName=%s" % (os.environ["VMWARE_HOST"], v["path"], v["real"])
    return content.vStorageObjectManager.RegisterDisk(path=url, name=v["pv"])


def test_the_cns_lookup_of_many_volumes_is_one_cns_query_and_a_registered_disk_reports_its_real_capacity(
        playbook, kube, vsphere, ns, vcsim_trace):
    vols = make_volumes(playbook, ns, places=("plain", "cluster", "folder"))
    fcds = [register_fcd(vsphere, v) for v in vols]
    # vCenter reads the disk's size from its vmdk (64 MiB): the First Class Disk says so
    assert [f.config.capacityInMB for f in fcds] == [64] * 3
    names = [v["pv"] for v in vols]

    vcsim_trace.mark()
    r = migrate(playbook, names, check=True)
    assert r.rc == 0, r
    assert [v["steps"] for v in r["migrate"]["volumes"]] == [["retain", "cns", "record", "delete", "create",
                                                             "finish"]] * 3, r["migrate"]["volumes"]
    queries = [e for e in vcsim_trace.entries() if e.get("method") == "CnsQueryVolume"]
    assert len(queries) == 1, "one CnsQueryVolume for the 3 volumes, not one per volume"

    r = migrate(playbook, names)
    assert r.rc == 0, r["migrate"].get("msg")
    for v, fcd in zip(vols, fcds):
        assert r["migrate"]["volumes"][names.index(v["pv"])]["fcd_id"] == fcd.config.id.id
        assert [f.config.capacityInMB for f in fcd_of_file(vsphere, v["real"], v["path"])] == [64]
        volume = cns_volume(vsphere, fcd.config.id.id)
        assert volume is not None and "<capacityInMb>64</capacityInMb>" in volume, volume
