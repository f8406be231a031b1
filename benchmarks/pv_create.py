"""PV+PVC pairs for existing disks in one persistent_volume task versus kubernetes.core.k8s looped twice per volume
(PV, then PVC), on the lab, at each round-trip time of BENCH_RTTS (default "0 20" ms; the apiserver is on loopback).

  pv_create.py           50 volumes, side by side with the peer (best of BENCH_OURS_RUNS / BENCH_PEER_RUNS); the
                         peer never talks to vCenter, so its runs at the first round-trip time stand for every one
  pv_create.py --curve   ours only at each size of BENCH_PVS (default "10 100 1000")
"""

import os
import subprocess
import sys
import uuid

from _harness import (OURS_BIN, OURS_RUNS, PEER_RUNS, PEERS_BIN, RTTS, best, ratio_lines, run_playbook, set_rtt,
                      summary, table)


def kube(*args):
    subprocess.run([os.path.join(OURS_BIN, "python"), "-c", "import sys, kubernetes; "
                    "c = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(sys.argv[1])); "
                    "c.create_namespace({'metadata': {'name': sys.argv[2]}})", os.environ["K8S_AUTH_KUBECONFIG"]]
                   + list(args), check=True)


def disks_for(n, label):
    tag = uuid.uuid4().hex[:6]
    disks = ["[LocalDS_1] kubevols/pvb-%s-%s-%04d.vmdk" % (tag, label, i) for i in range(n)]
    setup = run_playbook(OURS_BIN, [{"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "size": "64Mi", "disks": [{"path": p} for p in disks]}}])
    if not setup.ok():
        sys.exit("creating the disks failed")
    return tag, disks


def ours(n, label):
    tag, disks = disks_for(n, label)
    ns = "bench-ours-%s-%s" % (tag, label)
    kube(ns)
    r = run_playbook(OURS_BIN, [{"name": "pvs", "vsphere_k8s.cloud_provider.persistent_volume": {
        "provisioner": "in_tree", "capacity": "64Mi",
        "volumes": [{"name": "o%s-%s-%04d" % (label, tag, i), "path": p,
                     "claim": {"namespace": ns, "name": "data-%04d" % i}} for i, p in enumerate(disks)]}}])
    if not r.ok():
        sys.exit("our run failed")
    return r


def peer(n, label):
    tag = uuid.uuid4().hex[:6]
    ns = "bench-peer-%s-%s" % (tag, label)
    kube(ns)
    # The peer gets the same objects: PVs for other disk names (one PV per disk), each with its claim.
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "p%s-%s-{{ item }}" % (label, tag)},
          "spec": {"capacity": {"storage": "64Mi"}, "accessModes": ["ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                   "claimRef": {"namespace": ns, "name": "data-{{ item }}"},
                   "vsphereVolume": {"volumePath": "[LocalDS_1] kubevols/peer-%s-{{ item }}.vmdk" % tag,
                                     "fsType": "ext4"}}}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": "data-{{ item }}", "namespace": ns},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Mi"}},
                    "storageClassName": "", "volumeName": "p%s-%s-{{ item }}" % (label, tag)}}
    items = ["%04d" % i for i in range(n)]
    r = run_playbook(PEERS_BIN, [
        {"name": "pv", "kubernetes.core.k8s": {"definition": pv, "state": "present"}, "loop": items},
        {"name": "pvc", "kubernetes.core.k8s": {"definition": pvc, "state": "present"}, "loop": items}])
    if not r.ok():
        sys.exit("peer run failed")
    return r


if "--curve" in sys.argv[1:]:
    for rtt in RTTS:
        set_rtt(rtt)
        for n in [int(x) for x in os.environ.get("BENCH_PVS", "10 100 1000").split()]:
            r = ours(n, "c%d" % n)
            summary("curve persistent_volume: %5d PV+PVC  rtt %4g ms  SOAP %4d  task %7.2f s  peak %6.1f MB"
                    % (n, rtt, r.soap, r.task, r.peak_mb))
    sys.exit(0)

p = None
for rtt in RTTS:
    set_rtt(rtt)
    o = [ours(50, "r%d" % i) for i in range(OURS_RUNS)]
    p = p or [peer(50, "r%d" % i) for i in range(PEER_RUNS)]
    print("--- 50 PV+PVC, round trip %g ms to vCenter" % rtt)
    table([("ours: persistent_volume, 50 PV+PVC in one task (run %d)" % (i + 1), r) for i, r in enumerate(o)]
          + [("peer: kubernetes.core.k8s x100 (PV, PVC) (run %d)" % (i + 1), r) for i, r in enumerate(p)])
    summary("pv_create, 50 PV+PVC, %g ms: " % rtt + ratio_lines(
        "ours %.2f s (%d SOAP), peer %.2f s, speed-up" % (best(o), o[0].soap, best(p)), o, p))
