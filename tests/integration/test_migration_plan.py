"""playbooks/migrate.yml without migrate_apply: the plan of a cluster bootstrapped in_tree, checked exactly, written
as plan.json and plan.md, and nothing written to vCenter, the cluster or the nodes."""

import os
import sys

import pytest

import migration_site as site
from conftest import ROOT, audit_writes, mutating_soap_calls

sys.path.insert(0, os.path.join(ROOT, "lab"))
import labcsi  # noqa: E402  pylint: disable=wrong-import-position

EXPECTED_BLOCKERS = [
    ("storage_classes.disk_format", "StorageClass", "mig-thick"),
    ("storage_classes.vsan_capabilities", "StorageClass", "mig-vsan"),
    ("volumes.attached_elsewhere", "PersistentVolume", "mig-wrong-0"),
    ("volumes.disk_missing", "PersistentVolume", "mig-missing-0"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    return {"node_root": str(tmp_path_factory.mktemp("nodes"))}


def test_plan_of_an_in_tree_cluster_names_every_blocker_and_change_and_writes_nothing(
        playbook, kube, vsphere, cluster, tmp_path, audit_log, vcsim_trace):
    node_root = cluster["node_root"]
    try:
        provider_ids = site.build(playbook, kube, vsphere, node_root)
        files_before = {n: sorted(os.listdir(os.path.join(node_root, n, "etc/kubernetes"))) for n in site.NODES}
        audit_log.mark()
        vcsim_trace.mark()
        report = str(tmp_path / "report")
        r = site.run_migrate(playbook, node_root, {"migrate_report_dir": report})
        assert r.rc == 0, r
        # nothing written: vCenter, the API server, the nodes' files
        assert mutating_soap_calls(vcsim_trace.entries()) == []
        assert audit_writes(audit_log.entries()) == []
        assert {n: sorted(os.listdir(os.path.join(node_root, n, "etc/kubernetes"))) for n in site.NODES} == files_before
        changed = sorted(name for host, tasks in r.by_host.items() for name, t in tasks.items() if t.get("changed"))
        assert changed == ["The report directory", "The reports (JSON, Markdown)"]  # the report files alone
        plan = r["Plan the migration (reads the cluster and vCenter, writes nothing)"]["plan"]
        assert site.load(os.path.join(report, "plan.json")) == plan
        md = site.load(os.path.join(report, "plan.md"))
        check_plan(plan, provider_ids, vsphere)
        check_markdown(md)
        cluster["plan_md"] = md
        print(md)
    finally:
        site.cleanup(playbook, kube)


def check_plan(plan, provider_ids, vsphere):
    assert sorted((b["check"], b["object"]["kind"], b["object"]["name"]) for b in plan["blockers"]) == EXPECTED_BLOCKERS
    # the mode switch: every node's kubelet, the control plane's static pods, vsphere.conf last; providerIDs kept
    m = plan["mode_switch"]
    assert m["mode"] == "in_tree"
    nodes = {n["name"]: n for n in m["nodes"]}
    assert sorted(nodes) == site.NODES
    for name, n in nodes.items():
        assert n["kubelet"]["before"] == ["--cloud-provider=vsphere", "--cloud-config=/etc/kubernetes/vsphere.conf"]
        assert n["kubelet"]["after"] == ["--cloud-provider=external"]
        assert n["files_removed"] == ["/etc/kubernetes/vsphere.conf"]
        assert n["provider_id"]["now"] == provider_ids[name]
        assert n["provider_id"]["after"] == n["provider_id"]["cpi"] == provider_ids[name]
        assert n["provider_id"]["unchanged"] is True
    assert nodes["k8s-cp-1"]["static_pods"] == [
        {"name": pod, "remove_flags": ["--cloud-provider=vsphere", "--cloud-config=/etc/kubernetes/vsphere.conf"],
         "remove_mount": True} for pod in ("kube-apiserver", "kube-controller-manager")]
    assert all(nodes[n]["static_pods"] == [] for n in site.NODES[1:])
    # the classes: the translatable one converted with its datastore's URL; the others blocked
    classes = {c["name"]: c for c in plan["storage_classes"]}
    assert sorted(classes) == ["mig-thick", "mig-vsan", "vsphere-legacy"]
    legacy = classes["vsphere-legacy"]
    assert legacy["action"] == "convert" and legacy["untranslatable"] == []
    assert sorted(legacy["csi_parameters"]) == ["datastoreurl"]
    assert legacy["csi_parameters"]["datastoreurl"].endswith("DC0-LocalDS_2")
    assert legacy["storage_class"]["provisioner"] == "csi"
    assert classes["mig-thick"]["action"] == "blocked"
    assert classes["mig-thick"]["untranslatable"] == ["diskformat eagerzeroedthick"]
    assert classes["mig-thick"]["csi_parameters"]["datastoreurl"].endswith("DC0-LocalDS_1")
    assert classes["mig-vsan"]["untranslatable"] == ["hostfailurestotolerate", "objectspacereservation"]
    # the volumes
    vols = {v["name"]: v for v in plan["volumes"]}
    assert sorted(vols) == ["demo-legacy-0", "mig-folder-0", "mig-missing-0", "mig-wrong-0"]
    assert vols["demo-legacy-0"]["datastore"] == "LocalDS_2" and vols["demo-legacy-0"]["disk_exists"] is True
    assert vols["demo-legacy-0"]["claim"] == {"namespace": "default", "name": "data-legacy-0"}
    assert vols["mig-folder-0"]["datastore"] == "LocalDS_3" and vols["mig-folder-0"]["disk_exists"] is True
    assert vols["mig-folder-0"]["blockers"] == [] and vols["demo-legacy-0"]["blockers"] == []
    assert vols["mig-folder-0"]["pods"] == [{"namespace": "default", "name": "mig-folder-0", "node": "k8s-worker-1"}]
    assert vols["mig-folder-0"]["owners"] == [{"kind": "StatefulSet", "namespace": "default", "name": "mig-folder",
                                              "replicas": 1}]
    # the test's own disks are new: no First Class Disk yet; the inventory's may have been registered by an earlier
    # migration of the lab (then its id is the First Class Disk of that very file)
    assert all(vols[n]["fcd"] == "to register" and vols[n]["fcd_id"] is None for n in site.DISKS)
    legacy = vols["demo-legacy-0"]
    assert legacy["fcd"] == ("registered" if legacy["fcd_id"] else "to register")
    if legacy["fcd_id"]:
        assert labcsi.fcd(vsphere, legacy["fcd_id"]).config.backing.filePath == "[LocalDS_2] kubevols/demo-legacy-0.vmdk"
    assert vols["mig-missing-0"]["disk_exists"] is False
    assert vols["mig-wrong-0"]["attached_to"] == ["k8s-worker-2"]
    wrong = vols["mig-wrong-0"]["blockers"][0]["message"]
    assert "attached to VM k8s-worker-2" in wrong and "Node k8s-worker-1 (VM k8s-worker-1)" in wrong
    assert [(o["kind"], o["name"], o["replicas"]) for o in plan["scale_down"]] == [
        ("StatefulSet", "mig-folder", 1), ("StatefulSet", "mig-wrong", 1)]
    assert [s["id"] for s in plan["steps"]] == ["csi_driver", "cloud_controller", "control_plane", "kubelets",
                                                "storage_classes", "in_tree_config", "volumes"]
    assert plan["migration_datastore_url"].endswith("DC0-LocalDS_0")
    assert plan["vsphere"]["version"] == "8.0.3"


def check_markdown(md):
    assert "# Migration plan: in-tree vSphere provider to CPI + CSI" in md
    assert "**4 blocker(s)**" in md
    for check, kind, name in EXPECTED_BLOCKERS:
        assert "| `%s` | %s %s |" % (check, kind, name) in md
    assert "| vsphere-legacy |" in md and "| convert |" in md
    assert "| StatefulSet | default/mig-wrong | 1 | mig-wrong-0 |" in md
