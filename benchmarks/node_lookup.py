"""Node VM lookup: node_vm_info with 20 node names in one task versus community.vmware.vmware_guest_info
looped by name. Run with the lab at LAB_VMS=5000 (benchmarks/run.sh does it)."""

import json
import os
import sys

from _harness import OURS_BIN, PEERS_BIN, peer_connection, run_playbook, table

with open(os.environ["LAB_VCSIM_INFO"]) as f:
    info = json.load(f)
total = info["vms_total"]
# 4 Kubernetes node VMs and 16 background VMs spread over both clusters stand for 20 node names.
names = [n["name"] for n in info["nodes"]]
names += ["DC0_C%d_RP0_VM%d" % (i % 2, (i * 97) % max(1, (total - 4) // 2)) for i in range(16)]
assert len(set(names)) == 20, names

rows = []
for attempt in (1, 2):
    ours = run_playbook(OURS_BIN, [{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
        "names": names, "fail_on_missing": True}}])
    rows.append(("ours: node_vm_info, 20 names in one task (run %d)" % attempt,) + ours)
    if ours[3] != 0:
        sys.exit("our run failed")
    peer = run_playbook(PEERS_BIN, [{"name": "lookup", "community.vmware.vmware_guest_info": dict(
        peer_connection(), datacenter="DC0", name="{{ item }}"), "loop": names}])
    rows.append(("peer: community.vmware.vmware_guest_info x20 (run %d)" % attempt,) + peer)
    if peer[3] != 0:
        sys.exit("peer run failed")
print("inventory: %d VMs, 20 node names" % total)
table(rows)
for col, what in ((1, "task time"), (5, "whole ansible-playbook run")):
    best_ours = min(r[col] for r in rows if r[0].startswith("ours"))
    best_peer = min(r[col] for r in rows if r[0].startswith("peer"))
    print("speed-up, %s (best of 2): %.1fx" % (what, best_peer / best_ours))
print("SOAP requests: ours %d, peer %d" % (rows[0][2], rows[1][2]))
