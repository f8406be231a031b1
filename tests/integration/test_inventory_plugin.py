"""The inventory plugin vsphere_k8s.cloud_provider.nodes against the lab: ansible-inventory and bootstrap.yml."""

import json
import os
import subprocess

import pytest
import yaml

from conftest import ROOT

LAB_FILE = os.path.join(ROOT, "playbooks", "inventory", "lab.vsphere_k8s.yml")
LAB_YML = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
NODES = ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"]


def unsafe(value):
    """ansible-inventory marks values from an inventory plugin as not to be templated: strip the marks."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsafe(v) for v in value]
    return value


class Inventory:
    def __init__(self, proc):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.data = unsafe(json.loads(proc.stdout)) if proc.returncode == 0 else None

    @property
    def hostvars(self):
        return self.data["_meta"]["hostvars"]

    def group(self, name):
        """Hosts of a group (and of its children)."""
        g = self.data.get(name, {})
        hosts = set(g.get("hosts", []))
        for child in g.get("children", []):
            hosts |= self.group(child)
        return hosts


def inventory(tmp_path, config, env=None, name="nodes.vsphere_k8s.yml", args=("--list",)):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config) if isinstance(config, dict) else config)
    e = dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    proc = subprocess.run(["ansible-inventory", "-i", str(path)] + list(args), env=e, capture_output=True,
                          text=True, timeout=300, check=False)
    return Inventory(proc)


def nodes_config(**extra):
    config = {"plugin": "vsphere_k8s.cloud_provider.nodes", "kubernetes": {}, "zone_category": "k8s-zone",
              "region_category": "k8s-region", "internal_network_subnet_cidr": ["10.0.0.0/24"],
              "external_network_subnet_cidr": ["192.168.100.0/24"]}
    config.update(extra)
    return config


def soap(entries):
    return [e for e in entries if e.get("kind") == "soap"]


def test_the_lab_file_lists_every_node_with_its_vm_facts_and_groups(lab_env, vsphere, kube):
    proc = subprocess.run(["ansible-inventory", "-i", LAB_FILE, "--list"], capture_output=True, text=True,
                          env=dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="1"), timeout=300, check=False)
    inv = Inventory(proc)
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == NODES
    by_name = {n["name"]: n for n in lab_env["nodes"]}
    from pyVmomi import vim
    view = vsphere.content.viewManager.CreateContainerView(vsphere.content.rootFolder, [vim.VirtualMachine], True)
    moids = {vm.name: vm._moId for vm in view.view if vm.name in NODES}
    view.DestroyView()
    for name in NODES:
        hv, lab = inv.hostvars[name], by_name[name]
        assert hv["vsphere_vm_name"] == name and hv["vsphere_node_name"] == name
        assert hv["vsphere_moid"] == moids[name]
        assert hv["vsphere_bios_uuid"] == lab["uuid"]
        assert hv["vsphere_provider_id"] == "vsphere://" + lab["uuid"]
        assert hv["vsphere_zone"] == lab["cluster"] and hv["vsphere_region"] == "region-1"
        assert hv["vsphere_cluster"] == lab["cluster"] and hv["vsphere_folder"] == "/DC0/vm/kubernetes"
        assert hv["vsphere_instance_type"] == "vsphere-vm.cpu-%d.mem-%dgb.os-ubuntu64Guest" % (
            lab["cpus"], lab["memory_mb"] // 1024)
        # Addresses by the cloud provider's rules; ansible_host is the InternalIP (the documented default).
        assert {"type": "InternalIP", "address": lab["internal_ip"]} in hv["vsphere_addresses"]
        assert {"type": "ExternalIP", "address": lab["external_ip"]} in hv["vsphere_addresses"]
        assert {"type": "Hostname", "address": name} in hv["vsphere_addresses"]
        assert hv["vsphere_internal_ip"] == hv["ansible_host"] == lab["internal_ip"]
        assert hv["vsphere_node_role"] == ("control_plane" if name == "k8s-cp-1" else "worker")
        assert isinstance(hv["vsphere_disk_enable_uuid"], bool) and isinstance(hv["vsphere_pvscsi"], bool)
        assert hv["vsphere_ready_for_volumes"] == (hv["vsphere_disk_enable_uuid"] and hv["vsphere_pvscsi"])
        assert hv["vsphere_kubernetes"]["system_uuid"].lower() == lab["uuid"]
        assert hv["ansible_connection"] == "local"  # compose
    assert inv.group("k8s_nodes") == set(NODES)
    assert inv.group("k8s_control_plane") == {"k8s-cp-1"}
    assert inv.group("k8s_workers") == set(NODES) - {"k8s-cp-1"}
    assert inv.group("zone_zone_a") == {n for n in NODES if by_name[n]["cluster"] == "zone-a"}
    assert inv.group("zone_zone_b") == {n for n in NODES if by_name[n]["cluster"] == "zone-b"}
    assert inv.group("region_region_1") == set(NODES)
    # keyed_groups and groups of the file
    assert inv.group("type_vsphere_vm_cpu_2_mem_4gb_os_ubuntu64Guest") == {"k8s-cp-1"}
    assert inv.group("not_ready_for_volumes") == {n for n in NODES if not inv.hostvars[n]["vsphere_ready_for_volumes"]}


def test_a_node_without_a_vm_is_left_out_with_a_warning(tmp_path, kube):
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    core.create_node({"metadata": {"name": "ghost-node"}})
    try:
        inv = inventory(tmp_path, nodes_config())
    finally:
        core.delete_node("ghost-node")
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == NODES
    assert "No VM found for the Node ghost-node" in " ".join(inv.stderr.split())


def test_no_secret_is_in_the_output_nor_in_the_cache(tmp_path, lab_env):
    cache_dir = tmp_path / "cache"
    inv = inventory(tmp_path, nodes_config(cache=True, cache_plugin="ansible.builtin.jsonfile",
                                           cache_connection=str(cache_dir)))
    assert inv.rc == 0, inv.stderr
    secrets = [os.environ["VMWARE_PASSWORD"]]
    with open(os.path.join(os.environ["LAB_ROOT"], "pki", "admin.key")) as f:
        secrets.append("".join(f.read().splitlines()[1:3]))  # a part of the kubeconfig's client key
    cached = "".join(p.read_text() for p in cache_dir.iterdir())
    for s in secrets:
        assert s not in inv.stdout and s not in inv.stderr and s not in cached
    assert "password" not in inv.stdout.lower() and "password" not in cached.lower()


def test_a_vault_encrypted_password_in_the_file_is_used_and_not_shown(tmp_path):
    (tmp_path / "vault-pass").write_text("inventory-vault-pass\n")
    enc = subprocess.run(["ansible-vault", "encrypt_string", "--vault-password-file", str(tmp_path / "vault-pass"),
                          "--stdin-name", "password"], input=os.environ["VMWARE_PASSWORD"], capture_output=True,
                         text=True, check=True).stdout
    config = "plugin: vsphere_k8s.cloud_provider.nodes\nkubernetes: {}\n" + enc
    inv = inventory(tmp_path, config, env={"VMWARE_PASSWORD": None},
                    args=("--list", "--vault-password-file", str(tmp_path / "vault-pass")))
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == NODES
    assert os.environ["VMWARE_PASSWORD"] not in inv.stdout + inv.stderr


def test_a_second_listing_comes_from_the_cache_without_a_request(tmp_path, vcsim_trace):
    config = nodes_config(cache=True, cache_plugin="ansible.builtin.jsonfile",
                          cache_connection=str(tmp_path / "cache"), cache_timeout=3600)
    first = inventory(tmp_path, config)
    assert first.rc == 0, first.stderr
    assert soap(vcsim_trace.entries())
    vcsim_trace.mark()
    second = inventory(tmp_path, config)
    assert second.rc == 0, second.stderr
    assert second.data == first.data
    assert vcsim_trace.entries() == []
    # --flush-cache reads vCenter again.
    again = inventory(tmp_path, config, args=("--list", "--flush-cache"))
    assert again.rc == 0 and soap(vcsim_trace.entries())


def test_requests_do_not_grow_with_the_vms_listed(tmp_path, vcsim_trace, lab_env):
    """Day 0 over 4 VMs and over every VM of the lab: the same requests."""
    base = {"plugin": "vsphere_k8s.cloud_provider.nodes", "zone_category": "k8s-zone", "region_category": "k8s-region"}
    few = inventory(tmp_path, dict(base, name_patterns=["k8s-*"]))
    assert few.rc == 0, few.stderr
    few_soap = [e["method"] for e in soap(vcsim_trace.entries())]
    vcsim_trace.mark()
    every = inventory(tmp_path, dict(base, name_patterns=["*"]))
    assert every.rc == 0, every.stderr
    every_soap = [e["method"] for e in soap(vcsim_trace.entries())]
    assert len(every.hostvars) >= lab_env["vms_total"] - 1 > len(few.hostvars) == 4
    assert every_soap == few_soap
    assert len(few_soap) <= 8, few_soap  # ServiceContent, Login, view, retrieval, view, details, Logout


def test_day_0_chooses_vms_by_folder(tmp_path):
    inv = inventory(tmp_path, {"plugin": "vsphere_k8s.cloud_provider.nodes", "folder": "/DC0/vm/kubernetes",
                               "control_plane_patterns": ["*-cp-*"]}, env={"K8S_AUTH_KUBECONFIG": None})
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == NODES
    assert inv.group("k8s_control_plane") == {"k8s-cp-1"}
    assert inv.hostvars["k8s-worker-1"]["vsphere_node_role"] == "worker"
    # No cluster: no Node facts, and without zone_category no zone.
    assert inv.hostvars["k8s-cp-1"]["vsphere_node_name"] is None
    assert "vsphere_kubernetes" not in inv.hostvars["k8s-cp-1"] and inv.hostvars["k8s-cp-1"]["vsphere_zone"] is None


def test_day_0_chooses_vms_by_name_pattern(tmp_path):
    inv = inventory(tmp_path, {"plugin": "vsphere_k8s.cloud_provider.nodes", "name_patterns": ["k8s-worker-[12]"],
                               "ansible_host_from": ["ExternalIP"],
                               "external_network_subnet_cidr": ["192.168.100.0/24"]})
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == ["k8s-worker-1", "k8s-worker-2"]
    assert inv.hostvars["k8s-worker-1"]["ansible_host"] == "192.168.100.12"


@pytest.fixture
def etcd_tag(vsphere):
    """The tag inventory-test-role/etcd on k8s-cp-1 and k8s-worker-3 (made through vCenter's tagging REST API),
    removed after the test."""
    from pyVmomi import vim
    from lab_vsphere import Tags
    tags = Tags()
    try:
        cid = tags.category_id("inventory-test-role")
    except KeyError:
        cid = tags.call("POST", "/tagging/category", {"create_spec": {
            "name": "inventory-test-role", "description": "", "cardinality": "MULTIPLE", "associable_types": []}})
    tid = next((t for t in tags.call("POST", "/tagging/tag/id:%s?~action=list-tags-for-category" % cid, {}) or []
                if tags.call("GET", "/tagging/tag/id:" + t)["name"] == "etcd"), None)  # left by an interrupted run
    tid = tid or tags.create_tag("inventory-test-role", "etcd")
    view = vsphere.content.viewManager.CreateContainerView(vsphere.content.rootFolder, [vim.VirtualMachine], True)
    vms = [vm for vm in view.view if vm.name in ("k8s-cp-1", "k8s-worker-3")]
    view.DestroyView()
    for vm in vms:
        tags.attach(tid, vm)
    yield {"category": "inventory-test-role", "name": "etcd"}
    for vm in vms:
        tags.detach(tid, vm)
    tags.delete_tag(tid)
    tags.call("DELETE", "/tagging/category/id:" + cid)


def test_day_0_chooses_vms_by_tag(tmp_path, etcd_tag):
    tag = etcd_tag
    inv = inventory(tmp_path, {"plugin": "vsphere_k8s.cloud_provider.nodes", "tag": tag})
    assert inv.rc == 0, inv.stderr
    assert sorted(inv.hostvars) == ["k8s-cp-1", "k8s-worker-3"]
    # With a name pattern too, both must match.
    both = inventory(tmp_path, {"plugin": "vsphere_k8s.cloud_provider.nodes", "tag": tag, "name_patterns": ["*-cp-*"]})
    assert sorted(both.hostvars) == ["k8s-cp-1"]
    unknown = inventory(tmp_path, {"plugin": "vsphere_k8s.cloud_provider.nodes",
                                   "tag": {"category": "inventory-test-role", "name": "nope"}})
    assert unknown.rc != 0 and "no tag 'nope' in category 'inventory-test-role' (known: etcd)" in unknown.stderr


@pytest.mark.parametrize("config, env, message", [
    ({"kubernetes": {}, "colour": "blue"}, {}, "unknown option colour; the options are:"),
    ({"kubernetes": {}, "ip_family": ["ipv5"]}, {}, "ip_family"),
    ({"kubernetes": {}, "internal_network_subnet_cidr": ["10.0.0.0/33"]}, {},
     "internal_network_subnet_cidr: '10.0.0.0/33' is not a CIDR"),
    ({"kubernetes": {}, "role_groups": {"etcd": "x"}}, {}, "role_groups: unknown role etcd"),
    ({"tag": {"category": "k8s-zone"}}, {}, "tag"),
    ({}, {}, "nothing chooses the hosts: give kubernetes"),
    ({"kubernetes": {}}, {"VMWARE_PASSWORD": None},
     "no vCenter password: set password in the inventory file or the environment variable VMWARE_PASSWORD"),
    ({"kubernetes": {}}, {"VMWARE_PASSWORD": "Wr0ng-Secret-Passw0rd"}, "rejected the login of user"),
    ({"kubernetes": {}}, {"VMWARE_CA_BUNDLE": None}, "is not trusted"),
    ({"kubernetes": {"host": "https://127.0.0.1:1", "api_key": "tok-Secret-123456"}},
     {"K8S_AUTH_KUBECONFIG": None}, "Reading the Nodes of the Kubernetes cluster failed"),
    ({"folder": "/DC0/vm/nowhere"}, {}, "No folder '/DC0/vm/nowhere' was found"),
], ids=["unknown-option", "bad-choice", "bad-cidr", "bad-role", "tag-without-name", "no-selector", "no-password",
        "wrong-password", "untrusted-ca", "unreachable-cluster", "unknown-folder"])
def test_bad_options_fail_with_a_clear_message_and_no_secret(tmp_path, config, env, message):
    inv = inventory(tmp_path, dict({"plugin": "vsphere_k8s.cloud_provider.nodes"}, **config), env=env)
    assert inv.rc != 0
    assert message in inv.stderr, inv.stderr
    assert "Traceback" not in inv.stderr
    for secret in (os.environ["VMWARE_PASSWORD"], "Wr0ng-Secret-Passw0rd", "tok-Secret-123456"):
        assert secret not in inv.stderr and secret not in inv.stdout


def test_bootstrap_runs_with_the_plugin_as_its_inventory(tmp_path, playbook, lab_env):
    """The plugin gives the hosts and their groups; the site's variables sit next to it in group_vars/, as a user
    keeps them (here the lab's, from playbooks/inventory/lab.yml)."""
    with open(LAB_YML) as f:
        lab = yaml.safe_load(f)
    inv_dir = tmp_path / "inventory"
    (inv_dir / "group_vars").mkdir(parents=True)
    with open(LAB_FILE) as f:
        (inv_dir / "nodes.vsphere_k8s.yml").write_text(f.read())
    (inv_dir / "group_vars" / "all.yml").write_text(yaml.safe_dump(lab["all"]["vars"]))
    node_vars = dict(lab["all"]["children"]["k8s_nodes"].get("vars") or {},
                     node_config_root=str(tmp_path / "nodes") + "/{{ inventory_hostname }}")
    (inv_dir / "group_vars" / "k8s_nodes.yml").write_text(yaml.safe_dump(node_vars))
    r = playbook(path=BOOTSTRAP, inventory=str(inv_dir))
    assert r.rc == 0, r
    assert sorted(h for h in r.all_stats if h != "localhost") == NODES
    assert all(s["failures"] == 0 and s["unreachable"] == 0 for s in r.all_stats.values())
    # node_config wrote each node's files, the control plane's own ones only on the control plane.
    for name in NODES:
        assert (tmp_path / "nodes" / name).is_dir()
