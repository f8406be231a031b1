"""No password leaves cloud_config: not in errors (module or filter), not in results, not in diffs; every secret
suboption is no_log."""

import base64

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vsphere_k8s.cloud_provider.plugins.filter.cloud_config import cloud_config as cc_filter
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import GcfgError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import (
    check_config,
    scrub,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.validate import config_hint
from ansible_collections.vsphere_k8s.cloud_provider.plugins.modules import cloud_config as cc_module

PASSWORD = "S3cr3t-\nsecond line;#\"\\"


def cfg(password=PASSWORD, **extra):
    base = {"vcenters": [{"server": "vc1.example.com", "user": "k8s@vsphere.local", "password": password,
                          "datacenters": ["DC0"]}],
            "workspace": {"server": "vc1.example.com", "datacenter": "DC0", "folder": "kubernetes"}}
    base.update(extra)
    return base


def leaked(text, password=PASSWORD):
    text = "%s" % text
    pieces = [password, repr(password)[1:-1], password.split("\n")[0], password.split("\n")[1],
              base64.b64encode(password.encode()).decode()]
    return [p for p in pieces if p and p in text]


@pytest.mark.parametrize("fmt", ["in_tree", "cpi_ini", "csi"])
def test_a_password_with_a_line_break_is_an_error_that_names_the_key_not_the_value(fmt):
    with pytest.raises((ConfigError, GcfgError)) as e:
        render_config(cfg(), fmt)
    assert "password" in str(e.value) and "line break" in str(e.value)
    assert leaked(e.value) == []


@pytest.mark.parametrize("fmt", ["in_tree", "cpi_ini", "csi"])
def test_the_filter_error_holds_no_password(fmt):
    with pytest.raises(AnsibleFilterError) as e:
        cc_filter(cfg(), fmt)
    assert leaked(e.value) == [] and "password" in str(e.value)


def test_the_filter_refuses_unknown_keys_and_bad_types_without_echoing_the_password():
    with pytest.raises(AnsibleFilterError) as e:
        cc_filter(cfg(password="hunter22", workspace={"defualt_datastore": "x"}), "in_tree")
    assert "defualt_datastore" in str(e.value) and "hunter22" not in str(e.value)
    with pytest.raises(AnsibleFilterError, match="port"):
        cc_filter(cfg(password="hunter22", port="many"), "in_tree")
    with pytest.raises(AnsibleFilterError, match="dictionary"):
        cc_filter("not a dict", "in_tree")
    with pytest.raises(AnsibleFilterError, match="format"):
        cc_filter(cfg(password="hunter22"), "in_tre")


def test_the_filter_still_renders_a_good_config():
    text = cc_filter(cfg(password='p;#"w', nodes={"internal_network_subnet_cidr": "10.0.0.0/24"}), "cpi_ini")
    assert 'password = "p;#\\"w"' in text and 'internal-network-subnet-cidr = "10.0.0.0/24"' in text


def test_masked_render_holds_no_password_in_any_format():
    for fmt in ("cpi_yaml",):
        assert "hunter22" not in render_config(cfg(password="hunter22"), fmt, mask=True)
    for fmt in ("in_tree", "cpi_ini", "csi"):
        assert "hunter22" not in render_config(cfg(password="hunter22"), fmt, mask=True)


def test_scrub_masks_every_form_of_a_secret():
    first_line = PASSWORD.splitlines()[0]
    text = "a %s b %r c %s d %s" % (PASSWORD, PASSWORD, base64.b64encode(PASSWORD.encode()).decode(), first_line)
    assert leaked(scrub(text, {PASSWORD})) == []


def _walk(spec, path=()):
    for name, opt in spec.items():
        yield path + (name,), opt
        if opt.get("options"):
            yield from _walk(opt["options"], path + (name,))


def test_every_secret_option_of_the_module_is_no_log():
    secretish = ("password", "passwd", "token", "api_key", "secret_key", "private_key")
    missing = [".".join(p) for p, opt in _walk(cc_module.argument_spec())
               if any(s in p[-1] for s in secretish) and not opt.get("no_log")]
    assert missing == []
    assert cc_module.argument_spec()["config"]["options"]["vcenters"]["options"]["password"]["no_log"] is True


def test_check_config_types_every_nested_key():
    _cfg, errors = check_config(cfg(password="x", disk={"scsicontrollertype": "pvscci"}))
    assert errors and "scsicontrollertype" in errors[0] and "pvscsi" in errors[0]
    _cfg, errors = check_config(cfg(password="x", ip_family=["ipv5"]))
    assert errors and "ip_family" in errors[0]


def test_the_validate_hint_names_the_configs_keys_not_the_vsphere_modules_options():
    messages = [
        "The TLS certificate of vCenter vc:443 is not trusted (x). Give the CA that signed it with ca_bundle "
        "(or VMWARE_CA_BUNDLE), or, on a lab only, set validate_certs: false.",
        "vCenter vc:443 rejected the login of user u: check username and password (a user needs its SSO domain).",
        "Cannot resolve the vCenter host name vc: x. Check hostname.",
        "vCenter vc:443 did not answer within 60s. Check hostname, port, proxy and firewall.",
        "Cannot reach vCenter vc:443: refused. Check hostname, port, proxy and that vCenter is up.",
    ]
    module_options = set(cc_module.argument_spec()) | set(cc_module.argument_spec()["config"]["options"]) | \
        set(cc_module.argument_spec()["config"]["options"]["vcenters"]["options"])
    for m in messages:
        hint = config_hint(m)
        for foreign in ("ca_bundle", "VMWARE_", "validate_certs", "username", "hostname", "proxy"):
            assert foreign not in hint, hint
    assert "insecure: true" in config_hint(messages[0]) and "ca_file" in config_hint(messages[0])
    assert {"insecure", "ca_file", "user", "password", "server", "port"} <= module_options


def test_bad_ports_and_servers_are_errors():
    with pytest.raises(ConfigError, match="port"):
        render_config(cfg(password="x", port=0), "in_tree")
    with pytest.raises(ConfigError, match="server"):
        render_config({"vcenters": [{"server": "vc1\n[Global]", "user": "u", "password": "p"}]}, "cpi_yaml")
    with pytest.raises(ConfigError, match="twice"):
        render_config({"vcenters": [{"server": "vc", "user": "u", "password": "p"}] * 2}, "csi")
