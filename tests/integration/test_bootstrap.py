"""playbooks/bootstrap.yml against the lab, in external and in-tree mode."""

import base64
import json
import os

import pytest
import yaml

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse
from conftest import ROOT, audit_writes, mutating_soap_calls

BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
NODES = ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"]


@pytest.fixture(scope="module")
def node_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("nodes"))


def run_bootstrap(playbook, node_root, **kw):
    extra = dict(kw.pop("extra_vars", {}), node_config_root=node_root + "/{{ inventory_hostname }}")
    return playbook(path=BOOTSTRAP, inventory=INVENTORY, extra_vars=extra, **kw)


def changed(r):
    return {h: s["changed"] for h, s in r.all_stats.items()}


def test_external_mode_configures_everything_and_a_second_run_changes_nothing(playbook, node_root, kube, vsphere):
    import kubernetes
    r = run_bootstrap(playbook, node_root)
    assert r.rc == 0, r
    core = kubernetes.client.CoreV1Api(kube)
    # The out-of-tree provider: YAML config without credentials, credentials in their own Secret.
    cm = core.read_namespaced_config_map("vsphere-cloud-config", "kube-system").data["vsphere.conf"]
    conf = yaml.safe_load(cm)
    server = os.environ["VMWARE_HOST"]
    assert conf["vcenter"][server]["datacenters"] == ["DC0"] and "password" not in conf["vcenter"][server]
    assert conf["global"]["secretName"] == "vsphere-cloud-secret"
    assert conf["nodes"]["internalNetworkSubnetCidr"] == "10.0.0.0/24"
    creds = core.read_namespaced_secret("vsphere-cloud-secret", "kube-system").data
    assert base64.b64decode(creds["%s.password" % server]).decode() == os.environ["VMWARE_PASSWORD"]
    apps = kubernetes.client.AppsV1Api(kube)
    ds = apps.read_namespaced_daemon_set("vsphere-cloud-controller-manager", "kube-system")
    spec = ds.spec.template.spec
    assert any(t.key == "node.cloudprovider.kubernetes.io/uninitialized" for t in spec.tolerations)
    # The lab runs Kubernetes 1.36: the cloud controller of the 1.36 line, the CSI release that supports 1.36.
    assert spec.containers[0].image == "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.36.0"
    # The CSI driver: csi-vsphere.conf reads back the exact password (with ; # " and \ in it).
    csi = core.read_namespaced_secret("vsphere-config-secret", "vmware-system-csi").data["csi-vsphere.conf"]
    parsed = parse(base64.b64decode(csi).decode())
    assert parsed[("VirtualCenter", server)]["password"] == os.environ["VMWARE_PASSWORD"]
    assert parsed[("Global", None)]["cluster-id"] == "lab-cluster"
    assert parsed[("Labels", None)]["topology-categories"] == "k8s-region,k8s-zone"
    kubernetes.client.StorageV1Api(kube).read_csi_driver("csi.vsphere.vmware.com")
    assert sorted(core.read_namespaced_config_map("internal-feature-states.csi.vsphere.vmware.com",
                                                  "vmware-system-csi").data) == \
        ["high-pv-node-density", "pv-to-backingdiskobjectid-mapping", "trigger-csi-fullsync"]
    controller = apps.read_namespaced_deployment("vsphere-csi-controller", "vmware-system-csi").spec.template.spec
    assert {c.name: c.image for c in controller.containers}["vsphere-csi-controller"] == \
        "registry.k8s.io/csi-vsphere/driver:v3.8.0"
    # Storage: classes, and the static volumes bound to their claims.
    assert core.read_namespaced_persistent_volume_claim("data-pg-0", "default").status.phase == "Bound"
    assert core.read_persistent_volume("demo-legacy-0").spec.vsphere_volume.volume_path == \
        "[DatastoreCluster/LocalDS_2] kubevols/demo-legacy-0.vmdk"
    # vCenter: the roles exist with their privileges; the principal holds them.
    roles = {x.name: set(x.privilege) for x in vsphere.RetrieveContent().authorizationManager.roleList}
    assert {"Datastore.FileManagement"} <= roles["k8s-volumes"]
    assert {"Cns.Searchable", "StorageProfile.View"} <= roles["k8s-vcenter"]
    # Nodes: kubelet flags and kubeadm configuration.
    for node in NODES:
        with open(os.path.join(node_root, node, "etc/default/kubelet")) as f:
            assert f.read().strip() == "KUBELET_EXTRA_ARGS=--cloud-provider=external"
        with open(os.path.join(node_root, node, "etc/kubernetes/kubeadm-vsphere.yaml")) as f:
            docs = list(yaml.safe_load_all(f))
        assert docs[0]["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "cloud-provider", "value": "external"}]
    again = run_bootstrap(playbook, node_root)
    assert again.rc == 0, again
    assert set(changed(again).values()) == {0}, changed(again)


def test_check_mode_writes_nothing(playbook, node_root, audit_log, vcsim_trace):
    before = {n: os.listdir(os.path.join(node_root, n, "etc")) for n in NODES}
    r = run_bootstrap(playbook, node_root, check=True, extra_vars={"bootstrap_mode": "in_tree"})
    assert r.rc == 0, r
    assert changed(r)["k8s-cp-1"] > 0  # in-tree mode would change the nodes
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    assert {n: os.listdir(os.path.join(node_root, n, "etc")) for n in NODES} == before
    assert not os.path.exists(os.path.join(node_root, "k8s-cp-1", "etc/kubernetes/vsphere.conf"))


def test_check_mode_before_the_first_run_previews_objects_in_namespaces_not_created_yet(
        playbook, node_root, kube, audit_log, vcsim_trace):
    """--check on a fresh cluster: the CSI driver's and the cloud controller's namespaces do not exist yet, and the
    server cannot dry-run an object into a namespace that a dry run only pretended to create. The run still says
    what it would create, and writes nothing."""
    import kubernetes
    fresh = {"csi_driver_namespace": "csi-fresh-check", "cloud_controller_namespace": "ccm-fresh-check"}
    r = run_bootstrap(playbook, node_root, check=True, extra_vars=fresh)
    assert r.rc == 0, r
    for task in ("Namespace, CSIDriver, RBAC, feature states, Service, controller and node DaemonSets",
                 "The csi-vsphere.conf in its Secret"):
        [result] = [v for k, v in r.tasks.items() if k.endswith(task)]  # the role's tasks are named "role : task"
        assert result["changed"] is True, result
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []
    names = {n.metadata.name for n in kubernetes.client.CoreV1Api(kube).list_namespace().items}
    assert not names & set(fresh.values())


def test_in_tree_mode_writes_vsphere_conf_and_flags(playbook, node_root):
    manifests = os.path.join(node_root, "k8s-cp-1", "etc/kubernetes/manifests")
    os.makedirs(manifests, exist_ok=True)
    with open(os.path.join(manifests, "kube-controller-manager.yaml"), "w") as f:
        yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-controller-manager"},
                        "spec": {"containers": [{"name": "kcm", "command": ["kube-controller-manager",
                                                                            "--cloud-provider=external"]}]}}, f)
    r = run_bootstrap(playbook, node_root, extra_vars={"bootstrap_mode": "in_tree"})
    assert r.rc == 0, r
    path = os.path.join(node_root, "k8s-worker-2", "etc/kubernetes/vsphere.conf")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    with open(path) as f:
        conf = parse(f.read())
    vc = conf[("VirtualCenter", os.environ["VMWARE_HOST"])]
    assert vc["password"] == os.environ["VMWARE_PASSWORD"] and vc["user"] == os.environ["VMWARE_USER"]
    assert conf[("Workspace", None)]["default-datastore"] == "LocalDS_0"
    with open(os.path.join(manifests, "kube-controller-manager.yaml")) as f:
        command = yaml.safe_load(f)["spec"]["containers"][0]["command"]
    assert "--cloud-provider=vsphere" in command and "--cloud-provider=external" not in command
    assert "--cloud-config=/etc/kubernetes/vsphere.conf" in command
    with open(os.path.join(node_root, "k8s-worker-1", "etc/default/kubelet")) as f:
        assert "--cloud-provider=vsphere --cloud-config=/etc/kubernetes/vsphere.conf" in f.read()
    again = run_bootstrap(playbook, node_root, extra_vars={"bootstrap_mode": "in_tree"})
    assert set(changed(again).values()) == {0}, changed(again)


@pytest.mark.parametrize("case", ["wrong password", "unknown datacenter"])
def test_bad_input_stops_before_any_change(playbook, node_root, audit_log, vcsim_trace, case):
    with open(os.environ["LAB_VCSIM_INFO"]) as f:
        json.load(f)
    vc = {"server": os.environ["VMWARE_HOST"], "port": int(os.environ["VMWARE_PORT"]),
          "user": os.environ["VMWARE_USER"], "password": os.environ["VMWARE_PASSWORD"], "datacenters": ["DC0"],
          "ca_file": os.environ["VMWARE_CA_BUNDLE"]}
    if case == "wrong password":
        vc["password"] = "wrong"
        expected = "rejected the login"
    else:
        vc["datacenters"] = ["DC-nope"]
        expected = "has no datacenter DC-nope"
    cfg = {"vcenters": [vc], "labels": {"zone": "k8s-zone", "region": "k8s-region"}}
    r = run_bootstrap(playbook, node_root, extra_vars={"bootstrap_vsphere_config": cfg})
    assert r.rc != 0
    failed = [t for t in r.tasks.values() if t.get("_status") == "failed"]
    assert expected in failed[0]["msg"], failed[0]["msg"]
    assert audit_writes(audit_log.entries()) == []
    assert mutating_soap_calls(vcsim_trace.entries()) == []
