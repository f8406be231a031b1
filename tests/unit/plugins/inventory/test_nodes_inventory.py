"""Pure logic of the nodes inventory plugin: option checks, roles, ansible_host, host records, secrets."""

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.inventory import nodes

CONN = {"plugin": "vsphere_k8s.cloud_provider.nodes", "hostname": "vc", "username": "u", "password": "S3cret!"}


@pytest.fixture(autouse=True)
def no_connection_env(monkeypatch):
    for var in ("VMWARE_HOST", "VMWARE_USER", "VMWARE_PASSWORD", "VMWARE_PORT", "VMWARE_VALIDATE_CERTS",
                "VMWARE_CA_BUNDLE", "K8S_AUTH_KUBECONFIG", "K8S_AUTH_CONTEXT", "K8S_AUTH_HOST", "K8S_AUTH_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def options(**kw):
    return nodes.validate_options(dict(CONN, **kw))


def test_defaults_are_the_documented_ones():
    p = options(folder="/DC1/vm/k8s")
    assert p["port"] == 443 and p["validate_certs"] is True and p["ip_family"] == ["ipv4"]
    assert p["ansible_host_from"] == ["InternalIP", "ExternalIP"] and p["vars_prefix"] == "vsphere_"
    assert p["nodes_group"] == "k8s_nodes" and p["role_groups"] == {"control_plane": "k8s_control_plane",
                                                                    "worker": "k8s_workers"}
    assert p["kubernetes"] is None


def test_kubernetes_options_take_the_environment_as_the_modules_do(monkeypatch):
    monkeypatch.setenv("K8S_AUTH_KUBECONFIG", "/etc/k.yml")
    monkeypatch.setenv("K8S_AUTH_CONTEXT", "prod")
    p = options(kubernetes={})
    assert p["kubernetes"]["kubeconfig"] == "/etc/k.yml" and p["kubernetes"]["context"] == "prod"


def test_vcenter_options_take_the_environment(monkeypatch):
    monkeypatch.setenv("VMWARE_PASSWORD", "from-env")
    monkeypatch.setenv("VMWARE_PORT", "8443")
    p = nodes.validate_options({"hostname": "vc", "username": "u", "password": "from-env", "folder": "x"})
    assert p["password"] == "from-env" and p["port"] == 8443


@pytest.mark.parametrize("extra, message", [
    ({"colour": "blue", "folder": "x"}, "unknown option colour; the options are:"),
    ({}, "nothing chooses the hosts"),
    ({"folder": "x", "ip_family": ["ipv5"]}, "ip_family"),
    ({"folder": "x", "ansible_host_from": ["PublicIP"]}, "ansible_host_from"),
    ({"folder": "x", "internal_network_subnet_cidr": ["10.0.0.0/33"]}, "is not a CIDR"),
    ({"folder": "x", "role_groups": {"etcd": "e"}}, "role_groups: unknown role etcd"),
    ({"folder": "x", "nodes_group": "bad name"}, "nodes_group 'bad name' is not a valid"),
    ({"tag": {"category": "c"}}, "name"),
    ({"kubernetes": {"kubeconfig": "k", "bogus": 1}}, "bogus"),
])
def test_bad_options_are_refused_with_what_is_wrong(extra, message):
    with pytest.raises(ValueError) as e:
        options(**extra)
    assert message in str(e.value)
    assert "S3cret!" not in str(e.value)


def test_missing_credentials_name_the_option_and_the_variable():
    with pytest.raises(ValueError) as e:
        nodes.validate_options({"hostname": "vc", "folder": "x"})
    assert str(e.value) == ("no vCenter username or password: set username and password in the inventory file or "
                            "the environment variables VMWARE_USER and VMWARE_PASSWORD.")


def test_role_from_node_labels_else_from_the_vm_name():
    assert nodes.node_role({"node-role.kubernetes.io/control-plane": ""}) == "control_plane"
    assert nodes.node_role({"node-role.kubernetes.io/master": ""}) == "control_plane"
    assert nodes.node_role({}, vm_name="k8s-cp-1", control_plane_patterns=["*-cp-*"]) == "worker"
    assert nodes.node_role(None, vm_name="k8s-cp-1", control_plane_patterns=["*-cp-*"]) == "control_plane"
    assert nodes.node_role(None, vm_name="k8s-w-1", control_plane_patterns=["*-cp-*"]) == "worker"


ADDRS = [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "10.0.0.5"},
         {"type": "ExternalIP", "address": "192.0.2.5"}]


@pytest.mark.parametrize("order, wanted", [
    (["InternalIP", "ExternalIP"], "10.0.0.5"),
    (["ExternalIP", "InternalIP"], "192.0.2.5"),
    (["Hostname"], "n1"),
])
def test_ansible_host_is_the_first_address_of_the_first_type_in_order(order, wanted):
    assert nodes.pick_ansible_host(ADDRS, order) == wanted


def test_no_address_gives_no_ansible_host():
    assert nodes.pick_ansible_host([{"type": "Hostname", "address": "n1"}], ["InternalIP", "ExternalIP"]) is None
    name, variables, _groups = nodes.host_record({"vm_name": "vm-a", "addresses": []}, options(folder="x"))
    assert name == "vm-a" and "ansible_host" not in variables


def test_host_record_gives_prefixed_vars_and_groups_by_role_zone_region():
    entry = {"vm_name": "vm-a", "node_name": "node-a", "moid": "vm-1", "uuid": "u-1", "host": "esx-1",
             "addresses": ADDRS, "zone": "zone-a", "region": "eu 1", "disk_enable_uuid": True,
             "scsi_controllers": [{"type": "pvscsi"}], "kubernetes": {"agrees": True}, "matched_by": [],
             "disks": [{"path": "[ds] a.vmdk"}]}
    name, variables, groups = nodes.host_record(entry, options(kubernetes={}, vars_prefix="v_"),
                                                {"node-role.kubernetes.io/control-plane": ""})
    assert name == "node-a"
    assert variables["ansible_host"] == "10.0.0.5" and variables["v_internal_ip"] == "10.0.0.5"
    assert variables["v_external_ip"] == "192.0.2.5" and variables["v_bios_uuid"] == "u-1"
    assert variables["v_esxi_host"] == "esx-1" and variables["v_node_role"] == "control_plane"
    assert variables["v_pvscsi"] is True and variables["v_ready_for_volumes"] is True
    assert "v_disks" not in variables and "v_matched_by" not in variables
    assert groups == ["k8s_nodes", "k8s_control_plane", "zone_zone-a", "region_eu 1"]  # made safe when added


def test_not_ready_without_pvscsi_or_enable_uuid():
    for enable_uuid, ctrl in ((True, "lsilogic"), (False, "pvscsi")):
        entry = {"vm_name": "a", "disk_enable_uuid": enable_uuid, "scsi_controllers": [{"type": ctrl}]}
        assert nodes.host_record(entry, options(folder="x"))[1]["vsphere_ready_for_volumes"] is False


def test_plain_turns_anything_into_json_types():
    class Enum(str):
        pass
    wanted = {"a": [1, "x", None, True], "2": str(object)}
    assert nodes.plain({"a": (1, Enum("x"), None, True), 2: object}) == wanted


def test_secrets_are_found_and_scrubbed():
    kubeconfig = {"users": [{"name": "u", "user": {"token": "tok-123456"}}], "clusters": [], "contexts": []}
    p = options(kubernetes={"kubeconfig": kubeconfig, "api_key": "key-abcdef"})
    found = nodes.secrets_of(p)
    assert found == {"S3cret!", "tok-123456", "key-abcdef"}
    assert nodes.scrub("login S3cret! with tok-123456", found) == "login ******** with ********"


def test_name_patterns_are_shell_style_and_case_sensitive():
    assert nodes.matches_any("k8s-worker-1", ["k8s-worker-[12]"])
    assert not nodes.matches_any("K8S-worker-1", ["k8s-*"])
    assert not nodes.matches_any("x", [])
