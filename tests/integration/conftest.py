"""Fixtures for integration tests: run real playbooks against the lab and look at what they did.

The lab must be up (make lab) and its environment loaded (source .lab/env); tests/run.sh does both.
"""

import json
import os
import ssl
import subprocess
import textwrap

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = "vsphere_k8s.cloud_provider"


def _need(var):
    value = os.environ.get(var)
    if not value:
        pytest.exit("%s is not set: run 'make lab' and 'source .lab/env' first" % var, returncode=2)
    return value


class PlaybookResult:
    def __init__(self, proc, data):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.data = data
        self.tasks = {}
        self.by_host = {}
        for play in (data or {}).get("plays", []):
            for task in play.get("tasks", []):
                for host, result in task["hosts"].items():
                    self.by_host.setdefault(host, {})[task["task"]["name"]] = result
                self.tasks[task["task"]["name"]] = task["hosts"].get("localhost", next(iter(task["hosts"].values())))
        self.all_stats = (data or {}).get("stats", {})
        self.stats = self.all_stats.get("localhost", {})

    def __getitem__(self, name):
        return self.tasks[name]

    def __repr__(self):
        return "PlaybookResult(rc=%s, tasks=%s, stderr=%s)" % (self.rc, json.dumps(self.tasks, indent=1)[:4000],
                                                               self.stderr[-2000:])


@pytest.fixture(scope="session")
def lab_env():
    _need("VMWARE_HOST")
    _need("K8S_AUTH_KUBECONFIG")
    with open(_need("LAB_VCSIM_INFO")) as f:
        return json.load(f)


@pytest.fixture
def playbook(lab_env, tmp_path):
    """Run a playbook given as YAML text (a list of tasks, or whole plays) and return its JSON results."""

    def run(tasks=None, check=False, diff=False, env=None, extra_vars=None, module_defaults=None, path=None,
            inventory=None):
        """tasks: YAML text or a list of tasks or plays; or path: a playbook file (with inventory)."""
        if path is None:
            if isinstance(tasks, str):
                tasks = yaml.safe_load(textwrap.dedent(tasks))
            plays = tasks if tasks and isinstance(tasks[0], dict) and "hosts" in tasks[0] else [
                dict(hosts="localhost", gather_facts=False, tasks=tasks)]
            if module_defaults:
                for play in plays:
                    play["module_defaults"] = module_defaults
            path = tmp_path / "playbook.yml"
            path.write_text(yaml.safe_dump(plays, sort_keys=False))
        cmd = ["ansible-playbook", str(path)] + (["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"])
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        e = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json_results",
                 ANSIBLE_CALLBACK_PLUGINS=os.path.join(os.path.dirname(__file__), "callback_plugins"),
                 ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                 ANSIBLE_PYTHON_INTERPRETER=_python_interpreter())
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        proc = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=900, check=False)
        try:
            data = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError:
            data = None
        return PlaybookResult(proc, data)

    return run


def _python_interpreter():
    import shutil
    ap = shutil.which("ansible-playbook")
    return os.path.join(os.path.dirname(ap), "python")


@pytest.fixture(scope="session")
def vsphere(lab_env):
    """A pyvmomi session to look at vcsim directly (not through the collection)."""
    from pyVim.connect import SmartConnect, Disconnect
    ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
    si = SmartConnect(host=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]),
                      user=os.environ["VMWARE_USER"], pwd=os.environ["VMWARE_PASSWORD"], sslContext=ctx)
    yield si
    Disconnect(si)


@pytest.fixture(scope="session")
def kube(lab_env):
    """The official kubernetes client on the lab apiserver (not the collection's own client)."""
    import kubernetes
    api = kubernetes.config.new_client_from_config(config_file=os.environ["K8S_AUTH_KUBECONFIG"])
    return api


class Log:
    """A log file read from a mark on: the vcsim request trace or the apiserver audit log."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)
        return self

    def entries(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read().decode("utf-8", "replace")
        return [json.loads(line) for line in data.splitlines() if line.strip()]


@pytest.fixture
def vcsim_trace(lab_env):
    """Requests vcsim received after the fixture was set up (one dict per request: kind, method, this)."""
    return Log(os.environ["LAB_VCSIM_TRACE"]).mark()


@pytest.fixture
def audit_log(lab_env):
    """Audit events of the lab apiserver after the fixture was set up."""
    return Log(os.environ["LAB_AUDIT_LOG"]).mark()


MUTATING_SOAP = ("Create", "Delete", "Destroy", "Reconfig", "Register", "Move", "Rename", "Extend", "Attach",
                 "Detach", "Relocate", "PowerOn", "PowerOff", "Update", "Set", "Add", "Remove", "Clone", "Inflate",
                 "Shrink", "Copy", "Make", "Unregister")
READ_ONLY_SOAP = {"CreateContainerView", "DestroyView", "CreateFilter", "DestroyPropertyFilter",
                  "DestroyCollector", "CreatePropertyCollector", "CreateCollectorForEvents"}


def mutating_soap_calls(entries):
    """SOAP calls that change vSphere state (the view and filter bookkeeping of reads does not count)."""
    return [e for e in entries if e.get("kind") == "soap" and e["method"] not in READ_ONLY_SOAP
            and e["method"].startswith(MUTATING_SOAP)]


def audit_writes(events, user="lab-admin"):
    """Persisted writes by the lab's admin user: no dry runs, no reads, no request the apiserver refused (an invalid
    or forbidden write answers 4xx and persists nothing)."""
    return [e for e in events if e.get("verb") in ("create", "update", "patch", "delete", "deletecollection")
            and e.get("user", {}).get("username") == user and "dryRun=All" not in e.get("requestURI", "")
            and e.get("stage") == "ResponseComplete"
            and (e.get("responseStatus") or {}).get("code", 200) < 400]
