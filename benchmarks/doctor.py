"""The doctor on the lab (LAB_VMS=5000 by default in benchmarks/run.sh): task time and vCenter requests with the
demo's volumes, then with 100 more in-tree PVs (requests must stay the same). Run after 'make demo'.

  doctor.py           the table above
  doctor.py --curve   one line per round-trip time of BENCH_RTTS (for the inventory-size curve): requests, task
                      time and peak memory (best of BENCH_OURS_RUNS)
"""

import os
import sys
import uuid

from _harness import OURS_BIN, OURS_RUNS, RTTS, best, run_playbook, set_rtt, summary, table

N = 100
DOCTOR = {"name": "doctor", "vsphere_k8s.cloud_provider.doctor": {"node_folder": "kubernetes", "datacenter": "DC0"}}

if "--curve" in sys.argv[1:]:
    for rtt in RTTS:
        set_rtt(rtt)
        runs = [run_playbook(OURS_BIN, [DOCTOR]) for _run in range(OURS_RUNS)]
        if not all(r.ok() for r in runs):
            sys.exit("the doctor failed")
        summary("curve doctor: inventory %6s VMs  rtt %4g ms  SOAP %3d  HTTP %2d  task %6.2f s  module %6.2f s  peak %6.1f MB"
                % (os.environ.get("LAB_VMS", "?"), rtt, runs[0].soap, runs[0].rest, best(runs), best(runs, "module"),
                   max(r.peak_mb for r in runs)))
    sys.exit(0)

rows = [("doctor, %s VMs, demo volumes (run 1)" % os.environ.get("LAB_VMS", "?"), run_playbook(OURS_BIN, [DOCTOR]))]
rows.append(("doctor, demo volumes (run 2)", run_playbook(OURS_BIN, [DOCTOR])))
tag = uuid.uuid4().hex[:6]
disks = ["[LocalDS_1] kubevols/docbench-%s-%03d.vmdk" % (tag, i) for i in range(N)]
setup = run_playbook(OURS_BIN, [{"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
    "size": "64Mi", "disks": [{"path": p} for p in disks]}}])
if setup.rc != 0:
    sys.exit("creating the disks failed")
pvs = run_playbook(OURS_BIN, [{"name": "pvs", "vsphere_k8s.cloud_provider.persistent_volume": {
    "provisioner": "in_tree", "capacity": "64Mi",
    "volumes": [{"name": "docbench-%s-%03d" % (tag, i), "path": p} for i, p in enumerate(disks)]}}])
if pvs.rc != 0:
    sys.exit("creating the PVs failed")
rows.append(("doctor, + %d in-tree PVs (run 1)" % N, run_playbook(OURS_BIN, [DOCTOR])))
rows.append(("doctor, + %d in-tree PVs (run 2)" % N, run_playbook(OURS_BIN, [DOCTOR])))
table(rows)
summary("doctor, %s VMs: %.2f s, %d SOAP + %d HTTP; with %d more in-tree PVs: %.2f s, %d SOAP + %d HTTP" % (
    os.environ.get("LAB_VMS", "?"), best([r for _label, r in rows[:2]]), rows[0][1].soap, rows[0][1].rest, N,
    best([r for _label, r in rows[2:]]), rows[2][1].soap, rows[2][1].rest))
