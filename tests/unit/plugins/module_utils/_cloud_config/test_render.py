"""Rendered cloud configs parse back to their input, tricky passwords included."""

import json

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse, quote
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    credentials_secret_data,
    render_config,
)

TRICKY = ['pa"ss', 'back\\slash', 'semi;colon', 'hash#tag', ' leading and trailing ', 'ünïcødé-пароль', 'a=b[c]']


def cfg(password="secret", **extra):
    base = {"vcenters": [{"server": "vc1.example.com", "user": "k8s@vsphere.local", "password": password,
                          "datacenters": ["DC0", "DC 1"], "port": 443},
                         {"server": "vc2.example.com", "user": "other@vsphere.local", "password": "two;#\"",
                          "datacenters": ["DC2"]}],
            "insecure": False, "labels": {"zone": "k8s-zone", "region": "k8s-region"},
            "workspace": {"server": "vc1.example.com", "datacenter": "DC0", "folder": "kubernetes",
                          "default_datastore": "DatastoreCluster/ds 1", "resourcepool_path": "zone-a/Resources"},
            "disk": {"scsicontrollertype": "pvscsi"}}
    base.update(extra)
    return base


@pytest.mark.parametrize("password", TRICKY)
@pytest.mark.parametrize("fmt", ["in_tree", "cpi_ini", "csi"])
def test_ini_formats_read_back_the_exact_password(fmt, password):
    parsed = parse(render_config(cfg(password), fmt))
    vc1 = parsed[("VirtualCenter", "vc1.example.com")]
    assert vc1["password"] == password and vc1["user"] == "k8s@vsphere.local"
    assert vc1["datacenters"] == "DC0,DC 1"
    assert parsed[("VirtualCenter", "vc2.example.com")]["password"] == 'two;#"'


def test_in_tree_sections_and_keys():
    parsed = parse(render_config(cfg(), "in_tree"))
    assert parsed[("Workspace", None)] == {"server": "vc1.example.com", "datacenter": "DC0", "folder": "kubernetes",
                                           "default-datastore": "DatastoreCluster/ds 1",
                                           "resourcepool-path": "zone-a/Resources"}
    assert parsed[("Disk", None)] == {"scsicontrollertype": "pvscsi"}
    assert parsed[("Labels", None)] == {"zone": "k8s-zone", "region": "k8s-region"}
    assert parsed[("Global", None)]["insecure-flag"] == "0"


def test_secret_held_credentials_leave_passwords_out():
    text = render_config(cfg(credentials="secret", secret_name="vsphere-cloud-secret", secret_namespace="kube-system"),
                         "cpi_ini")
    parsed = parse(text)
    assert "password" not in parsed[("VirtualCenter", "vc1.example.com")]
    assert parsed[("Global", None)]["secret-name"] == "vsphere-cloud-secret"
    assert credentials_secret_data(cfg())["vc1.example.com.password"] == "secret"


def test_cpi_yaml_uses_camel_case_keys():
    doc = json.loads(render_config(cfg(nodes={"internal_network_subnet_cidr": "10.0.0.0/24"}, ip_family=["ipv4"]),
                                   "cpi_yaml"))
    assert doc["vcenter"]["vc1.example.com"]["datacenters"] == ["DC0", "DC 1"]
    assert doc["nodes"] == {"internalNetworkSubnetCidr": "10.0.0.0/24"}
    assert doc["global"] == {"insecureFlag": False, "ipFamily": ["ipv4"]}


def test_csi_file_has_cluster_id_and_topology_categories():
    parsed = parse(render_config(cfg(cluster_id="prod-1"), "csi"))
    assert parsed[("Global", None)]["cluster-id"] == "prod-1"
    assert parsed[("Labels", None)] == {"topology-categories": "k8s-region,k8s-zone"}


@pytest.mark.parametrize("bad, message", [
    ({"vcenters": []}, "at least one vCenter"),
    ({"vcenters": [{"server": "vc"}]}, "needs user and password"),
    ({"cluster_id": "x" * 65}, "at most 64"),
])
def test_bad_config_says_why(bad, message):
    with pytest.raises(ConfigError, match=message):
        render_config(cfg(**bad), "csi")


def test_quote_refuses_line_breaks():
    with pytest.raises(ValueError):
        quote("a\nb")
