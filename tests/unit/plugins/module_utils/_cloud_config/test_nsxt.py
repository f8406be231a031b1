"""The out-of-tree provider's Load Balancer and Routes through NSX-T (issue 10, section 3): the loadBalancer,
loadBalancerClass, nsxt and route sections, rendered as the provider's readers read them (k8s.io/cloud-provider-vsphere
v1.36.0 pkg/cloudprovider/vsphere/loadbalancer/config, pkg/nsxt/config, pkg/cloudprovider/vsphere/route/config) and
checked with their rules before writing: a section they refuse is only logged, and the provider starts without it."""

import json

import pytest

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import parse
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    inline_credentials,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import (
    MASK,
    check_config,
    secrets_of,
)

NSXT = {"host": "nsx.example.com", "user": "admin", "password": 'nsx"pw;#'}
LB = {"size": "SMALL", "lb_service_id": "lbs-1", "tcp_app_profile_name": "tcp", "udp_app_profile_path": "/udp",
      "ip_pool_id": "pool-1"}


def cfg(**extra):
    base = {"vcenters": [{"server": "vc1.example.com", "user": "k8s@vsphere.local", "password": "pw-1"}],
            "nsxt": dict(NSXT)}
    base.update(extra)
    return base


def test_ini_sections_carry_the_provider_gcfg_keys():
    text = render_config(cfg(load_balancer=dict(LB, snat_disabled=True, tags={"owner": 'a"b'}),
                             load_balancer_classes=[{"name": "public", "ip_pool_id": "pub"}, {"name": "bare"}],
                             route={"router_path": "/infra/tier-1s/t1"}), "cpi_ini")
    data = parse(text)
    assert data[("LoadBalancer", None)] == {
        "size": "SMALL", "lb-service-id": "lbs-1", "tcp-app-profile-name": "tcp", "udp-app-profile-path": "/udp",
        "ip-pool-id": "pool-1", "snat-disabled": "true", "tags": '{"owner":"a\\"b"}'}
    assert data[("LoadBalancerClass", "public")] == {"ip-pool-id": "pub"}
    assert data[("LoadBalancerClass", "bare")] == {}
    assert data[("NSXT", None)] == {"host": "nsx.example.com", "user": "admin", "password": 'nsx"pw;#'}
    assert data[("Route", None)] == {"router-path": "/infra/tier-1s/t1"}


def test_yaml_sections_carry_the_provider_yaml_keys_and_keep_a_class_without_keys():
    doc = json.loads(render_config(cfg(load_balancer=dict(LB, tags={"k": "v"}),
                                       load_balancer_classes=[{"name": "bare"}],
                                       route={"router_path": "/infra/tier-1s/t1"}), "cpi_yaml"))
    assert doc["loadBalancer"] == {"size": "SMALL", "lbServiceId": "lbs-1", "tcpAppProfileName": "tcp",
                                   "udpAppProfilePath": "/udp", "ipPoolId": "pool-1", "tags": {"k": "v"}}
    assert doc["loadBalancerClass"] == {"bare": {}}
    assert doc["nsxt"] == {"host": "nsx.example.com", "user": "admin", "password": 'nsx"pw;#'}
    assert doc["route"] == {"routerPath": "/infra/tier-1s/t1"}


@pytest.mark.parametrize("fmt", ["cpi_ini", "cpi_yaml"])
def test_nsxt_password_and_vmc_token_are_masked_and_make_the_file_hold_credentials(fmt):
    c = cfg(credentials="secret", secret_name="vc-creds", secret_namespace="kube-system",
            nsxt=dict(NSXT, vmc_access_token="tok-SECRET", vmc_auth_host="console.example.com"))
    masked = render_config(c, fmt, mask=True)
    assert 'nsx"pw' not in masked and "nsx\\\"pw" not in masked and "tok-SECRET" not in masked
    assert MASK in masked
    assert inline_credentials(c, fmt)
    assert secrets_of(c) >= {'nsx"pw;#', "tok-SECRET"}


@pytest.mark.parametrize("fmt", ["cpi_ini", "cpi_yaml"])
def test_nsxt_credentials_in_a_secret_write_its_name_and_no_user_or_password(fmt):
    c = cfg(credentials="secret", secret_name="vc-creds", secret_namespace="kube-system",
            nsxt=dict(NSXT, credentials="secret", secret_name="nsxt-creds", secret_namespace="kube-system"))
    text = render_config(c, fmt)
    assert "admin" not in text and "nsx" + '"pw' not in text and "nsx\\\"pw" not in text
    assert "nsxt-creds" in text
    assert not inline_credentials(c, fmt)


@pytest.mark.parametrize("fmt", ["in_tree", "csi"])
@pytest.mark.parametrize("section", [{"nsxt": NSXT}, {"route": {"router_path": "/x"}}])
def test_the_nsxt_sections_are_refused_outside_the_out_of_tree_provider(fmt, section):
    c = {"vcenters": [{"server": "vc1.example.com", "user": "k8s@vsphere.local", "password": "p"}],
         "workspace": {"server": "vc1.example.com", "datacenter": "DC0", "folder": "k"}}
    c.update(section)
    with pytest.raises(ConfigError, match="only the out-of-tree provider"):
        render_config(c, fmt)


@pytest.mark.parametrize("extra, match", [
    ({"nsxt": None, "route": {"router_path": "/x"}}, "needs config.nsxt"),
    ({"nsxt": None, "load_balancer": LB}, "needs config.nsxt"),
    ({"nsxt": {"user": "a", "password": "b"}}, "needs host"),
    ({"nsxt": {"host": "https://nsx/"}}, "not a host name"),
    ({"nsxt": {"host": "nsx", "user": "a"}}, "password is empty"),
    ({"nsxt": {"host": "nsx", "password": "b"}}, "password needs user"),
    ({"nsxt": {"host": "nsx"}}, "needs credentials"),
    ({"nsxt": {"host": "nsx", "vmc_access_token": "t"}}, "vmc_auth_host"),
    ({"nsxt": {"host": "nsx", "client_auth_cert_file": "/c"}}, "together"),
    ({"nsxt": {"host": "nsx", "client_auth_key_file": "/k"}}, "together"),
    ({"nsxt": {"host": "nsx", "credentials": "secret", "secret_name": "s"}}, "secret_name and secret_namespace"),
    ({"nsxt": {"host": "nsx", "credentials": "secret", "secret_name": "S_", "secret_namespace": "n"}},
     "not a valid Kubernetes name"),
    ({"nsxt": dict(NSXT, secret_name="s", secret_namespace="n")}, "only with config.nsxt.credentials: secret"),
    ({"route": {"router_path": " "}}, "needs router_path"),
])
def test_nsxt_and_route_are_refused_as_the_provider_would_refuse_them(extra, match):
    with pytest.raises(ConfigError, match=match):
        render_config(cfg(**extra), "cpi_yaml")


@pytest.mark.parametrize("nsxt", [
    {"host": "nsx", "vmc_access_token": "t", "vmc_auth_host": "console.example.com"},
    {"host": "nsx:8443", "client_auth_cert_file": "/c.pem", "client_auth_key_file": "/k.pem", "ca_file": "/ca"},
    {"host": "nsx", "credentials": "secret", "secret_name": "nsxt", "secret_namespace": "kube-system"},
])
def test_every_nsxt_authentication_the_provider_takes_is_accepted(nsxt):
    assert "nsx" in render_config(cfg(nsxt=nsxt), "cpi_ini")


@pytest.mark.parametrize("lb, classes, match", [
    (dict(LB, lb_service_id=None), [], "lb_service_id or tier1_gateway_path"),
    (dict(LB, tcp_app_profile_name=None), [], "tcp_app_profile_name or tcp_app_profile_path"),
    (dict(LB, udp_app_profile_path=None), [], "udp_app_profile_name or udp_app_profile_path"),
    (dict(LB, size=None), [], "needs size"),
    (dict(LB, ip_pool_name="p"), [], "not both"),
    (dict(LB, ip_pool_id=None), [], "named default"),
    (dict(LB, ip_pool_id=None), [{"name": "default"}], "default needs ip_pool_name"),
    (LB, [{"name": "a"}, {"name": "a"}], "names a twice"),
    (LB, [{"name": "a", "ip_pool_name": "n", "ip_pool_id": "i"}], "not both"),
    (LB, [{"name": "a", "ip_pool_name": "n"}], "would be ignored"),
    (dict(LB, tags={"k": 1}), [], "text to text"),
    ({"size": "SMALL"}, [], "lb_service_id"),
])
def test_load_balancer_is_refused_as_the_provider_would_refuse_it(lb, classes, match):
    with pytest.raises(ConfigError, match=match):
        render_config(cfg(load_balancer=lb, load_balancer_classes=classes), "cpi_ini")


def test_a_load_balancer_with_its_pool_only_in_the_default_class_is_accepted():
    c = cfg(load_balancer=dict(LB, ip_pool_id=None, tier1_gateway_path="/infra/tier-1s/t1", lb_service_id=None),
            load_balancer_classes=[{"name": "default", "ip_pool_name": "pool"}, {"name": "other"}])
    assert parse(render_config(c, "cpi_ini"))[("LoadBalancerClass", "default")] == {"ip-pool-name": "pool"}


@pytest.mark.parametrize("config, where", [
    ({"load_balancer": {"size": "TINY"}}, "size"),
    ({"load_balancer": {"bogus": 1}}, "bogus"),
    ({"nsxt": {"host": "n", "typo_user": "x"}}, "typo_user"),
    ({"route": {"routerPath": "/x"}}, "routerPath"),
    ({"load_balancer_classes": [{"ip_pool_id": "x"}]}, "name"),
])
def test_unknown_keys_and_values_out_of_choices_are_refused(config, where):
    c = {"vcenters": [{"server": "vc1"}]}
    c.update(config)
    _validated, errors = check_config(c)
    assert errors and where in " ".join(errors)


def test_spec_errors_never_show_the_nsxt_password_or_token():
    _validated, errors = check_config({"vcenters": [{"server": "vc1"}], "nsxt": {
        "password": "SEKRET-pw", "vmc_access_token": "SEKRET-tok", "unknown": "x"}})
    assert errors and "SEKRET" not in " ".join(errors)
