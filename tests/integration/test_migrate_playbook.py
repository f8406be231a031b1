"""playbooks/migrate.yml -e migrate_apply=true on a cluster bootstrapped in_tree: refused while the plan has blockers;
an apply cut off by the apiserver leaves the in-tree config in place and the next run completes it; then the nodes
are external (flags, static pods, vsphere.conf removed last), the CSI driver has csi-migration and
migration-datastore-url, the in-tree class is its CSI equivalent, the real cloud controller initializes the Nodes
with their providerIDs unchanged, and a second apply changes nothing. Last, the volumes are rewritten end to end.

The tests of this file run in order on one cluster (built by the first)."""

import base64
import os
import subprocess
import sys
import threading

import pytest
import yaml

import migration_site as site
from conftest import ROOT, audit_writes, mutating_soap_calls
from faultproxy import JsonLines, audit_write
from test_faults import apiserver_proxy  # noqa: F401 pylint: disable=unused-import

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import disk_key

sys.path.insert(0, os.path.join(ROOT, "lab"))
import labcsi  # noqa: E402  pylint: disable=wrong-import-position

PLAN_TASK = "Plan the migration (reads the cluster and vCenter, writes nothing)"
CONF = "etc/kubernetes/vsphere.conf"
_state = {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    return {"node_root": str(tmp_path_factory.mktemp("nodes"))}


def apply(playbook, cluster, extra=None, **kw):
    return site.run_migrate(playbook, cluster["node_root"], dict({"migrate_apply": True}, **(extra or {})), **kw)


def node_file(cluster, node, rel):
    return os.path.join(cluster["node_root"], node, rel)


def changed(r):
    return {h: s["changed"] for h, s in r.all_stats.items()}


def failures(r):
    """(task, host, message) of every failed task of a run."""
    return [(t["task"]["name"], h, res.get("msg")) for t in (r.data or {"plays": [{"tasks": []}]})["plays"][0]["tasks"]
            for h, res in t["hosts"].items() if res.get("_status") == "failed"] or r.stderr[-2000:]


def test_apply_is_refused_while_the_plan_has_blockers(playbook, kube, vsphere, cluster, audit_log, vcsim_trace):
    _state["provider_ids"] = site.build(playbook, kube, vsphere, cluster["node_root"])
    audit_log.mark()
    vcsim_trace.mark()
    r = apply(playbook, cluster)
    assert r.rc != 0
    failed = r["The apply has no blocker, and every volume to rewrite is an in-tree PV without one"]
    assert "Nothing was changed." in failed["msg"]
    assert "StorageClass mig-thick has diskformat eagerzeroedthick" in failed["msg"]
    assert "StorageClass mig-vsan sets raw vSAN capabilities (hostfailurestotolerate, objectspacereservation)" in \
        failed["msg"]
    assert audit_writes(audit_log.entries()) == [] and mutating_soap_calls(vcsim_trace.entries()) == []
    assert all(os.path.exists(node_file(cluster, n, CONF)) for n in site.NODES)


def test_an_apply_cut_off_by_the_apiserver_keeps_vsphere_conf_and_the_next_run_completes(
        playbook, kube, cluster, apiserver_proxy):  # noqa: F811
    import kubernetes
    storage = kubernetes.client.StorageV1Api(kube)
    for name in ("mig-thick", "mig-vsan"):  # the blockers of the apply gone
        storage.delete_storage_class(name)
    env = {"K8S_AUTH_KUBECONFIG": apiserver_proxy.kubeconfig}
    audit = JsonLines(os.environ["LAB_AUDIT_LOG"])
    apiserver_proxy.cut_when(lambda: audit.count(audit_write()) >= 1)  # at the CSI driver's first write
    r = apply(playbook, cluster, env=env)
    assert r.rc != 0 and apiserver_proxy.cuts == 1, r
    # the in-tree provider still serves: its config is removed last, and the run stopped before
    assert all(os.path.exists(node_file(cluster, n, CONF)) for n in site.NODES)
    with open(node_file(cluster, "k8s-worker-1", "etc/default/kubelet")) as f:
        assert "--cloud-provider=vsphere" in f.read()
    apiserver_proxy.resume()
    again = apply(playbook, cluster, env=env)
    assert again.rc == 0, failures(again)
    _state["resumed"] = again


def test_the_switch_leaves_nodes_external_with_csi_migration_and_the_in_tree_config_removed_last(kube, cluster):
    import kubernetes
    r = _state["resumed"]
    plan = r[PLAN_TASK]["plan"]
    for n in site.NODES:
        with open(node_file(cluster, n, "etc/default/kubelet")) as f:
            assert f.read().strip() == "KUBELET_EXTRA_ARGS=--cloud-provider=external"
        assert not os.path.exists(node_file(cluster, n, CONF))
        with open(node_file(cluster, n, "kubelet-restarts")) as f:
            assert f.read().count("kubelet restarted") >= 1
    for pod in ("kube-apiserver", "kube-controller-manager"):
        with open(node_file(cluster, "k8s-cp-1", "etc/kubernetes/manifests/%s.yaml" % pod)) as f:
            m = yaml.safe_load(f)
        assert m["spec"]["containers"][0]["command"] == [pod, "--v=2"]
        assert m["spec"]["volumes"] == [{"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki"}}]
        assert m["spec"]["containers"][0]["volumeMounts"] == [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki"}]
    # vsphere.conf went in the last play of the run, after the CSI driver, the cloud controller and the classes
    done = [(t["task"]["name"], h) for t in r.data["plays"][0]["tasks"] for h, res in t["hosts"].items()
            if res.get("changed")]
    removed = [i for i, (name, _h) in enumerate(done) if name.endswith("Remove the in-tree vsphere.conf")]
    assert sorted(done[i][1] for i in removed) == site.NODES
    assert min(removed) > max(i for i, (name, _h) in enumerate(done) if name == "Convert the classes without blockers")
    assert len(done) - 1 in removed and all(i in removed for i in range(min(removed), len(done)))
    core = kubernetes.client.CoreV1Api(kube)
    fss = core.read_namespaced_config_map("internal-feature-states.csi.vsphere.vmware.com", "vmware-system-csi").data
    assert fss["csi-migration"] == "true"
    text = base64.b64decode(core.read_namespaced_secret("vsphere-config-secret", "vmware-system-csi").data[
        "csi-vsphere.conf"]).decode()
    vc = parse(text)[("VirtualCenter", os.environ["VMWARE_HOST"])]
    assert vc["migration-datastore-url"] == plan["migration_datastore_url"]
    assert plan["migration_datastore_url"].endswith("DC0-LocalDS_0")
    apps = kubernetes.client.AppsV1Api(kube)
    apps.read_namespaced_daemon_set("vsphere-cloud-controller-manager", "kube-system")
    sc = kubernetes.client.StorageV1Api(kube).read_storage_class("vsphere-legacy")
    assert sc.provisioner == "csi.vsphere.vmware.com"
    assert sc.parameters == {"datastoreurl": plan["storage_classes"][0]["csi_parameters"]["datastoreurl"]}
    assert sc.parameters["datastoreurl"].endswith("DC0-LocalDS_2")


def test_the_real_cloud_controller_initializes_the_nodes_with_unchanged_provider_ids(kube):
    import kubernetes
    run = subprocess.run(["bash", os.path.join(ROOT, "lab", "lab.sh"), "ccm"], capture_output=True, text=True,
                         timeout=900, check=False, env=dict(os.environ, LAB_CCM_WAIT="60"))
    assert run.returncode == 0, run.stderr[-3000:]
    core = kubernetes.client.CoreV1Api(kube)
    plan = _state["resumed"][PLAN_TASK]["plan"]
    after = {n["name"]: n["provider_id"]["after"] for n in plan["mode_switch"]["nodes"]}
    for name in site.NODES:
        node = core.read_node(name)
        assert node.spec.provider_id == _state["provider_ids"][name] == after[name]
        assert not any(t.key == "node.cloudprovider.kubernetes.io/uninitialized" for t in node.spec.taints or [])
        assert node.metadata.labels.get("topology.kubernetes.io/zone") in ("zone-a", "zone-b")


def test_a_second_apply_changes_nothing(playbook, cluster):
    r = apply(playbook, cluster)
    assert r.rc == 0, r
    assert set(changed(r).values()) == {0}, changed(r)
    plan = r[PLAN_TASK]["plan"]
    assert plan["mode_switch"]["mode"] == "external" and plan["storage_classes"] == []
    assert plan["mode_switch"]["csi"]["csi_migration"] == "true" and plan["mode_switch"]["cpi"]["installed"]


# Needs the module persistent_volume_migration (branch migvol, merged into this branch).
def test_volumes_rewritten_end_to_end_are_csi_pvs_of_the_same_disks_bound_to_the_same_claims(
        playbook, kube, vsphere, cluster):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    apps = kubernetes.client.AppsV1Api(kube)
    try:
        # the volume blockers gone: the wrong attachment undone, the volume whose disk is missing deleted
        r = playbook(site.CLEANUP.split("- name: classes", maxsplit=1)[0])
        assert r.rc == 0, r
        site.delete_volume(kube, "mig-missing-0", "data-mig-missing-0")
        content = vsphere.RetrieveContent()
        dc = next(d for d in content.rootFolder.childEntity if d.name == "DC0")
        vdm = content.virtualDiskManager
        before = {}
        for pv in core.list_persistent_volume().items:
            if pv.spec.vsphere_volume:
                path = "[%s] %s" % tuple(disk_key(pv.spec.vsphere_volume.volume_path))
                before[pv.metadata.name] = (pv.spec.claim_ref.namespace, pv.spec.claim_ref.name, path,
                                            vdm.QueryVirtualDiskUuid(name=path, datacenter=dc))
        assert sorted(before) == ["demo-legacy-0", "mig-folder-0", "mig-wrong-0"]
        stop = threading.Event()
        kubelet = threading.Thread(target=play_kubelet, args=(kube, stop), daemon=True)
        kubelet.start()
        try:
            r = apply(playbook, cluster, {"migrate_volumes": "all", "migrate_scale_down": True})
        finally:
            stop.set()
            kubelet.join(10)
        assert r.rc == 0, failures(r)
        for name, (ns, claim, path, uuid) in before.items():
            pv = core.read_persistent_volume(name)
            assert pv.spec.vsphere_volume is None and pv.spec.csi.driver == "csi.vsphere.vmware.com"
            labcsi.wait("claim %s Bound" % claim, lambda c=claim, n=ns: core.read_namespaced_persistent_volume_claim(
                c, n).status.phase == "Bound", timeout=60)
            assert core.read_namespaced_persistent_volume_claim(claim, ns).spec.volume_name == name
            fcd = labcsi.fcd(vsphere, pv.spec.csi.volume_handle)
            assert fcd is not None and fcd.config.backing.filePath == path  # the volume handle is the file's FCD
            assert vdm.QueryVirtualDiskUuid(name=path, datacenter=dc) == uuid
        for name in site.WORKLOADS:
            assert apps.read_namespaced_stateful_set(name, site.NS).spec.replicas == 1
        again = apply(playbook, cluster, {"migrate_volumes": "all"})
        assert again.rc == 0 and set(changed(again).values()) == {0}, changed(again)
    finally:
        site.cleanup(playbook, kube)
        for name in ("vsphere-legacy",):
            try:
                kubernetes.client.StorageV1Api(kube).delete_storage_class(name)
            except kubernetes.client.ApiException:
                pass


def play_kubelet(kube, stop):
    """The kubelet's part (the lab has none): a pod being deleted on a node is confirmed gone."""
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    while not stop.is_set():
        for pod in core.list_namespaced_pod(site.NS).items:
            if pod.metadata.deletion_timestamp and pod.spec.node_name:
                labcsi.evict(core, site.NS, pod.metadata.name)
        stop.wait(0.3)
