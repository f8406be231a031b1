import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import cloudconf, config
from doctor_snapshots import checks_of, clean

CPI_YAML = """
global:
  port: 443
  secretName: vsphere-cloud-secret
  secretNamespace: kube-system
vcenter:
  vc.example.com:
    server: vc.example.com
    datacenters: [DC0]
labels: {zone: k8s-zone, region: k8s-region}
nodes: {internalNetworkSubnetCidr: 10.0.0.0/24}
"""
CSI_INI = """[Global]
cluster-id = "c1"
[VirtualCenter "vc.example.com"]
user = "k8s@vsphere.local"
password = "p;#\\\\"
datacenters = "DC0, DC1"
"""


def conf(kind, parsed=None, error=None, **vc):
    if parsed is None and error is None:
        parsed = {"vcenters": [dict(dict(server="vc.example.com", datacenters=["DC0"], checked=True, user="u"), **vc)]}
    return {"kind": kind, "object": {"kind": "ConfigMap", "name": "kube-system/vsphere-cloud-config"},
            "key": "vsphere.conf", "parsed": parsed, "error": error}


def snap_with(*confs):
    snap = clean()
    snap.datacenters = ["DC0"]
    snap.configs = list(confs)
    return snap


def test_the_cpi_yaml_and_csi_ini_read_as_the_providers_read_them():
    cpi = cloudconf.parse_cpi(CPI_YAML)
    assert cpi["format"] == "cpi_yaml" and cpi["labels"] == {"zone": "k8s-zone", "region": "k8s-region"}
    assert cpi["vcenters"][0]["secret_name"] == "vsphere-cloud-secret"
    assert cpi["nodes"] == {"internal_network_subnet_cidr": "10.0.0.0/24"}
    csi = cloudconf.parse_csi(CSI_INI)
    assert csi["vcenters"][0]["password"] == "p;#\\" and csi["vcenters"][0]["datacenters"] == ["DC0", "DC1"]


def test_an_ini_without_vcenter_or_with_a_broken_quote_does_not_parse():
    with pytest.raises(cloudconf.CloudConfError):
        cloudconf.parse_csi("[Global]\ncluster-id = c1\n")
    with pytest.raises(cloudconf.CloudConfError):
        cloudconf.parse_csi('[VirtualCenter "vc"]\npassword = "abc\n')


def test_a_clean_config_has_no_finding():
    assert config.check(snap_with(conf("cpi", secret_name="s", secret_exists=True,
                                       secret_keys=["vc.example.com.password", "vc.example.com.username"]))) == []


def test_a_config_that_does_not_parse_is_an_error():
    found = config.check(snap_with(conf("csi", error="line 3: an unterminated quote")))
    assert checks_of(found) == [("config.parse_error", "kube-system/vsphere-cloud-config")]
    assert "unterminated" in found[0].message


def test_an_unknown_datacenter_is_an_error_only_on_the_vcenter_read():
    found = config.check(snap_with(conf("cpi", datacenters=["DC0", "DC9"])))
    assert [f.check for f in found] == ["config.unknown_datacenter"] and "DC9" in found[0].message
    assert config.check(snap_with(conf("cpi", datacenters=["DC9"], checked=False))) == []


def test_a_missing_secret_and_wrong_secret_keys_are_errors_naming_the_keys():
    found = config.check(snap_with(conf("cpi", secret_name="s", secret_exists=False)))
    assert checks_of(found) == [("config.secret_missing", "kube-system/s")]
    found = config.check(snap_with(conf("cpi", secret_name="s", secret_exists=True,
                                        secret_keys=["vc.example.com:443.username", "vc.example.com:443.password"])))
    assert checks_of(found) == [("config.secret_keys", "kube-system/s")]
    assert "vc.example.com.username" in found[0].message and "vc.example.com:443.password" in found[0].message


def test_a_failed_login_and_missing_privileges_are_errors():
    found = config.check(snap_with(conf("csi", login_error="rejected the login of user u",
                                        missing_privileges=[("Datastore", "ds1", "datastore-1",
                                                             ["Datastore.FileManagement"])])))
    assert checks_of(found) == [("config.login_failed", "kube-system/vsphere-cloud-config"),
                                ("config.privileges", "ds1")]
    assert "Datastore.FileManagement" in found[1].message


def test_required_privileges_by_component():
    assert config.required_privileges("csi", "Datastore") == ["Datastore.FileManagement"]
    assert config.required_privileges("cpi", "Datacenter") == ["System.Read"]
