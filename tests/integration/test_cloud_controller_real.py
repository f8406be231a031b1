"""The real cloud controller: upstream's vsphere-cloud-controller-manager (the lab builds CPI v1.36.0 from its Go
module) runs with exactly the config and credential Secret the cloud_controller role installed and initializes the
lab's Nodes, registered as kubelets with --cloud-provider=external register them. Every field it sets is checked
against vCenter (pyvmomi and the REST tagging API), then node_vm_info from_cluster must agree with every Node."""

import ipaddress
import json
import os
import subprocess

import pytest
import yaml
from pyVmomi import vim

import lab_vsphere
from conftest import ROOT

INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
LAB_SH = os.path.join(ROOT, "lab", "lab.sh")
UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
CCM_LOG = os.path.join(os.environ.get("LAB_ROOT", os.path.join(ROOT, ".lab")), "log", "proc-cloud-controller-manager.log")

# Only the cloud_controller role, with the lab inventory's variables (the CCM needs nothing of vcenter_prereqs: it
# logs in with the Secret's credentials, and the lab's vCenter carries the zone and region tags).
ROLE_PLAY = [{"name": "cloud controller", "hosts": "localhost", "gather_facts": False, "tasks": [
    {"name": "cloud_controller", "ansible.builtin.include_role": {"name": "vsphere_k8s.cloud_provider.cloud_controller"}}]}]

_state = {}


def lab(*args, timeout=900):
    """lab/lab.sh; the controller initializes the lab's Nodes in seconds: a minute is plenty (a cold build is not
    counted: it happens before the controller starts)."""
    env = dict(os.environ, LAB_CCM_WAIT="60")
    return subprocess.run(["bash", LAB_SH] + list(args), capture_output=True, text=True, timeout=timeout, check=False,
                          env=env)


@pytest.fixture
def initialized_nodes(playbook, kube):
    """Role applied, Nodes registered fresh, the real controller run until it initialized them (once per module)."""
    if "nodes" not in _state:
        r = playbook(ROLE_PLAY, inventory=INVENTORY)
        assert r.rc == 0, r
        reg = lab("nodes")
        assert reg.returncode == 0, reg.stderr
        run = lab("ccm")
        assert run.returncode == 0, run.stderr
        _state["nodes"] = {d["name"]: d for d in (json.loads(x) for x in run.stdout.splitlines() if x.strip())}
        _state["stderr"] = run.stderr
    return _state["nodes"]


def role_config(kube):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    return yaml.safe_load(core.read_namespaced_config_map("vsphere-cloud-config", "kube-system").data["vsphere.conf"])


def ancestors(obj):
    """obj and its parents up to its datacenter (vcsim's root folder has no parent pyVmomi can read)."""
    while obj is not None:
        yield obj
        if isinstance(obj, vim.Datacenter):
            return
        obj = obj.parent


def vm_tag_values(vm, tags, category):
    """The tag of a category nearest the VM: on the VM, its host, its cluster, the folders, the datacenter."""
    cat = tags.category_id(category)
    chain = [vm, vm.runtime.host] + list(ancestors(vm.runtime.host.parent))
    for obj in chain:
        attached = tags.call("POST", "/tagging/tag-association?~action=list-attached-tags",
                             {"object_id": {"id": obj._moId, "type": type(obj).__name__.split(".")[-1]}}) or []
        for tid in attached:
            tag = tags.call("GET", "/tagging/tag/id:" + tid)
            if tag["category_id"] == cat:
                return tag["name"]
    return None


def expected_addresses(vm, conf):
    nets = conf["nodes"]
    internal = ipaddress.ip_network(nets["internalNetworkSubnetCidr"])
    external = ipaddress.ip_network(nets["externalNetworkSubnetCidr"])
    ips = [ipaddress.ip_address(ip) for nic in vm.guest.net for ip in nic.ipAddress]
    return {("Hostname", vm.guest.hostName)} | {("InternalIP", str(ip)) for ip in ips if ip in internal} | \
        {("ExternalIP", str(ip)) for ip in ips if ip in external}


def test_the_real_cloud_controller_initializes_every_node_as_vcenter_describes_it(
        initialized_nodes, kube, vsphere, lab_env):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    conf = role_config(kube)
    tags = lab_vsphere.Tags()
    names = [n["name"] for n in lab_env["nodes"]]
    assert sorted(initialized_nodes) == sorted(names)
    for name in names:
        node = core.read_node(name)
        vm, = lab_vsphere.find(vsphere, vim.VirtualMachine, name)
        # Identity: the BIOS UUID, lower case; the kubelet's systemUUID (upper case) is left as it was.
        assert node.spec.provider_id == "vsphere://" + vm.config.uuid.lower(), name
        assert node.status.node_info.system_uuid == vm.config.uuid.upper(), name
        # Addresses by the role's nodes rules: the guest's addresses in the internal and external subnets.
        got = {(a.type, a.address) for a in node.status.addresses}
        assert got == expected_addresses(vm, conf), name
        assert {kind for kind, address in got} == {"Hostname", "InternalIP", "ExternalIP"}, name
        # Zone and region: the tags of the role's categories nearest the VM.
        labels = node.metadata.labels
        assert labels["topology.kubernetes.io/zone"] == vm_tag_values(vm, tags, conf["labels"]["zone"]), name
        assert labels["topology.kubernetes.io/region"] == vm_tag_values(vm, tags, conf["labels"]["region"]), name
        # The instance type names the guest OS family (upstream's table: ubuntu64Guest is "ubuntu").
        assert vm.config.guestId == "ubuntu64Guest"
        assert labels["node.kubernetes.io/instance-type"] == "vsphere-vm.cpu-%d.mem-%dgb.os-ubuntu" % (
            vm.config.hardware.numCPU, vm.config.hardware.memoryMB // 1024), name
        # Initialized: the taint is gone (kubeadm's control-plane taint stays).
        assert UNINITIALIZED not in [t.key for t in node.spec.taints or []], name
    zones = {n: core.read_node(n).metadata.labels["topology.kubernetes.io/zone"] for n in names}
    assert zones == {x["name"]: x["cluster"] for x in lab_env["nodes"]}


def test_the_controller_read_the_role_config_and_secret_without_errors(initialized_nodes, kube):
    import kubernetes
    with open(CCM_LOG) as f:
        log = f.read()
    # The lab ran the release the role chose for this cluster (its DaemonSet's image tag).
    ds = kubernetes.client.AppsV1Api(kube).read_namespaced_daemon_set("vsphere-cloud-controller-manager", "kube-system")
    tag = ds.spec.template.spec.containers[0].image.rsplit(":", 1)[1]
    assert "Version: %s\n" % tag in log, tag
    # No RBAC gap in the role's ClusterRole for what the controller did, no config or credential problem.
    assert "forbidden" not in log.lower(), [x for x in log.splitlines() if "forbidden" in x.lower()][:5]
    assert "Failed to get secret" not in log and "failed to load" not in log.lower()
    assert os.environ["VMWARE_PASSWORD"] not in log


def test_node_vm_info_from_cluster_agrees_with_every_initialized_node(initialized_nodes, playbook, lab_env):
    r = playbook([{"name": "check", "vsphere_k8s.cloud_provider.node_vm_info": {
        "from_cluster": True, "zone_category": "k8s-zone", "region_category": "k8s-region"}}])
    assert r.rc == 0, r
    found = {n["node_name"]: n for n in r["check"]["nodes"]}
    assert sorted(found) == sorted(n["name"] for n in lab_env["nodes"])
    for name, n in found.items():
        assert n["vm_name"] == name
        assert n["kubernetes"]["agrees"] is True, (name, n["kubernetes"])
