"""Shared by the benchmark scripts: run a playbook with a given ansible, time it, count vcsim requests, measure
the peak memory of the module processes, and set the round-trip time of the lab's link in front of vcsim."""

import json
import os
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS_BIN = os.path.join(ROOT, ".venv", "bin")
PEERS_BIN = os.environ.get("PEERS_BIN", os.path.join(ROOT, ".venv-peers", "bin"))
TRACE = os.environ["LAB_VCSIM_TRACE"]
CALLBACKS = os.path.join(ROOT, "tests", "integration", "callback_plugins")
RTTS = [float(x) for x in os.environ.get("BENCH_RTTS", "0 20").split()]
# Runs of each kind, the best of which is kept: ours (and the bare limit) take about a second, so a few more runs
# cost little and keep a stray scheduler hiccup out of the ratios; a peer's run takes minutes and varies less.
OURS_RUNS = int(os.environ.get("BENCH_OURS_RUNS", "5"))
PEER_RUNS = int(os.environ.get("BENCH_PEER_RUNS", "2"))
SUMMARY = os.environ.get("BENCH_SUMMARY")


def set_rtt(ms):
    """The lab's link in front of vcsim holds every byte for half of this round trip, for connections opened
    from now on (lab/lab.sh rtt)."""
    with open(os.environ["LAB_VCSIM_RTT"], "w") as f:
        f.write("%g\n" % ms)


def trace_count():
    with open(TRACE, "rb") as f:
        return sum(1 for _line in f)


def trace_since(n):
    with open(TRACE) as f:
        lines = f.readlines()[n:]
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Run:
    task: float  # seconds from the task's start to its (last) result, as the json_results callback records it
    soap: int
    rest: int
    rc: int
    whole: float  # the whole ansible-playbook run
    peak_mb: float  # the largest peak resident memory of one module process
    module: float  # seconds of the module processes (interpreter start, imports, work), summed

    def ok(self):
        return self.rc == 0


# The interpreter Ansible runs modules with: the real one as a child, then its peak RSS and wall time appended to
# BENCH_MODULE_LOG (AnsiballZ runs the module inside that child).
WRAPPER = """#!%(python)s
import os, resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call([%(python)r] + sys.argv[1:])
with open(os.environ["BENCH_MODULE_LOG"], "a") as f:
    f.write("%%d %%f %%s\\n" %% (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.monotonic() - t,
                             os.path.basename(sys.argv[1]) if len(sys.argv) > 1 else "-"))
sys.exit(rc)
"""


def _wrapper(bin_dir, tmp):
    path = os.path.join(tmp, "python")
    with open(path, "w") as f:
        f.write(WRAPPER % dict(python=os.path.join(bin_dir, "python")))
    os.chmod(path, stat.S_IRWXU)
    return path


def run_playbook(bin_dir, tasks, extra_env=None):
    play = [dict(hosts="localhost", gather_facts=False, tasks=tasks)]
    with tempfile.TemporaryDirectory() as tmp:
        playbook = os.path.join(tmp, "play.yml")
        with open(playbook, "w") as f:
            yaml.safe_dump(play, f)
        log = os.path.join(tmp, "modules.log")
        env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=_wrapper(bin_dir, tmp), BENCH_MODULE_LOG=log,
                   ANSIBLE_STDOUT_CALLBACK="json_results", ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
                   ANSIBLE_DEPRECATION_WARNINGS="0")
        env.update(extra_env or {})
        before = trace_count()
        t0 = time.monotonic()
        proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook],
                              env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - t0
        modules = []
        if os.path.exists(log):
            with open(log) as f:
                modules = [line.split() for line in f if line.strip()]
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
    return Run(task_seconds, soap, rest, proc.returncode, seconds,
               max([int(m[0]) for m in modules] or [0]) / 1024.0, sum(float(m[1]) for m in modules))


def run_script(bin_dir, code, *args):
    """A bare Python script with that interpreter: (seconds of the whole process, SOAP requests, its stdout)."""
    before = trace_count()
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(bin_dir, "python"), "-c", code] + list(args), capture_output=True, text=True,
                          check=False)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit("the bare script failed: %s" % proc.stderr[-2000:])
    soap = sum(1 for e in trace_since(before) if e.get("kind") == "soap")
    return seconds, soap, proc.stdout


def best(runs, what="task"):
    return min(getattr(r, what) for r in runs)


def table(rows):
    """rows: [(label, Run)]"""
    print("%-58s %8s %10s %9s %6s %6s %8s" % ("run", "task s", "playbook s", "module s", "SOAP", "HTTP", "peak MB"))
    for label, r in rows:
        print("%-58s %8.2f %10.2f %9.2f %6d %6d %8.1f" % (label, r.task, r.whole, r.module, r.soap, r.rest, r.peak_mb))


def peer_connection():
    """community.vmware takes no CA bundle for its SOAP connection: it runs with validate_certs false."""
    return dict(hostname=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]),
                username=os.environ["VMWARE_USER"], password=os.environ["VMWARE_PASSWORD"], validate_certs=False)


def summary(line):
    """Print a line of the results and keep it for the summary benchmarks/run.sh prints at the end."""
    print(line)
    if SUMMARY:
        with open(SUMMARY, "a") as f:
            f.write(line + "\n")


def ratio_lines(label, ours, peer):
    """ours, peer: lists of Run (best of them)."""
    return "%s: task time %.1fx, whole run %.1fx, SOAP requests %d vs %d (best of %d and of %d runs)" % (
        label, best(peer) / best(ours), best(peer, "whole") / best(ours, "whole"),
        min(r.soap for r in ours), min(r.soap for r in peer), len(ours), len(peer))
