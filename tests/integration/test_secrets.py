"""No secret in any output: the lab's vCenter password and a Kubernetes bearer token, through -vvv runs.

Representative playbooks run with -vvv and --diff, with the password (it holds ; # " and a backslash) and a
ServiceAccount token given as api_key and inside a kubeconfig dict. Neither may appear, raw, JSON-escaped,
base64-encoded or by its distinctive core, in stdout, stderr, the Ansible log, or any file written - except the
files whose purpose is to hold them: a cloud-config file at mode 0600 and Secrets in the apiserver (whose
metadata, and every other object the runs touch, must not hold them either).
"""

import base64
import json
import os
import re
import subprocess
import uuid

import pytest
import yaml

from conftest import ROOT, _python_interpreter

BOOTSTRAP = os.path.join(ROOT, "playbooks", "bootstrap.yml")
INVENTORY = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
WRONG_PASSWORD = 'Wr0ng-Secret;#"\\x'


def forms(secret):
    """The ways a secret can show up in text: raw, JSON/YAML-escaped, Python repr, base64, and its core."""
    out = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], base64.b64encode(secret.encode()).decode()}
    out |= {base64.b64encode(secret.encode()).decode().rstrip("=")[:-4]}  # base64 inside a longer value
    core = max(re.findall(r"[A-Za-z0-9_-]+", secret), key=len)  # the longest run without special characters
    if len(core) >= 8:
        out.add(core)
    return {f for f in out if len(f) >= 8}


class Leaks:
    """Where each secret was found: {(secret label, where)}."""

    def __init__(self, secrets):
        self.secrets = {label: forms(s) for label, s in secrets.items()}
        self.found = []

    def scan(self, text, where):
        for label, variants in self.secrets.items():
            for v in variants:
                if v in text:
                    i = text.index(v)
                    self.found.append((label, where, text[max(0, i - 120):i + 40].replace("\n", "\\n")))
                    break

    def scan_tree(self, root, allowed=()):
        """Every file below root, except the allowed ones (which must be mode 0600)."""
        for d, _dirs, files in os.walk(root):
            for f in files:
                path = os.path.join(d, f)
                if path in allowed:
                    assert oct(os.stat(path).st_mode & 0o777) == "0o600", path
                    continue
                with open(path, "rb") as fh:
                    self.scan(fh.read().decode("utf-8", "replace"), path)


@pytest.fixture(scope="module")
def token(kube):
    """A bearer token of a ServiceAccount that is cluster admin in the lab."""
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    rbac = kubernetes.client.RbacAuthorizationV1Api(kube)
    name = "secrets-test"
    try:
        core.create_namespaced_service_account("default", {"metadata": {"name": name}})
    except kubernetes.client.ApiException as e:
        assert e.status == 409
    try:
        rbac.create_cluster_role_binding({
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "default"}]})
    except kubernetes.client.ApiException as e:
        assert e.status == 409
    tr = core.create_namespaced_service_account_token(name, "default", {"spec": {"expirationSeconds": 3600}})
    return tr.status.token


@pytest.fixture(scope="module")
def kube_server():
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        return yaml.safe_load(f)["clusters"][0]["cluster"]["server"]


def token_kubeconfig(server, token):
    """A kubeconfig (as a dict) that authenticates with the bearer token only."""
    return {"apiVersion": "v1", "kind": "Config", "current-context": "sa",
            "clusters": [{"name": "lab", "cluster": {"server": server,
                                                     "certificate-authority": os.environ["VMWARE_CA_BUNDLE"]}}],
            "users": [{"name": "sa", "user": {"token": token}}],
            "contexts": [{"name": "sa", "context": {"cluster": "lab", "user": "sa"}}]}


@pytest.fixture
def run(tmp_path):
    """Run ansible-playbook -vvv --diff with the default output, logging to a file; returns (proc, log text)."""

    def go(plays=None, path=None, inventory=None, env=None, extra_vars=None, check=False):
        if path is None:  # the playbooks hold the secrets as input: they live outside the scanned tree
            path = tmp_path.parent / ("%s-play-%s.yml" % (tmp_path.name, uuid.uuid4().hex[:6]))
            path.write_text(yaml.safe_dump(plays, sort_keys=False))
        log = tmp_path / "ansible.log"
        cmd = ["ansible-playbook", "-vvv", "--diff", str(path)]
        cmd += ["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        if check:
            cmd.append("--check")
        # Results carry the module arguments (as no_log masked them), and -vvv shows them.
        e = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOG_PATH=str(log), ANSIBLE_RETRY_FILES_ENABLED="0",
                 ANSIBLE_INJECT_INVOCATION="1",
                 ANSIBLE_PYTHON_INTERPRETER=_python_interpreter(), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
                 ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-tmp"))
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=600, check=False)

    return go


def check(leaks, proc, name):
    leaks.scan(proc.stdout, name + ": stdout")
    leaks.scan(proc.stderr, name + ": stderr")


def test_bootstrap_with_vvv_leaks_neither_password_nor_token(run, token, kube_server, tmp_path, kube):
    leaks = Leaks({"vCenter password": os.environ["VMWARE_PASSWORD"], "bearer token": token})
    nodes = str(tmp_path / "nodes")
    token_env = {"K8S_AUTH_KUBECONFIG": None, "K8S_AUTH_HOST": kube_server, "K8S_AUTH_API_KEY": token,
                 "K8S_AUTH_SSL_CA_CERT": os.environ["VMWARE_CA_BUNDLE"]}
    # External mode: the password goes into Secrets (by purpose) and nowhere else; the nodes get flags only.
    p = run(path=BOOTSTRAP, inventory=INVENTORY, env=token_env,
            extra_vars={"node_config_root": nodes + "/{{ inventory_hostname }}"})
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    check(leaks, p, "bootstrap")
    assert os.path.exists(os.path.join(nodes, "k8s-cp-1", "etc/default/kubelet"))
    leaks.scan_tree(str(tmp_path))
    scan_apiserver(leaks, kube)
    assert leaks.found == [], leaks.found


def scan_apiserver(leaks, kube):
    """Every object but a Secret's data: ConfigMaps, workloads, storage objects, and Secrets' metadata."""
    import kubernetes
    client = kubernetes.client.ApiClient.sanitize_for_serialization
    core, apps = kubernetes.client.CoreV1Api(kube), kubernetes.client.AppsV1Api(kube)
    storage = kubernetes.client.StorageV1Api(kube)
    for what, items in [("configmaps", core.list_config_map_for_all_namespaces().items),
                        ("daemonsets", apps.list_daemon_set_for_all_namespaces().items),
                        ("deployments", apps.list_deployment_for_all_namespaces().items),
                        ("storageclasses", storage.list_storage_class().items),
                        ("persistentvolumes", core.list_persistent_volume().items)]:
        for obj in items:
            leaks.scan(json.dumps(client(kube, obj)), "apiserver %s %s" % (what, obj.metadata.name))
    for s in core.list_secret_for_all_namespaces().items:
        leaks.scan(json.dumps(client(kube, s.metadata)), "apiserver Secret %s metadata" % s.metadata.name)


def task_list(token, kube_server, dest, prefix, token_via):
    """vmdk, persistent_volume, storage_class, k8s_apply and cloud_config, with the password and the token
    (token_via: as api_key, or inside a kubeconfig given as a dict)."""
    vcenter = {"password": "{{ lookup('ansible.builtin.env', 'VMWARE_PASSWORD') }}"}
    if token_via == "api_key":
        kc = {"host": kube_server, "api_key": token, "ca_cert": os.environ["VMWARE_CA_BUNDLE"]}
    else:
        kc = {"kubeconfig": token_kubeconfig(kube_server, token)}
    path = "[LocalDS_0] kubevols/%s.vmdk" % prefix
    config = {"vcenters": [{"server": os.environ["VMWARE_HOST"], "port": int(os.environ["VMWARE_PORT"]),
                            "user": os.environ["VMWARE_USER"], "password": vcenter["password"],
                            "datacenters": ["DC0"]}]}
    return [
        {"name": "disk", "vsphere_k8s.cloud_provider.vmdk": dict(vcenter, path=path, size="64Mi")},
        {"name": "volume", "vsphere_k8s.cloud_provider.persistent_volume": dict(
            kc, name=prefix, path=path, provisioner="in_tree", vcenter=vcenter)},
        {"name": "class", "vsphere_k8s.cloud_provider.storage_class": dict(
            kc, name=prefix, provisioner="in_tree", disk_format="thin", datastore="LocalDS_0")},
        {"name": "apply", "vsphere_k8s.cloud_provider.k8s_apply": dict(kc, definitions=[
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": prefix, "namespace": "default"},
             "data": {"k": "v"}}])},
        {"name": "file", "vsphere_k8s.cloud_provider.cloud_config": {
            "format": "in_tree", "dest": dest, "config": dict(config, workspace={
                "server": os.environ["VMWARE_HOST"], "datacenter": "DC0", "folder": "kubernetes"})}},
        {"name": "secret", "vsphere_k8s.cloud_provider.cloud_config": {
            "format": "csi", "config": dict(config, cluster_id=prefix),
            "secret": {"name": prefix, "namespace": "default", "key": "csi-vsphere.conf"}, "kubernetes": kc}},
    ]


@pytest.mark.parametrize("token_via", ["api_key", "kubeconfig dict"])
def test_storage_tasks_with_vvv_leak_neither_password_nor_token(run, token, kube_server, tmp_path, kube, token_via):
    leaks = Leaks({"vCenter password": os.environ["VMWARE_PASSWORD"], "bearer token": token})
    prefix = "sec-%s" % uuid.uuid4().hex[:6]
    dest = str(tmp_path / "out" / "vsphere.conf")
    tasks = task_list(token, kube_server, dest, prefix, token_via)
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    env = {"K8S_AUTH_KUBECONFIG": None}  # the token is the only Kubernetes credential
    for label, check_mode in (("apply", False), ("check", True)):
        p = run(play, env=env, check=check_mode)
        check(leaks, p, "storage tasks %s" % label)
        assert p.returncode == 0, p.stdout[-5000:] + p.stderr[-2000:]
    leaks.scan_tree(str(tmp_path), allowed={dest})
    scan_apiserver(leaks, kube)
    assert leaks.found == [], leaks.found


@pytest.mark.parametrize("case", [
    "wrong password", "bad disk item", "bad volume item, api_key", "kubernetes refuses, api_key",
    "bad volume item, kubeconfig dict",
    "kubernetes refuses, kubeconfig dict",
])
def test_failing_tasks_with_vvv_leak_neither_password_nor_token(run, token, kube_server, tmp_path, case):
    leaks = Leaks({"vCenter password": os.environ["VMWARE_PASSWORD"], "bearer token": token,
                   "wrong password": WRONG_PASSWORD})
    prefix = "sec-%s" % uuid.uuid4().hex[:6]
    if case.endswith("api_key"):
        kc = {"host": kube_server, "api_key": token, "ca_cert": os.environ["VMWARE_CA_BUNDLE"]}
    else:
        kc = {"kubeconfig": token_kubeconfig(kube_server, token)}
    password = "{{ lookup('ansible.builtin.env', 'VMWARE_PASSWORD') }}"
    if case == "wrong password":
        task = {"vsphere_k8s.cloud_provider.vmdk": {"password": WRONG_PASSWORD, "path": "[LocalDS_0] kubevols/x.vmdk",
                                                    "size": "1Gi"}}
    elif case == "bad disk item":
        task = {"vsphere_k8s.cloud_provider.vmdk": {"password": password, "disks": [
            {"path": "[LocalDS_0] kubevols/%s.vmdk" % prefix, "size": "1Gi", "state": "Present", "sise": "1Gi"}]}}
    elif case.startswith("bad volume item"):
        task = {"vsphere_k8s.cloud_provider.persistent_volume": dict(kc, vcenter={"password": password}, volumes=[
            {"name": prefix, "path": "[LocalDS_0] kubevols/%s.vmdk" % prefix, "reclaim_policy": "Recycle"}])}
    else:  # the API server refuses an invalid name (422)
        task = {"vsphere_k8s.cloud_provider.k8s_apply": dict(kc, definitions=[
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_A_Name", "namespace": "default"},
             "data": {"k": "v"}}])}
    p = run([{"hosts": "localhost", "gather_facts": False, "tasks": [dict(task, name="fails")]}],
            env={"K8S_AUTH_KUBECONFIG": None})
    check(leaks, p, case)
    leaks.scan_tree(str(tmp_path))
    assert leaks.found == [], leaks.found
    assert p.returncode != 0, p.stdout[-3000:]
    assert "fatal:" in p.stdout, p.stdout[-3000:]
