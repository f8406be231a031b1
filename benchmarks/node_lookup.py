"""Node VM lookup: node_vm_info with 20 node names in one task versus community.vmware.vmware_guest_info looped by
name, and versus the physical limit: a bare pyvmomi script that logs in, reads every VM's name in one retrieval and
logs out. At each round-trip time of BENCH_RTTS (default "0 20" ms). Run with the lab at LAB_VMS=5000
(benchmarks/run.sh does it).

  node_lookup.py           side by side with the peer (best of BENCH_OURS_RUNS and of BENCH_PEER_RUNS runs)
  node_lookup.py --curve   ours and the limit only, one line per round-trip time (for the inventory-size curve)

Beside the limit it prints Ansible's own floor: the task time of ansible.builtin.ping, which talks to nothing.
Every Ansible module pays it (fork, module payload, a fresh interpreter) and a bare script does not.
"""

import json
import os
import sys

from _harness import (OURS_BIN, OURS_RUNS, PEER_RUNS, PEERS_BIN, RTTS, best, peer_connection, ratio_lines,
                      run_playbook, run_script, set_rtt, summary, table)

# The least a lookup of VMs by name can do: log in, one PropertyCollector retrieval of every VM's name through a
# container view, log out (the view's create and destroy are part of that retrieval).
BARE = r"""
import os, ssl, sys
from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vim, vmodl
names = set(sys.argv[1:])
si = SmartConnect(host=os.environ["VMWARE_HOST"], port=int(os.environ["VMWARE_PORT"]), user=os.environ["VMWARE_USER"],
                  pwd=os.environ["VMWARE_PASSWORD"],
                  sslContext=ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"]))
content = si.RetrieveContent()
view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
spec = vmodl.query.PropertyCollector.FilterSpec(
    objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[
        vmodl.query.PropertyCollector.TraversalSpec(name="v", path="view", skip=False, type=vim.view.ContainerView)])],
    propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name", "config.uuid"])])
found, result = 0, content.propertyCollector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
while result is not None:
    found += sum(1 for o in result.objects if o.propSet[0].val in names or (len(o.propSet) > 1 and o.propSet[1].val in names))
    result = content.propertyCollector.ContinueRetrievePropertiesEx(result.token) if result.token else None
view.Destroy()
Disconnect(si)
print(found)
"""

with open(os.environ["LAB_VCSIM_INFO"]) as f:
    info = json.load(f)
total = info["vms_total"]
# 4 Kubernetes node VMs and 16 background VMs spread over both clusters stand for 20 node names.
names = [n["name"] for n in info["nodes"]]
names += ["DC0_C%d_RP0_VM%d" % (i % 2, (i * 97) % max(1, (total - 4) // 2)) for i in range(16)]
assert len(set(names)) == 20, names
curve = "--curve" in sys.argv[1:]


def ours(by="names"):
    """by names: the 20 names; by uuids: the 4 node VMs' BIOS UUIDs, which vCenter's search index answers."""
    inputs = names if by == "names" else [n["uuid"] for n in info["nodes"]]
    r = run_playbook(OURS_BIN, [{"name": "lookup", "vsphere_k8s.cloud_provider.node_vm_info": {
        by: inputs, "fail_on_missing": True}}])
    if not r.ok():
        sys.exit("our run failed")
    return r


def peer():
    r = run_playbook(PEERS_BIN, [{"name": "lookup", "community.vmware.vmware_guest_info": dict(
        peer_connection(), datacenter="DC0", name="{{ item }}"), "loop": names}])
    if not r.ok():
        sys.exit("peer run failed")
    return r


def bare():
    seconds, soap, out = run_script(OURS_BIN, BARE, *names)
    if int(out) != 20:
        sys.exit("the bare script found %s of the 20 names" % out.strip())
    return seconds, soap


def floor():
    r = run_playbook(OURS_BIN, [{"name": "ping", "ansible.builtin.ping": {}}])
    if not r.ok():
        sys.exit("ansible.builtin.ping failed")
    return r


for rtt in RTTS:
    set_rtt(rtt)
    o, b = [], []
    for _run in range(OURS_RUNS):  # interleaved, so that a slow spell of the machine weighs on both alike
        o.append(ours())
        b.append(bare())
    limit_s, limit_soap = min(x[0] for x in b), b[0][1]
    if curve:
        summary("curve node_lookup: inventory %6d VMs  rtt %4g ms  SOAP %3d  task %6.2f s  module %6.2f s  peak %6.1f MB"
                "  | limit: SOAP %d, %.2f s" % (total, rtt, o[0].soap, best(o), best(o, "module"),
                                                max(r.peak_mb for r in o), limit_soap, limit_s))
        u = [ours("uuids") for _run in range(OURS_RUNS)]
        summary("curve node_lookup by 4 BIOS UUIDs (search index): inventory %6d VMs  rtt %4g ms  SOAP %3d  task %6.2f s"
                "  module %6.2f s  peak %6.1f MB" % (total, rtt, u[0].soap, best(u), best(u, "module"),
                                                     max(r.peak_mb for r in u)))
        continue
    f = [floor() for _run in range(OURS_RUNS)]
    p = [peer() for _run in range(PEER_RUNS)]
    print("--- inventory: %d VMs, 20 node names, round trip %g ms" % (total, rtt))
    table([("ours: node_vm_info, 20 names in one task (run %d)" % (i + 1), r) for i, r in enumerate(o)]
          + [("peer: community.vmware.vmware_guest_info x20 (run %d)" % (i + 1), r) for i, r in enumerate(p)]
          + [("Ansible's floor: ansible.builtin.ping (run %d)" % (i + 1), r) for i, r in enumerate(f)])
    print("limit: bare pyvmomi script (log in, one retrieval, log out): %.2f s for the whole process (best of %d), "
          "%d SOAP requests" % (limit_s, len(b), limit_soap))
    summary("node_lookup, %d VMs, %g ms: " % (total, rtt)
            + ratio_lines("ours %.2f s, peer %.2f s, speed-up" % (best(o), best(p)), o, p))
    summary("node_lookup, %d VMs, %g ms: against the limit (%.2f s): task %.2fx, module process %.2fx; Ansible's "
            "floor (ping) %.2f s task, %.2f s module" % (total, rtt, limit_s, best(o) / limit_s,
                                                         best(o, "module") / limit_s, best(f), best(f, "module")))
