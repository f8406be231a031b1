"""Every credential a kubeconfig holds is found, so that it can be registered as a no_log value."""

import yaml

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import (
    kubeconfig_secrets,
    register_kube_secrets,
)


def config(*users):
    return {"apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "https://h:6443", "certificate-authority-data": "CA-DATA"}}],
            "users": [{"name": "u%d" % i, "user": u} for i, u in enumerate(users)],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u0"}}], "current-context": "c"}


FULL = config(
    {"token": "tok-1", "client-key-data": "KEY-DATA", "client-certificate-data": "CERT-DATA"},
    {"username": "admin", "password": "pass-1"},
    {"auth-provider": {"name": "oidc", "config": {"client-id": "kubernetes", "client-secret": "oidc-secret",
                                                  "id-token": "id-tok", "refresh-token": "refresh-tok",
                                                  "idp-issuer-url": "https://idp"}}},
    {"exec": {"command": "get-token", "args": ["--token=arg-tok", "--password", "arg-pass", "--region", "eu"],
              "env": [{"name": "AWS_SECRET", "value": "env-secret"}, {"name": "PROFILE", "value": "env-profile"}]}},
)


def test_every_credential_of_a_kubeconfig_dict_is_found():
    assert kubeconfig_secrets(FULL) == {"tok-1", "KEY-DATA", "CERT-DATA", "pass-1", "oidc-secret", "id-tok",
                                        "refresh-tok", "arg-tok", "arg-pass", "env-secret", "env-profile"}


def test_public_values_are_not_taken_for_secrets():
    found = kubeconfig_secrets(FULL)
    for public in ("admin", "kubernetes", "https://idp", "https://h:6443", "CA-DATA", "get-token", "eu", "u0", "c"):
        assert public not in found


def test_a_kubeconfig_file_and_yaml_text_give_the_same_secrets(tmp_path):
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(FULL))
    assert kubeconfig_secrets(str(path)) == kubeconfig_secrets(FULL)
    assert kubeconfig_secrets(yaml.safe_dump(FULL)) == kubeconfig_secrets(FULL)


def test_nothing_breaks_on_malformed_or_missing_kubeconfigs(tmp_path):
    for bad in (None, "", "/no/such/file", 5, ["x"], {"users": "x"}, {"users": [None, "x", {"user": "y"}]},
                {"users": [{"user": {"token": None, "exec": {"args": "x", "env": ["x"]}}}]}):
        assert kubeconfig_secrets(bad) == set()
    (tmp_path / "bin").write_bytes(b"\x00\xff")
    assert kubeconfig_secrets(str(tmp_path / "bin")) == set()


def test_a_users_map_still_yields_its_secrets():
    assert kubeconfig_secrets({"users": {"u": {"user": {"token": "t-map"}}}}) == {"t-map"}


class Module:
    def __init__(self, params):
        self.params, self.no_log_values = params, set()


def test_register_adds_the_top_level_and_the_nested_kubeconfig_secrets_and_the_api_key():
    module = Module({"kubeconfig": config({"token": "top"}), "api_key": "key-1",
                     "kubernetes": {"kubeconfig": config({"client-key-data": "nested-key"}), "api_key": None}})
    register_kube_secrets(module)
    assert module.no_log_values == {"top", "key-1"}
    register_kube_secrets(module, "kubernetes")
    assert module.no_log_values == {"top", "key-1", "nested-key"}


def test_register_copes_with_an_absent_nested_option():
    module = Module({"kubernetes": None})
    assert register_kube_secrets(module, "kubernetes") == set()
    assert register_kube_secrets(Module({}), "kubernetes") == set()
