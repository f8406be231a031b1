"""ansible-inventory --list: our inventory plugin (vsphere_k8s.cloud_provider.nodes) versus community.vmware's
vmware_vm_inventory on the same vCenter. Run with the lab at LAB_VMS=5000 (benchmarks/run.sh does it).

Rows: ours with the cluster's 4 Nodes as hosts (what the plugin is for); ours with every VM as a host (day 0,
name_patterns ['*'], the same host count as the peer); the peer listing every VM (its defaults, no tags).

  inventory_plugin.py           the table above (best of 2)
  inventory_plugin.py --curve   ours only, one line per round-trip time of BENCH_RTTS (for the inventory-size
                                curve): requests, seconds and peak memory of ansible-inventory
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

from _harness import (OURS_BIN, OURS_RUNS, PEERS_BIN, RTTS, peer_connection, set_rtt, summary, trace_count,
                      trace_since)


def run(bin_dir, config, suffix):
    """(seconds, SOAP requests, HTTP requests, hosts, peak MB of ansible-inventory)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "inv" + suffix)
        with open(path, "w") as f:
            yaml.safe_dump(config, f)
        env = dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_DEPRECATION_WARNINGS="0")
        before = trace_count()
        t0 = time.monotonic()
        with open(os.path.join(d, "out"), "w+") as out, open(os.path.join(d, "err"), "w+") as err:
            proc = subprocess.Popen([os.path.join(bin_dir, "ansible-inventory"), "-i", path, "--list"], env=env,
                                    stdout=out, stderr=err)
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - t0
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit("ansible-inventory failed: %s" % stderr[-3000:])
    entries = trace_since(before)
    hosts = len(json.loads(stdout)["_meta"]["hostvars"])
    return (seconds, sum(1 for e in entries if e.get("kind") == "soap"),
            sum(1 for e in entries if e.get("kind") == "http"), hosts, usage.ru_maxrss / 1024.0)


with open(os.environ["LAB_VCSIM_INFO"]) as f:
    total = json.load(f)["vms_total"]
ours_nodes = {"plugin": "vsphere_k8s.cloud_provider.nodes", "kubernetes": {}, "zone_category": "k8s-zone",
              "region_category": "k8s-region", "internal_network_subnet_cidr": ["10.0.0.0/24"]}
ours_all = {"plugin": "vsphere_k8s.cloud_provider.nodes", "name_patterns": ["*"]}
peer = dict(peer_connection(), plugin="community.vmware.vmware_vm_inventory")
if "--curve" in sys.argv[1:]:
    for rtt in RTTS:
        set_rtt(rtt)
        for label, config in (("the cluster's Nodes", ours_nodes), ("every VM", ours_all)):
            runs = [run(OURS_BIN, config, ".vsphere_k8s.yml") for _run in range(OURS_RUNS)]
            summary("curve inventory_plugin, %s: inventory %6d VMs  rtt %4g ms  SOAP %3d  HTTP %2d  %6d hosts  %6.2f s"
                    "  peak %6.1f MB" % (label, total, rtt, runs[0][1], runs[0][2], runs[0][3],
                                         min(r[0] for r in runs), max(r[4] for r in runs)))
    sys.exit(0)
rows = []
for attempt in (1, 2):
    rows.append(("ours: the cluster's Nodes (run %d)" % attempt,) + run(OURS_BIN, ours_nodes, ".vsphere_k8s.yml"))
    rows.append(("ours: every VM, day 0 (run %d)" % attempt,) + run(OURS_BIN, ours_all, ".vsphere_k8s.yml"))
    rows.append(("peer: community.vmware.vmware_vm_inventory (run %d)" % attempt,) + run(PEERS_BIN, peer, ".vmware.yml"))
print("inventory: %d VMs" % total)
print("%-56s %8s %6s %6s %6s %8s" % ("ansible-inventory --list", "seconds", "SOAP", "HTTP", "hosts", "peak MB"))
for label, seconds, soap, rest, hosts, peak in rows:
    print("%-56s %8.2f %6d %6d %6d %8.1f" % (label, seconds, soap, rest, hosts, peak))
for key, label in (("ours: the cluster's Nodes", "ours, the cluster's Nodes"), ("ours: every VM", "ours, every VM"),
                   ("peer:", "peer vmware_vm_inventory")):
    runs = [r for r in rows if r[0].startswith(key)]
    summary("inventory_plugin, %d VMs: %s %.2f s, %d SOAP + %d HTTP, %d hosts (best of %d)" % (
        total, label, min(r[1] for r in runs), runs[0][2], runs[0][3], runs[0][4], len(runs)))
