"""A play of 20 vSphere tasks (node_vm_info, one name each) with and without session_reuse, at each round-trip time
of BENCH_RTTS (default "0 20" ms): logins, SOAP requests and the play's task time (best of 2)."""

import os
import sys
import tempfile

from _harness import OURS_BIN, RTTS, best, run_playbook, set_rtt, summary, table, trace_count, trace_since

TASKS = [{"name": "lookup %d" % i, "vsphere_k8s.cloud_provider.node_vm_info": {"names": ["k8s-worker-1"]}}
         for i in range(20)]
END = [{"name": "end", "vsphere_k8s.cloud_provider.vcenter_session": {"state": "absent"}}]


def play(reuse):
    with tempfile.TemporaryDirectory() as cache:
        mark = trace_count()
        r = run_playbook(OURS_BIN, TASKS + (END if reuse else []),
                         extra_env=dict(XDG_CACHE_HOME=cache, VMWARE_SESSION_REUSE=str(reuse).lower()))
        if not r.ok():
            sys.exit("the play failed")
        logins = sum(1 for e in trace_since(mark) if e.get("method") == "Login")
    return r, logins


for rtt in RTTS:
    set_rtt(rtt)
    off = [play(False), play(False)]
    on = [play(True), play(True)]
    print("--- 20 node_vm_info tasks in one play, round trip %g ms" % rtt)
    table([("without session_reuse (run %d): %d logins" % (i + 1, n), r) for i, (r, n) in enumerate(off)]
          + [("with session_reuse (run %d): %d login(s)" % (i + 1, n), r) for i, (r, n) in enumerate(on)])
    saved = best([x[0] for x in off]) - best([x[0] for x in on])
    summary("session_reuse at %g ms saves %.2f s of task time over 20 tasks (%.0f ms a task; %.2f s against %.2f s), "
            "%d SOAP requests, %d logins against %d" % (
                rtt, saved, saved * 1000 / 20, best([x[0] for x in on]), best([x[0] for x in off]),
                off[0][0].soap - on[0][0].soap, on[0][1], off[0][1]))
os.environ.pop("VMWARE_SESSION_REUSE", None)
