"""The Kubernetes client's pure parts: names and namespaces in URLs, credentials from every source, one error path."""

import base64
import json

import pytest
import yaml

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import client
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import (
    KubeClient,
    KubernetesError,
    auth_header,
    check_namespace,
    check_object_name,
    kube_errors,
)

CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


# -- names and namespaces ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, name", [
    ("ConfigMap", "../secrets/x"),
    ("ConfigMap", ".."),
    ("ConfigMap", "."),
    ("ConfigMap", "a/b"),
    ("ConfigMap", "a%2Fb"),
    ("ConfigMap", "Upper"),
    ("ConfigMap", "trailing-"),
    ("ConfigMap", "x\n"),
    ("ConfigMap", ""),
    ("ConfigMap", "a" * 254),
    ("Secret", "a..b"),
    ("Service", "1abc"),  # a DNS-1035 label starts with a letter
    ("Service", "a.b"),
    ("Namespace", "a.b"),
    ("Namespace", "a" * 64),
    ("ClusterRole", ".."),
    ("ClusterRole", "system/../x"),
    ("RoleBinding", "a%b"),
    ("CSIDriver", "a" * 64),
    ("StorageClass", 5),
    ("PersistentVolume", ["x"]),
])
def test_names_kubernetes_would_refuse_or_that_change_the_url_are_refused(kind, name):
    with pytest.raises(KubernetesError) as e:
        KubeClient.path(kind, name, "default")
    assert kind in str(e.value) and "not valid" in str(e.value)


@pytest.mark.parametrize("kind, name", [
    ("ConfigMap", "internal-feature-states.csi.vsphere.vmware.com"),
    ("ClusterRole", "system:cloud-controller-manager"),
    ("ClusterRoleBinding", "system:cloud-controller-manager:apiserver-authentication-reader"),
    ("Role", "Any Name: with spaces"),
    ("CSIDriver", "csi.vsphere.vmware.com"),
    ("CSIDriver", "CSI.Example.com"),
    ("Service", "vsphere-csi-controller"),
    ("Namespace", "vmware-system-csi"),
    ("PersistentVolume", "a" * 253),
])
def test_names_kubernetes_accepts_pass(kind, name):
    assert check_object_name(kind, name) == name


@pytest.mark.parametrize("namespace", ["default/configmaps/../../kube-system", "..", "kube_system", "A", "a" * 64,
                                       "a.b", "", 3])
def test_namespaces_that_are_no_dns_label_are_refused_in_every_url(namespace):
    with pytest.raises(KubernetesError) as e:
        if namespace == "":
            check_namespace(namespace)
        else:
            KubeClient.path("ConfigMap", "x", namespace)
    assert "namespace" in str(e.value)


def test_list_checks_the_namespace_before_any_request():
    kube = KubeClient.__new__(KubeClient)
    kube.request = lambda *a, **k: pytest.fail("a request was sent")
    with pytest.raises(KubernetesError):
        kube.list("ConfigMap", namespace="default/../kube-system")


def test_rbac_names_are_url_quoted():
    assert KubeClient.path("Role", "a b?c#d", "ns") == "apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles/a%20b%3Fc%23d"
    assert KubeClient.path("ClusterRole", "system:x").endswith("/clusterroles/system:x")


def test_huge_names_are_shortened_in_messages():
    with pytest.raises(KubernetesError) as e:
        check_object_name("ConfigMap", "a" * 10000)
    assert len(str(e.value)) < 500 and "10000 characters" in str(e.value)


# -- credentials -----------------------------------------------------------------------------------------------------
def kubeconfig(user, server="https://127.0.0.1:6443"):
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {
            "server": server, "certificate-authority-data": base64.b64encode(CA.encode()).decode()}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "u"}},
                     {"name": "other", "context": {"cluster": "lab", "user": "u"}}],
    }


def test_a_token_in_a_kubeconfig_dict_is_sent():
    cfg = client._configuration({"kubeconfig": kubeconfig({"token": "tok-dict"})})
    assert auth_header(cfg) == "Bearer tok-dict"


def test_a_token_in_a_kubeconfig_file_is_sent(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig({"token": "tok-file"})))
    cfg = client._configuration({"kubeconfig": str(path), "context": "other"})
    assert auth_header(cfg) == "Bearer tok-file"


def test_a_kubeconfig_given_as_yaml_text_is_used_not_taken_for_a_path():
    cfg = client._configuration({"kubeconfig": yaml.safe_dump(kubeconfig({"token": "tok-text"}))})
    assert auth_header(cfg) == "Bearer tok-text"


def test_the_api_key_option_is_sent_and_wins_over_the_kubeconfig():
    cfg = client._configuration({"kubeconfig": kubeconfig({"token": "tok-dict"}), "api_key": "tok-option"})
    assert auth_header(cfg) == "Bearer tok-option"
    cfg = client._configuration({"host": "https://h:6443", "api_key": "Bearer tok-2"})
    assert auth_header(cfg) == "Bearer tok-2"


def test_a_token_from_an_exec_plugin_is_sent(tmp_path):
    plugin = tmp_path / "plugin.sh"
    plugin.write_text("#!/bin/sh\necho '%s'\n" % json.dumps({
        "apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
        "status": {"token": "tok-exec"}}))
    plugin.chmod(0o755)
    cfg = client._configuration({"kubeconfig": kubeconfig(
        {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(plugin)}})})
    assert auth_header(cfg) == "Bearer tok-exec"


class OldConfiguration:
    """A Configuration of an older kubernetes client: the token under api_key['authorization'], set by a hook."""

    def __init__(self):
        self.api_key, self.api_key_prefix, self.username, self.password = {}, {}, None, None

        def hook(cfg):
            cfg.api_key["authorization"] = "tok-old"
            cfg.api_key_prefix["authorization"] = "Bearer"
        self.refresh_api_key_hook = hook


def test_older_clients_token_key_and_refresh_hook_are_honoured():
    assert auth_header(OldConfiguration()) == "Bearer tok-old"


def test_basic_auth_from_a_kubeconfig():
    cfg = client._configuration({"kubeconfig": kubeconfig({"username": "admin", "password": "pw"})})
    assert auth_header(cfg) == "Basic " + base64.b64encode(b"admin:pw").decode()


# -- clear errors for every bad connection input ----------------------------------------------------------------------
@pytest.mark.parametrize("params, expected", [
    ({"kubeconfig": ["a"]}, "kubeconfig must be the path of a kubeconfig file or a kubeconfig as a dict, not a list"),
    ({"kubeconfig": 5}, "not a int"),
    ({"kubeconfig": "/no/such/kubeconfig"}, "does not exist"),
    ({"kubeconfig": kubeconfig({"token": "t"}), "context": "nope"}, "nope"),
    ({"kubeconfig": kubeconfig({"token": "t"}), "context": ""}, "context is empty"),
    ({"kubeconfig": {"clusters": "x", "users": 3}}, "Cannot use the kubeconfig"),
    ({"kubeconfig": {"apiVersion": "v1"}}, "Cannot use the kubeconfig"),
    ({"kubeconfig": kubeconfig({"token": "t"}, server="127.0.0.1:6443")}, "is not a URL"),
    ({"host": "not a url", "api_key": "t"}, "is not a URL"),
])
def test_bad_connection_inputs_are_one_clear_error(params, expected):
    with pytest.raises(KubernetesError) as e:
        client._configuration(params)
    assert expected in str(e.value)


class FakeModule:
    def __init__(self, params=None):
        self.params, self.no_log_values, self.failed = params or {}, set(), None

    def fail_json(self, **kw):
        self.failed = kw
        raise SystemExit(1)


class FakeKube:
    closed = False

    def close(self):
        self.closed = True


@pytest.mark.parametrize("error, expected", [
    (KubernetesError("GET x failed (500): boom"), "Reading things failed: GET x failed (500): boom"),
    (ValueError("Expecting value: line 1"), "ValueError: Expecting value"),
    (ConnectionResetError("reset by peer"), "ConnectionResetError: reset by peer"),
    (KeyError("items"), "KeyError"),
])
def test_kube_errors_turns_every_fault_into_one_message_and_closes_the_client(error, expected):
    module, kube = FakeModule(), FakeKube()
    result = {"changed": False}
    with pytest.raises(SystemExit):
        with kube_errors(module, kube, "Reading things", result=result):
            result["changed"] = True
            raise error
    assert expected in module.failed["msg"] and module.failed["changed"] is True
    assert kube.closed


def test_kube_errors_lets_a_module_failure_through_and_closes_the_client():
    module, kube = FakeModule(), FakeKube()
    with pytest.raises(SystemExit):
        with kube_errors(module, kube, "x"):
            module.fail_json(msg="own message")
    assert module.failed == {"msg": "own message"} and kube.closed


def test_urllib3_errors_become_clear_messages():
    client._import()
    module = FakeModule()
    with pytest.raises(SystemExit):
        with kube_errors(module, FakeKube(), "Applying"):
            raise client.urllib3.exceptions.ProtocolError("Connection aborted")
    assert "Applying failed" in module.failed["msg"]


def test_kube_client_registers_the_kubeconfig_secrets_before_connecting():
    module = FakeModule({"kubernetes": {"kubeconfig": kubeconfig({"token": "tok-nested"}), "context": "nope"}})
    with pytest.raises(SystemExit):
        client.kube_client(module, "kubernetes")
    assert "tok-nested" in module.no_log_values and "nope" in module.failed["msg"]
