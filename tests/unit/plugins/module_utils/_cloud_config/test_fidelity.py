"""What cloud_config writes means, to the real parsers, what the user wrote (issue 10, section 3): the cases the
upstream parsers read differently or refuse are rendered so they mean what was given, or refused with the reason.
The parsers' behaviour is in tests/integration/test_config_parsers.py (the upstream code itself)."""

import json

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    credentials_secret_data,
    name_problem,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import check_config

WORKSPACE = {"server": "vc1.example.com", "datacenter": "DC0", "folder": "kubernetes", "default_datastore": "ds"}


def vc(server="vc1.example.com", **extra):
    base = {"server": server, "user": "k8s@vsphere.local", "password": "pw-1", "datacenters": ["DC0"]}
    base.update(extra)
    return base


def cfg(*vcs, **extra):
    base = {"vcenters": list(vcs) or [vc()], "workspace": dict(WORKSPACE)}
    base.update(extra)
    return base


def section(text, name, sub=None):
    return parse(text)[(name, sub)]


# 1. The in-tree provider has no insecure-flag or ca-file under [VirtualCenter] and refuses unknown keys.
@pytest.mark.parametrize("key, value, ini", [("insecure", True, "insecure-flag"), ("ca_file", "/ca.pem", "ca-file")])
def test_in_tree_writes_a_vcenters_insecure_and_ca_file_into_global_not_its_section(key, value, ini):
    text = render_config(cfg(vc(**{key: value})), "in_tree")
    assert ini not in section(text, "VirtualCenter", "vc1.example.com")
    assert section(text, "Global")[ini] == ("1" if value is True else value)


@pytest.mark.parametrize("key, a, b", [("insecure", True, False), ("ca_file", "/a.pem", "/b.pem")])
def test_in_tree_refuses_vcenters_that_differ_in_insecure_or_ca_file(key, a, b):
    with pytest.raises(ConfigError, match="one %s for all vCenters" % key):
        render_config(cfg(vc(**{key: a}), vc("vc2.example.com", **{key: b})), "in_tree")


# 2. The in-tree provider takes a vCenter's thumbprint from its section only, never from [Global].
def test_in_tree_writes_the_global_thumbprint_into_each_vcenter_section():
    text = render_config(cfg(vc(), vc("vc2.example.com", thumbprint="BB:BB"), thumbprint="AA:AA"), "in_tree")
    assert section(text, "VirtualCenter", "vc1.example.com")["thumbprint"] == "AA:AA"
    assert section(text, "VirtualCenter", "vc2.example.com")["thumbprint"] == "BB:BB"


# 3. soapRoundtripCount in the YAML form.
def test_cpi_yaml_writes_soap_roundtrip_count_global_and_per_vcenter():
    doc = json.loads(render_config(cfg(vc(soap_roundtrip_count=5), soap_roundtrip_count=4), "cpi_yaml"))
    assert doc["global"]["soapRoundtripCount"] == 4
    assert doc["vcenter"]["vc1.example.com"]["soapRoundtripCount"] == 5


# 4. YAML readers refuse JSON's surrogate escapes.
def test_cpi_yaml_writes_an_emoji_as_itself_not_as_surrogate_escapes():
    text = render_config(cfg(vc(password="p\U0001F600w\x7f")), "cpi_yaml")
    assert "\\ud83d" not in text and "\U0001F600" in text
    assert "\\u007f" in text  # not printable in YAML: escaped the way YAML and JSON both read
    assert json.loads(text)["vcenter"]["vc1.example.com"]["password"] == "p\U0001F600w\x7f"


# 5. An IPv6 vCenter: no Secret key can hold ':'; the out-of-tree provider reads server_/username_/password_<id>.
def test_ipv6_vcenter_gets_the_alternative_credential_secret_keys():
    data = credentials_secret_data(cfg(vc("fd00:10::1"), vc("vc2.example.com")), "cpi_yaml")
    assert data == {"server_fd00-10--1": "fd00:10::1", "username_fd00-10--1": "k8s@vsphere.local",
                    "password_fd00-10--1": "pw-1", "vc2.example.com.username": "k8s@vsphere.local",
                    "vc2.example.com.password": "pw-1"}
    assert all(name_problem(k, "key", "key") is None for k in data)


def test_in_tree_refuses_an_ipv6_vcenter_with_credentials_in_a_secret():
    with pytest.raises(ConfigError, match="in-tree provider reads credentials"):
        render_config(cfg(vc("fd00:10::1"), credentials="secret", secret_name="s", secret_namespace="kube-system",
                          workspace=dict(WORKSPACE, server="fd00:10::1")), "in_tree")
    with pytest.raises(ConfigError, match="in-tree provider"):
        credentials_secret_data(cfg(vc("fd00:10::1")), "in_tree")


# 6. All three parsers OR a vCenter's insecure-flag with [Global]'s.
@pytest.mark.parametrize("fmt", ["cpi_ini", "csi"])
def test_a_secure_vcenter_under_a_global_insecure_stays_secure(fmt):
    text = render_config(cfg(vc(insecure=False), vc("vc2.example.com"), insecure=True,
                             labels={"zone": "z", "region": "r"}), fmt)
    assert section(text, "Global").get("insecure-flag", "0") == "0"
    assert section(text, "VirtualCenter", "vc1.example.com")["insecure-flag"] == "0"
    assert section(text, "VirtualCenter", "vc2.example.com")["insecure-flag"] == "1"


def test_cpi_yaml_a_secure_vcenter_under_a_global_insecure_stays_secure():
    doc = json.loads(render_config(cfg(vc(insecure=False), vc("vc2.example.com"), insecure=True), "cpi_yaml"))
    assert doc["global"]["insecureFlag"] is False
    assert doc["vcenter"]["vc1.example.com"]["insecureFlag"] is False
    assert doc["vcenter"]["vc2.example.com"]["insecureFlag"] is True


# 7. Datacenter lists are split on commas.
@pytest.mark.parametrize("fmt", ["in_tree", "cpi_ini", "cpi_yaml", "csi"])
def test_a_datacenter_name_with_a_comma_is_refused(fmt):
    with pytest.raises(ConfigError, match="'DC,1' holds a comma"):
        render_config(cfg(vc(datacenters=["DC,1", "DC2"])), fmt)


# 8. The in-tree provider needs server, datacenter and folder in [Workspace].
@pytest.mark.parametrize("workspace, missing", [(None, "server, datacenter, folder"),
                                                ({"server": "vc1.example.com", "datacenter": "DC0"}, "folder")])
def test_in_tree_needs_a_complete_workspace(workspace, missing):
    with pytest.raises(ConfigError, match="config.workspace needs %s" % missing):
        render_config(cfg(workspace=workspace), "in_tree")


def test_in_tree_workspace_server_must_be_one_of_the_vcenters():
    with pytest.raises(ConfigError, match="none of config.vcenters"):
        render_config(cfg(workspace=dict(WORKSPACE, server="other")), "in_tree")


# 9. The CSI driver's user name form.
@pytest.mark.parametrize("user, ok", [("k8s@vsphere.local", True), ("VSPHERE\\k8s_user", True),
                                      ("k8s", False), ("k8s user@vsphere.local", False), ("k8s@vsphere_local", False),
                                      ("k8s@", False)])
def test_csi_user_must_be_user_at_domain_or_domain_backslash_user(user, ok):
    config = cfg(vc(user=user))
    if ok:
        assert section(render_config(config, "csi"), "VirtualCenter", "vc1.example.com")["user"] == user
    else:
        with pytest.raises(ConfigError, match="user@domain or DOMAIN"):
            render_config(config, "csi")


# 10. Several vCenters need topology categories.
def test_csi_with_several_vcenters_and_no_topology_categories_is_refused():
    with pytest.raises(ConfigError, match="needs topology categories with several vCenters"):
        render_config(cfg(vc(), vc("vc2.example.com")), "csi")


# The other CSI rules.
@pytest.mark.parametrize("extra, message", [
    ({"vcenters": [vc("vc%d" % i) for i in range(6)], "labels": {"zone": "z"}}, "at most 5"),
    ({"csi": {"supervisor_id": "x" * 65}}, "supervisor_id has 65 characters"),
    ({"csi": {"topology_categories": ["a", "b", "c", "d", "e", "f"]}}, "at most 5"),
    ({"csi": {"topology_categories": ["a"]}, "labels": {"zone": "z"}}, "not both"),
    ({"csi": {"topology_category_labels": [{"category": "k8s-zone", "label": "example.com/zone"}]}},
     "only labels of"),
    ({"csi": {"query_limit": 0}}, "at least 1"),
    ({"csi": {"net_permissions": [{"name": "A"}, {"name": "A"}]}}, "names A twice"),
])
def test_csi_rules_are_checked_before_writing(extra, message):
    with pytest.raises(ConfigError, match=message):
        render_config(cfg(**extra), "csi")


# The in-tree provider compares the SCSI controller type exactly (vclib.CheckControllerSupported).
@pytest.mark.parametrize("value, ok", [("pvscsi", True), ("lsiLogic", True), ("lsiLogic-sas", True),
                                       ("lsilogic-sas", False), ("PVSCSI", False), ("lsilogic", False)])
def test_scsicontrollertype_takes_only_the_exact_spellings(value, ok):
    validated, errors = check_config(cfg(disk={"scsicontrollertype": value}))
    if ok:
        assert not errors
        assert section(render_config(validated, "in_tree"), "Disk")["scsicontrollertype"] == value
    else:
        assert errors and "scsicontrollertype" in errors[0]


# Every key of the newest structs.
def test_csi_writes_every_key_of_its_config_struct():
    config = cfg(vc(target_vsan_file_share_clusters=["c1", "c2"], migration_datastore_url="ds:///vmfs/volumes/x/",
                    insecure=True, thumbprint="AA"), cluster_id="c", csi={
        "supervisor_id": "s", "cluster_distribution": "CSI-Vanilla", "cnsregistervolumes_cleanup_intervalinmin": 1,
        "cnspvcprotection_cleanup_intervalinmin": 2, "volumemigration_cr_cleanup_intervalinmin": 3,
        "csi_auth_check_intervalinmin": 4, "cnsvolumeoperationrequest_cleanup_intervalinmin": 5,
        "csi_fetch_preferred_datastores_intervalinmin": 6, "query_limit": 7, "list_volume_threshold": 8,
        "topology_categories": ["k8s-zone"],
        "topology_category_labels": [{"category": "k8s-zone", "label": "topology.csi.vmware.com/k8s-zone"}],
        "net_permissions": [{"name": "A", "ips": "10.0.0.0/8", "permissions": "READ_ONLY", "rootsquash": True}],
        "snapshot": {"global_max_snapshots_per_block_volume": 3, "granular_max_snapshots_per_block_volume_vsan": 4,
                     "granular_max_snapshots_per_block_volume_vvol": 5}})
    validated, errors = check_config(config)
    assert not errors, errors
    parsed = parse(render_config(validated, "csi"))
    assert parsed[("Global", None)] == {
        "cluster-id": "c", "supervisor-id": "s", "cluster-distribution": "CSI-Vanilla", "insecure-flag": "1",
        "thumbprint": "AA", "cnsregistervolumes-cleanup-intervalinmin": "1",
        "cnspvcprotection-cleanup-intervalinmin": "2", "volumemigration-cr-cleanup-intervalinmin": "3",
        "csi-auth-check-intervalinmin": "4", "cnsvolumeoperationrequest-cleanup-intervalinmin": "5",
        "csi-fetch-preferred-datastores-intervalinmin": "6", "query-limit": "7", "list-volume-threshold": "8"}
    v = parsed[("VirtualCenter", "vc1.example.com")]
    assert v["targetvsanfileshareclusters"] == "c1,c2" and v["migration-datastore-url"] == "ds:///vmfs/volumes/x/"
    assert parsed[("NetPermissions", "A")] == {"ips": "10.0.0.0/8", "permissions": "READ_ONLY", "rootsquash": "true"}
    assert parsed[("Labels", None)] == {"topology-categories": "k8s-zone"}
    assert parsed[("TopologyCategory", "k8s-zone")] == {"label": "topology.csi.vmware.com/k8s-zone"}
    assert parsed[("Snapshot", None)] == {
        "global-max-snapshots-per-block-volume": "3", "granular-max-snapshots-per-block-volume-vsan": "4",
        "granular-max-snapshots-per-block-volume-vvol": "5"}


def test_cpi_writes_secrets_directory_api_and_ip_family_in_both_forms():
    config = cfg(vc(ip_family=["ipv6", "ipv4"]), secrets_directory="/etc/cloud/creds", api_disable=False,
                 api_binding=":43002", ip_family=["ipv4"])
    g = section(render_config(config, "cpi_ini"), "Global")
    assert (g["secrets-directory"], g["api-disable"], g["api-binding"], g["ip-family"]) == \
        ("/etc/cloud/creds", "0", ":43002", "ipv4")
    assert section(render_config(config, "cpi_ini"), "VirtualCenter", "vc1.example.com")["ip-family"] == "ipv6,ipv4"
    doc = json.loads(render_config(config, "cpi_yaml"))
    assert doc["global"]["secretsDirectory"] == "/etc/cloud/creds" and doc["global"]["apiDisable"] is False
    assert doc["global"]["apiBinding"] == ":43002" and doc["vcenter"]["vc1.example.com"]["ipFamily"] == ["ipv6", "ipv4"]


@pytest.mark.parametrize("bad", [
    {"csi": {"snapshot": {"max": 1}}},
    {"csi": {"net_permissions": [{"name": "A", "ip": "x"}]}},
    {"csi": {"topology_category_labels": [{"category": "a", "label": "b", "x": 1}]}},
    {"secrets_dir": "/x"},
])
def test_unknown_keys_in_new_nested_options_are_errors(bad):
    _validated, errors = check_config(cfg(**bad))
    assert errors and "Supported parameters include" in errors[0]
