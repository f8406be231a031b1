"""First Class Disks created in one vmdk task versus a loop of community.vmware.vmware_first_class_disk, on the lab,
at each round-trip time of BENCH_RTTS (default "0 20" ms).

  vmdk_create.py           50 disks, side by side with the peer (best of BENCH_OURS_RUNS / BENCH_PEER_RUNS)
  vmdk_create.py --curve   ours only at each size of BENCH_DISKS (default "10 100 500"): requests per disk
"""

import os
import sys
import uuid

from _harness import (OURS_BIN, OURS_RUNS, PEER_RUNS, PEERS_BIN, RTTS, best, peer_connection, ratio_lines,
                      run_playbook, set_rtt, summary, table, trace_count, trace_since)


def ours(n):
    tag = uuid.uuid4().hex[:6]
    r = run_playbook(OURS_BIN, [{"name": "create", "vsphere_k8s.cloud_provider.vmdk": {
        "datastore": "LocalDS_1", "size": "64Mi", "first_class": True,
        "disks": [{"name": "bench-%s-%03d" % (tag, i)} for i in range(n)]}}])
    if not r.ok():
        sys.exit("our run failed")
    return r


def peer(n):
    tag = uuid.uuid4().hex[:6]
    mark = trace_count()
    r = run_playbook(PEERS_BIN, [{"name": "create", "community.vmware.vmware_first_class_disk": dict(
        peer_connection(), datastore_name="LocalDS_1", disk_name="peer-%s-{{ item }}" % tag,
        size="64MB", state="present"), "loop": list(range(n)), "ignore_errors": True}])
    # community.vmware reads the whole TaskInfo of CreateDisk_Task, whose entity (the VStorageObjectManager)
    # pyvmomi refuses to deserialize: each item is reported failed after vCenter created its disk. Its time is
    # kept, as a lower bound of what a successful run would take.
    created = sum(1 for e in trace_since(mark) if e.get("method") == "CreateDisk_Task")
    print("peer run: %d CreateDisk_Task calls reached vCenter" % created)
    return r


if "--curve" in sys.argv[1:]:
    for rtt in RTTS:
        set_rtt(rtt)
        for n in [int(x) for x in os.environ.get("BENCH_DISKS", "10 100 500").split()]:
            r = ours(n)
            summary("curve vmdk: %4d first class disks  rtt %4g ms  SOAP %5d (%.2f per disk)  task %7.2f s  peak %6.1f MB"
                    % (n, rtt, r.soap, r.soap / float(n), r.task, r.peak_mb))
    sys.exit(0)

for rtt in RTTS:
    set_rtt(rtt)
    o = [ours(50) for _run in range(OURS_RUNS)]
    p = [peer(50) for _run in range(PEER_RUNS)]
    print("--- 50 first class disks, round trip %g ms" % rtt)
    table([("ours: vmdk, 50 first class disks in one task (run %d)" % (i + 1), r) for i, r in enumerate(o)]
          + [("peer: vmware_first_class_disk x50 (run %d)" % (i + 1), r) for i, r in enumerate(p)])
    summary("vmdk_create, 50 FCDs, %g ms: " % rtt + ratio_lines(
        "ours %.2f s (%d SOAP + %d HTTP), peer %.2f s, speed-up" % (best(o), o[0].soap, o[0].rest, best(p)), o, p))
