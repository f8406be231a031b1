"""50 PV+PVC pairs for 50 existing disks in one persistent_volume task versus kubernetes.core.k8s looped twice
per volume (PV, then PVC), on the lab."""

import os
import subprocess
import sys
import uuid

from _harness import OURS_BIN, PEERS_BIN, run_playbook, table

N = 50


def kube(*args):
    subprocess.run([os.path.join(OURS_BIN, "python"), "-c", "import sys, kubernetes; "
                    "c = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(sys.argv[1])); "
                    "c.create_namespace({'metadata': {'name': sys.argv[2]}})", os.environ["K8S_AUTH_KUBECONFIG"]]
                   + list(args), check=True)


tag = uuid.uuid4().hex[:6]
rows = []
for attempt in (1, 2):
    disks = ["[LocalDS_1] kubevols/pvb-%s-%d-%02d.vmdk" % (tag, attempt, i) for i in range(N)]
    setup = run_playbook(OURS_BIN, [{"name": "disks", "vsphere_k8s.cloud_provider.vmdk": {
        "size": "64Mi", "disks": [{"path": p} for p in disks]}}])
    if setup[3] != 0:
        sys.exit("creating the disks failed")
    ns_ours, ns_peer = "bench-ours-%s-%d" % (tag, attempt), "bench-peer-%s-%d" % (tag, attempt)
    kube(ns_ours)
    kube(ns_peer)
    ours = run_playbook(OURS_BIN, [{"name": "pvs", "vsphere_k8s.cloud_provider.persistent_volume": {
        "provisioner": "in_tree", "capacity": "64Mi",
        "volumes": [{"name": "o%d-%s-%02d" % (attempt, tag, i), "path": p,
                     "claim": {"namespace": ns_ours, "name": "data-%02d" % i}} for i, p in enumerate(disks)]}}])
    rows.append(("ours: persistent_volume, 50 PV+PVC in one task (run %d)" % attempt,) + ours)
    if ours[3] != 0:
        sys.exit("our run failed")
    # The peer gets the same objects: PVs for other disk names (one PV per disk), each with its claim.
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "p%d-%s-{{ item }}" % (attempt, tag)},
          "spec": {"capacity": {"storage": "64Mi"}, "accessModes": ["ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                   "claimRef": {"namespace": ns_peer, "name": "data-{{ item }}"},
                   "vsphereVolume": {"volumePath": "[LocalDS_1] kubevols/peer-%s-{{ item }}.vmdk" % tag,
                                     "fsType": "ext4"}}}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": "data-{{ item }}", "namespace": ns_peer},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Mi"}},
                    "storageClassName": "", "volumeName": "p%d-%s-{{ item }}" % (attempt, tag)}}
    items = ["%02d" % i for i in range(N)]
    peer = run_playbook(PEERS_BIN, [
        {"name": "pv", "kubernetes.core.k8s": {"definition": pv, "state": "present"}, "loop": items},
        {"name": "pvc", "kubernetes.core.k8s": {"definition": pvc, "state": "present"}, "loop": items}])
    rows.append(("peer: kubernetes.core.k8s x100 (PV, PVC) (run %d)" % attempt,) + peer)
    if peer[3] != 0:
        sys.exit("peer run failed")
table(rows)
for col, what in ((1, "task time"), (5, "whole ansible-playbook run")):
    best_ours = min(r[col] for r in rows if r[0].startswith("ours"))
    best_peer = min(r[col] for r in rows if r[0].startswith("peer"))
    print("speed-up, %s (best of 2): %.1fx" % (what, best_peer / best_ours))
