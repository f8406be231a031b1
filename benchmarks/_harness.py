"""Shared by the benchmark scripts: run a playbook with a given ansible, time it, count vcsim requests."""

import json
import os
import subprocess
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS_BIN = os.path.join(ROOT, ".venv", "bin")
PEERS_BIN = os.environ.get("PEERS_BIN", os.path.join(ROOT, ".venv-peers", "bin"))
TRACE = os.environ["LAB_VCSIM_TRACE"]


def trace_count():
    with open(TRACE, "rb") as f:
        return sum(1 for _line in f)


def trace_since(n):
    with open(TRACE) as f:
        lines = f.readlines()[n:]
    return [json.loads(line) for line in lines if line.strip()]


CALLBACKS = os.path.join(ROOT, "tests", "integration", "callback_plugins")


def run_playbook(bin_dir, tasks, extra_env=None):
    """Returns (task seconds, soap requests, rest requests, rc, whole run seconds). The task time is from
    the task's start to its (last) result, as the json_results callback records it."""
    play = [dict(hosts="localhost", gather_facts=False, tasks=tasks)]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(play, f)
    env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=os.path.join(bin_dir, "python"),
               ANSIBLE_STDOUT_CALLBACK="json_results", ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
               ANSIBLE_DEPRECATION_WARNINGS="0")
    env.update(extra_env or {})
    before = trace_count()
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "-i", "localhost,", "-c", "local", f.name],
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - t0
    os.unlink(f.name)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-2000:])
    entries = trace_since(before)
    soap = sum(1 for e in entries if e.get("kind") == "soap")
    rest = sum(1 for e in entries if e.get("kind") == "http")
    try:
        data = json.loads(proc.stdout[proc.stdout.index("{"):])
        task_seconds = sum(t["hosts"]["localhost"]["_seconds"] for t in data["plays"][0]["tasks"])
    except (ValueError, KeyError):
        task_seconds = float("nan")
    return task_seconds, soap, rest, proc.returncode, seconds


def table(rows):
    """rows: [(label, task seconds, soap, rest, rc, whole-run seconds)]"""
    print("%-56s %8s %9s %6s %6s" % ("run", "task s", "playbook s", "SOAP", "HTTP"))
    for label, task, soap, rest, _rc, whole in rows:
        print("%-56s %8.2f %9.2f %6d %6d" % (label, task, whole, soap, rest))


def peer_connection():
    """community.vmware takes no CA bundle for its SOAP connection: it runs with validate_certs false."""
    return dict(hostname=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]),
                username=os.environ["VMWARE_USER"], password=os.environ["VMWARE_PASSWORD"], validate_certs=False)
