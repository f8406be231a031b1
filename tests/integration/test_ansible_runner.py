"""The AAP path: the collection's credential types injected as automation controller does, and bootstrap.yml run
through ansible-runner (the engine of AAP jobs) with the inventory plugin as inventory."""

import base64
import glob
import json
import os
import shutil
import stat
import subprocess
import tempfile

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import ROOT

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.argument_spec import (
    vsphere_argument_spec,
)

CREDENTIAL_TYPES = os.path.join(ROOT, "extensions", "aap", "credential_types")
LAB_YML = os.path.join(ROOT, "playbooks", "inventory", "lab.yml")
LAB_FILE = os.path.join(ROOT, "playbooks", "inventory", "lab.vsphere_k8s.yml")
BIN = os.path.dirname(os.path.realpath(shutil.which("ansible-playbook")))
# What the connection variables of the lab's environment are replaced by in a job: the credentials' injections.
CONNECTION_VARS = [v for spec in (vsphere_argument_spec(), kubernetes_argument_spec())
                   for o in spec.values() if o.get("fallback") for v in o["fallback"][1]]


def credential_type(name):
    with open(os.path.join(CREDENTIAL_TYPES, name + ".yml")) as f:
        return yaml.safe_load(f)


class _Namespace:
    pass


def inject(ctype, inputs, private_data_dir):
    """The environment a job gets from a credential of this type, built as automation controller builds it
    (awx.main.models.credential.CredentialType.inject_credential): every input in a namespace (booleans and missing
    fields take their default), each file template rendered into a 0600 file under env/ whose path is
    tower.filename[.<name>], then each env template rendered - all with Jinja2's immutable sandbox."""
    namespace = {}
    for field in ctype["inputs"]["fields"]:
        default = field.get("default", False if field["type"] == "boolean" else "")
        namespace[field["id"]] = inputs.get(field["id"], default)
    tower = _Namespace()
    namespace["tower"] = tower
    sandbox = ImmutableSandboxedEnvironment()
    os.makedirs(os.path.join(private_data_dir, "env"), exist_ok=True)
    for label, template in ctype["injectors"].get("file", {}).items():
        fd, path = tempfile.mkstemp(dir=os.path.join(private_data_dir, "env"))
        with os.fdopen(fd, "w") as f:
            f.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Namespace()
            setattr(tower.filename, label.split(".", 1)[1], path)
    return {k: sandbox.from_string(t).render(**namespace) for k, t in ctype["injectors"].get("env", {}).items()}


@pytest.fixture(scope="module")
def sa_token(kube):
    """A bearer token of a cluster-admin ServiceAccount: the kind of secret a kubeconfig credential holds."""
    import kubernetes
    core = kubernetes.client.CoreV1Api(kube)
    rbac = kubernetes.client.RbacAuthorizationV1Api(kube)
    name = "aap-job"
    try:
        core.create_namespaced_service_account("kube-system", {"metadata": {"name": name}})
    except kubernetes.client.ApiException as e:
        if e.status != 409:
            raise
    try:
        rbac.create_cluster_role_binding({
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "kube-system"}]})
    except kubernetes.client.ApiException as e:
        if e.status != 409:
            raise
    req = core.create_namespaced_service_account_token(name, "kube-system",
                                                       {"spec": {"expirationSeconds": 3600}})
    return req.status.token


def lab_inputs(sa_token):
    """The inputs a user types into the two credentials for the lab."""
    with open(os.environ["VMWARE_CA_BUNDLE"]) as f:
        ca = f.read()
    with open(os.environ["K8S_AUTH_KUBECONFIG"]) as f:
        server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]
    kubeconfig = yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {"server": server,
                                                 "certificate-authority-data": base64.b64encode(ca.encode()).decode()}}],
        "users": [{"name": "aap-job", "user": {"token": sa_token}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "aap-job"}}]})
    vcenter = dict(host=os.environ["VMWARE_HOST"], port=os.environ["VMWARE_PORT"], username=os.environ["VMWARE_USER"],
                   password=os.environ["VMWARE_PASSWORD"], validate_certs=True, ca_bundle=ca)
    return vcenter, {"kubeconfig": kubeconfig}


def job_env(private_data_dir, sa_token):
    vcenter, kubeconfig = lab_inputs(sa_token)
    env = inject(credential_type("vcenter"), vcenter, private_data_dir)
    env.update(inject(credential_type("kubeconfig"), kubeconfig, private_data_dir))
    return env


def base_env():
    """The test's environment without any connection variable: only the credentials give them."""
    return {k: v for k, v in os.environ.items() if k not in CONNECTION_VARS}


def test_credential_types_are_controller_definitions_injecting_exactly_the_module_variables():
    vsphere_vars = {v for o in vsphere_argument_spec().values() if o.get("fallback") for v in o["fallback"][1]}
    # The proxy (the network path) and session_reuse (how a play uses the session) are not the credential: a job
    # sets them in its environment.
    not_credential = {"VMWARE_PROXY_HOST", "VMWARE_PROXY_PORT", "VMWARE_SESSION_REUSE"}
    for name, wanted in (("vcenter", vsphere_vars - not_credential),
                         ("kubeconfig", {"K8S_AUTH_KUBECONFIG"})):
        ctype = credential_type(name)
        assert set(ctype) <= {"name", "description", "kind", "inputs", "injectors"} and ctype["kind"] == "cloud"
        fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
        assert all(f["type"] in ("string", "boolean") and f.get("label") for f in fields.values())
        assert set(ctype["inputs"]["required"]) <= set(fields)
        assert set(ctype["injectors"]) <= {"env", "file", "extra_vars"}
        assert set(ctype["injectors"]["env"]) == wanted
        # Secrets are marked so: the controller encrypts them and never shows them.
        for secret in ("password", "kubeconfig"):
            if secret in fields:
                assert fields[secret]["secret"] is True
        # Every template names only the credential's inputs and tower.filename.
        sandbox = ImmutableSandboxedEnvironment()
        from jinja2 import meta
        for template in list(ctype["injectors"]["env"].values()) + list(ctype["injectors"].get("file", {}).values()):
            assert meta.find_undeclared_variables(sandbox.parse(template)) <= set(fields) | {"tower"}


def test_the_injected_environment_runs_a_module_without_any_other_connection_setting(tmp_path, sa_token, playbook):
    env = job_env(str(tmp_path), sa_token)
    assert oct(os.stat(env["K8S_AUTH_KUBECONFIG"]).st_mode & 0o777) == "0o600"
    assert os.path.dirname(env["VMWARE_CA_BUNDLE"]) == str(tmp_path / "env")
    removed = {k: None for k in CONNECTION_VARS}
    r = playbook("""
        - name: nodes
          vsphere_k8s.cloud_provider.node_vm_info:
            from_cluster: true
            kubernetes: {}
    """, env=dict(removed, **env))
    assert r.rc == 0, r
    assert sorted(n["node_name"] for n in r["nodes"]["nodes"]) == ["k8s-cp-1", "k8s-worker-1", "k8s-worker-2",
                                                                   "k8s-worker-3"]
    assert sa_token not in r.stdout and os.environ["VMWARE_PASSWORD"] not in r.stdout
    # Without the vCenter credential the same task says what is missing.
    r = playbook("""
        - name: nodes
          vsphere_k8s.cloud_provider.node_vm_info:
            from_cluster: true
            kubernetes: {}
    """, env=dict(removed, K8S_AUTH_KUBECONFIG=env["K8S_AUTH_KUBECONFIG"]))
    assert r.rc != 0 and "hostname" in r["nodes"]["msg"]


def test_an_empty_ca_input_means_the_system_trust_store(tmp_path):
    env = inject(credential_type("vcenter"), dict(host="vc.example.com", username="u", password="p"), str(tmp_path))
    assert env["VMWARE_CA_BUNDLE"] == "" and env["VMWARE_PORT"] == "443" and env["VMWARE_VALIDATE_CERTS"] == "True"


def private_data_dir(tmp_path, sa_token):
    """A job's private data directory as automation controller lays it out for ansible-runner: the project, the
    inventory (the plugin's file with the site's variables in group_vars/), env/envvars (what the credentials
    inject), env/extravars (the job template's extra variables)."""
    pdd = tmp_path / "job"
    (pdd / "inventory" / "group_vars").mkdir(parents=True)
    os.symlink(os.path.join(ROOT, "playbooks"), pdd / "project")
    with open(LAB_FILE) as f:
        (pdd / "inventory" / "nodes.vsphere_k8s.yml").write_text(f.read())
    with open(LAB_YML) as f:
        lab = yaml.safe_load(f)
    (pdd / "inventory" / "group_vars" / "all.yml").write_text(yaml.safe_dump(lab["all"]["vars"]))
    node_vars = dict(lab["all"]["children"]["k8s_nodes"].get("vars") or {},
                     node_config_root=str(tmp_path / "nodes") + "/{{ inventory_hostname }}")
    (pdd / "inventory" / "group_vars" / "k8s_nodes.yml").write_text(yaml.safe_dump(node_vars))
    env = job_env(str(pdd), sa_token)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.environ["ANSIBLE_COLLECTIONS_PATH"], LAB_ROOT=os.environ["LAB_ROOT"])
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env))
    (pdd / "env" / "extravars").write_text(yaml.safe_dump({"bootstrap_mode": "external"}))
    return pdd


def test_bootstrap_runs_through_ansible_runner_and_no_secret_reaches_the_artifacts(tmp_path, sa_token):
    pdd = private_data_dir(tmp_path, sa_token)
    env = dict(base_env(), PATH=BIN + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "bootstrap.yml",
                           "--ident", "bootstrap", "--omit-env-files", "-q"],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    art = pdd / "artifacts" / "bootstrap"
    assert (art / "status").read_text() == "successful", proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (art / "rc").read_text() == "0"
    assert proc.returncode == 0
    events = [json.loads(open(p).read()) for p in sorted(glob.glob(str(art / "job_events" / "*.json")))]
    kinds = {e["event"] for e in events}
    assert {"playbook_on_start", "runner_on_ok", "playbook_on_stats"} <= kinds and "runner_on_failed" not in kinds
    stats = next(e for e in events if e["event"] == "playbook_on_stats")["event_data"]
    assert set(stats["ok"]) == {"localhost", "k8s-cp-1", "k8s-worker-1", "k8s-worker-2", "k8s-worker-3"}
    assert not stats.get("failures") and not stats.get("dark")
    # The node hosts came from the inventory plugin (the job's inventory has no host list).
    # No secret in any artefact (events, stdout, command): the vCenter password nor the cluster token.
    for path in glob.glob(str(art / "**"), recursive=True):
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                text = f.read()
            assert os.environ["VMWARE_PASSWORD"] not in text, path
            assert sa_token not in text, path


def test_the_doctor_runs_through_ansible_runner_and_its_report_holds_no_secret(tmp_path, sa_token):
    pdd = private_data_dir(tmp_path, sa_token)
    reports = tmp_path / "reports"
    (pdd / "env" / "extravars").write_text(yaml.safe_dump({"doctor_report_dir": str(reports),
                                                           "doctor_fail_on_errors": False}))
    env = dict(base_env(), PATH=BIN + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "doctor.yml",
                           "--ident", "doctor", "--omit-env-files", "-q"],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    art = pdd / "artifacts" / "doctor"
    assert (art / "status").read_text() == "successful", proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (art / "rc").read_text() == "0"
    with open(reports / "report.json") as f:
        report = json.load(f)
    assert set(report["summary"]["by_severity"]) == {"error", "warning", "info"}
    assert all({"check", "severity", "object", "message", "fix"} <= set(f) for f in report["findings"])
    for path in [p for p in glob.glob(str(art / "**"), recursive=True) if os.path.isfile(p)] + [
            str(reports / ("report." + ext)) for ext in ("json", "md", "html")]:
        with open(path, errors="replace") as f:
            text = f.read()
        assert os.environ["VMWARE_PASSWORD"] not in text, path
        assert sa_token not in text, path
