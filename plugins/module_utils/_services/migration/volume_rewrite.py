# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-tree vsphereVolume PersistentVolumes rewritten as native CSI PersistentVolumes of the same name, for the same
disk, bound to the same claim (issue 13, "Volume rewrite").

The steps of one volume, each idempotent and each resumable from what the cluster and vCenter hold:
  retain     the old PV's reclaim policy set to Retain (the first write: nothing later can delete the disk)
  scale_down owners of pods using the claim scaled to 0 (their replicas recorded on the owner first, in the same
             patch) and the pods waited gone
  fcd        the VMDK registered as a First Class Disk (the same file; an FCD of that file is reused)
  cns        the First Class Disk registered in CNS as a static block volume, as the CSI syncer does
  record     the replacement PV's manifest recorded on the claim (annotation ANNOTATION)
  delete     the old PV object deleted (reclaim Retain: its disk stays), its pv-protection finalizer removed
  create     the CSI PV created from the recorded manifest; the claim waited Bound again
  finish     the record removed from the claim, the owners' replicas restored
A run interrupted anywhere is completed by the next: an old PV gone is found again through its record on the claim,
scaled-down owners through their own record. No step deletes a disk.
"""

from __future__ import annotations

import copy
import json
import time

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import CSI_DRIVER
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError, VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import name_problem
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import disk_ops
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.cns import Cns
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disk_spec import (
    DiskSpecError,
    parse_disk,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import TaskFailed

ANNOTATION = "vsphere-k8s.io/pv-migration"                   # on the claim: the replacement PV, as JSON
REPLICAS_ANNOTATION = "vsphere-k8s.io/pv-migration-replicas"  # on a scaled-down owner: {"replicas", "volumes"}
PV_PROTECTION = "kubernetes.io/pv-protection"
CSI_VOLUME_TYPE = "vSphere CNS Block Volume"
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "pv.kubernetes.io/provisioned-by")
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet")
STEPS = ("retain", "scale_down", "fcd", "cns", "record", "delete", "create", "finish")


class Refused(Exception):
    """A volume that is not rewritten, with the reason the user reads."""


# -- pure logic ------------------------------------------------------------------------------------------------
def validate_options(p):
    """Errors of the module's options (every name, datacenter, cluster_id, timeout), before anything is read."""
    errors = []
    names = p.get("names")
    if not names:
        errors.append("names: give at least one PersistentVolume name")
    for i, name in enumerate(names or []):
        problem = name_problem("subdomain", name)
        if problem:
            errors.append("names[%d] (%r): not a PersistentVolume name: %s" % (i, name, problem))
    dup = sorted({n for n in names or [] if isinstance(n, str) and names.count(n) > 1})
    errors += ["names: %s is given twice" % n for n in dup]
    for option in ("datacenter", "cluster_id"):
        if not isinstance(p.get(option), str) or not p[option].strip():
            errors.append("%s: give a non-empty value (the site's own; it has no default)" % option)
    if not isinstance(p.get("timeout"), int) or p["timeout"] <= 0:
        errors.append("timeout: give a number of seconds larger than 0, not %r" % p.get("timeout"))
    return errors


def csi_manifest(pv, fcd_id):
    """The native CSI PersistentVolume replacing an in-tree one: the same name, labels, capacity, access modes,
    volume mode, class, mount options, node affinity and claim (with its UID); the First Class Disk as volume
    handle, the in-tree fsType (and storage policy) kept; reclaim policy Retain. Server fields are left out."""
    md, spec = pv["metadata"], pv["spec"]
    src = spec["vsphereVolume"]
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k not in DROPPED_ANNOTATIONS}
    annotations["pv.kubernetes.io/provisioned-by"] = CSI_DRIVER
    annotations["vsphere-k8s.io/migrated-from"] = src.get("volumePath", "")
    csi = {"driver": CSI_DRIVER, "volumeHandle": fcd_id, "volumeAttributes": {"type": CSI_VOLUME_TYPE}}
    if src.get("fsType"):
        csi["fsType"] = src["fsType"]
    if src.get("storagePolicyName"):
        csi["volumeAttributes"]["storagepolicyname"] = src["storagePolicyName"]
    new_spec = {"capacity": copy.deepcopy(spec["capacity"]), "accessModes": list(spec.get("accessModes") or []),
                "persistentVolumeReclaimPolicy": "Retain", "csi": csi,
                "volumeMode": spec.get("volumeMode") or "Filesystem",
                "storageClassName": spec.get("storageClassName") or ""}
    for key in ("mountOptions", "nodeAffinity"):
        if spec.get(key):
            new_spec[key] = copy.deepcopy(spec[key])
    ref = spec.get("claimRef") or {}
    if ref.get("name"):
        new_spec["claimRef"] = {k: ref[k] for k in ("apiVersion", "kind", "namespace", "name", "uid") if ref.get(k)}
    meta = {"name": md["name"], "annotations": annotations}
    if md.get("labels"):
        meta["labels"] = dict(md["labels"])
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta, "spec": new_spec}


def kind_of(pv):
    """in_tree, csi (of the vSphere driver), or other."""
    spec = (pv or {}).get("spec") or {}
    if spec.get("vsphereVolume"):
        return "in_tree"
    if (spec.get("csi") or {}).get("driver") == CSI_DRIVER:
        return "csi"
    return "other"


def record_of(claim):
    """The migration record on a claim (dict with pv, volume_path, disk_uuid), or None."""
    text = ((claim or {}).get("metadata", {}).get("annotations") or {}).get(ANNOTATION)
    if not text:
        return None
    try:
        rec = json.loads(text)
    except ValueError:
        return None
    try:
        ok = bool(rec["pv"]["metadata"]["name"]) and bool(rec["pv"]["spec"]["csi"]["volumeHandle"])
    except (KeyError, TypeError):
        ok = False
    return rec if ok else None


def check_claim(pv, claim):
    """Why an in-tree PV and its claim cannot be rewritten (raises Refused), or nothing."""
    ref = pv["spec"].get("claimRef") or {}
    name = pv["metadata"]["name"]
    if not ref.get("name"):
        raise Refused("PersistentVolume %s is bound to no claim (phase %s): the rewrite keeps a claim bound; bind it "
                      "first, or create a CSI volume for the disk with persistent_volume" % (
                          name, (pv.get("status") or {}).get("phase")))
    where = "%s/%s" % (ref.get("namespace"), ref["name"])
    if claim is None:
        raise Refused("its claim %s does not exist (the volume is %s)" % (where, (pv.get("status") or {}).get("phase")))
    if ref.get("uid") and ref["uid"] != claim["metadata"].get("uid"):
        raise Refused("its claimRef names claim %s with UID %s, but that claim is another one (UID %s)" % (
            where, ref["uid"], claim["metadata"].get("uid")))
    if claim["spec"].get("volumeName") != name:
        raise Refused("claim %s is not bound to it (its volumeName is %r)" % (where, claim["spec"].get("volumeName")))


def pods_using(pods, claim_name):
    """Pods (not finished) that mount the claim."""
    out = []
    for pod in pods:
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        for vol in (pod.get("spec") or {}).get("volumes") or []:
            if (vol.get("persistentVolumeClaim") or {}).get("claimName") == claim_name:
                out.append(pod)
                break
    return out


def controller_of(obj):
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owners_of(pods, replicasets):
    """({(kind, name)} to scale for these pods, [problems]): a pod's controller; a ReplicaSet controlled by a
    Deployment is scaled through its Deployment. replicasets: {name: ReplicaSet} of the namespace."""
    owners, problems = set(), []
    for pod in pods:
        ref = controller_of(pod)
        pname = pod["metadata"]["name"]
        if ref is None or ref.get("kind") not in SCALABLE:
            problems.append("pod %s has no Deployment, StatefulSet or ReplicaSet to scale down (%s)" % (
                pname, "owner %s %s" % (ref.get("kind"), ref.get("name")) if ref else "no owner"))
            continue
        kind, name = ref["kind"], ref["name"]
        if kind == "ReplicaSet":
            rs = replicasets.get(name)
            parent = controller_of(rs) if rs else None
            if parent is not None and parent.get("kind") == "Deployment":
                kind, name = "Deployment", parent["name"]
            elif parent is not None:
                problems.append("pod %s: its ReplicaSet %s is controlled by %s %s, which cannot be scaled here" % (
                    pname, name, parent.get("kind"), parent.get("name")))
                continue
        owners.add((kind, name))
    return owners, problems


def replicas_record(owner, pv_name):
    """The record of an owner's original replicas, with this volume added (None when it has none)."""
    text = ((owner.get("metadata") or {}).get("annotations") or {}).get(REPLICAS_ANNOTATION)
    if not text:
        return None
    try:
        rec = json.loads(text)
    except ValueError:
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("replicas"), int):
        return None
    rec["volumes"] = sorted(set(rec.get("volumes") or []) | {pv_name})
    return rec


def plan_steps(state, in_use, fcd_id, cns_known, pv_kind):
    """The steps still to do for one volume: state is 'in_tree' (the old PV is there), 'deleted' (gone, its
    record on the claim) or 'csi' (done: only the finish)."""
    if state == "csi":
        return ["finish"]
    if state == "deleted":
        return ["create", "finish"]
    steps = ["retain"] if pv_kind != "retained" else []
    if in_use:
        steps.append("scale_down")
    if not fcd_id:
        steps.append("fcd")
    if not cns_known:
        steps.append("cns")
    return steps + ["record", "delete", "create", "finish"]


# -- the run ---------------------------------------------------------------------------------------------------
class VolumeRewrite:
    """The rewrite of the named PersistentVolumes (module: the VsphereK8sModule; its vsphere and kube clients)."""

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.check = module.check_mode
        self.kube = None
        self.results = []
        self.diff = dict(before=[], after=[])
        self.status = dict(changed=False, volumes=self.results)
        self._store = None
        self._cns = None  # (fcd ids asked, fcd ids CNS knows)
        self.to_restore = {}

    # -- reads ------------------------------------------------------------------------------------
    def store(self):
        if self._store is None:
            client = self.module.vsphere
            tree = InventoryTree(client).fetch()
            self._store = DiskStore(client, tree, tree.datacenter(self.p["datacenter"])).fetch()
        return self._store

    def read_cluster(self):
        kube = self.kube
        self.pvs = {pv["metadata"]["name"]: pv for pv in kube.list("PersistentVolume")}
        self.claims = {(c["metadata"]["namespace"], c["metadata"]["name"]): c
                       for c in kube.list("PersistentVolumeClaim")}
        self.records = {}
        for key, claim in self.claims.items():
            rec = record_of(claim)
            if rec:
                self.records[rec["pv"]["metadata"]["name"]] = (key, rec)

    def disk_facts(self, volume_path):
        """(Datastore, DiskName, fcd id or None, disk UUID) of an in-tree volumePath; Refused when it is missing."""
        try:
            disk = parse_disk(volume_path)
        except DiskSpecError as e:
            raise Refused("its volumePath %r is not a datastore path: %s" % (volume_path, e))
        store = self.store()
        try:
            ds = store.datastore(disk.datastore)
        except VsphereError as e:
            raise Refused("the datastore of %s is not in datacenter %s: %s" % (volume_path, self.p["datacenter"], e))
        if not store.exist([(ds, disk)])[0]:
            raise Refused("its disk %s does not exist (datastore %s): nothing to rewrite; restore the disk or delete "
                          "the PersistentVolume" % (volume_path, ds.name))
        fcd = store.fcds(ds).get(disk.with_datastore(ds.name))
        uuid = store.descriptors([(disk, ds)])[disk]["uuid"]
        return ds, disk, fcd["id"] if fcd else None, uuid

    def cns_known(self, fcd_id):
        """Whether CNS knows the First Class Disk as a volume. The first call asks CNS about the First Class Disks of
        every in-tree PersistentVolume named, in one CnsQueryVolume (never one request per volume)."""
        if not fcd_id:
            return False
        if self._cns is None or fcd_id not in self._cns[0]:
            ids = {fcd_id}
            if self._cns is None:
                ids |= self.named_fcd_ids()
            known = Cns(self.module.vsphere).registered(ids)
            asked, before = self._cns or (set(), set())
            self._cns = (asked | ids, before | known)
        return fcd_id in self._cns[1]

    def named_fcd_ids(self):
        """The First Class Disk ids of the in-tree volumes named (those the datastores' FCD catalogs list)."""
        store = self.store()
        ids = set()
        for name in self.p["names"]:
            pv = self.pvs.get(name)
            if not pv or kind_of(pv) != "in_tree":
                continue
            try:
                disk = parse_disk(pv["spec"]["vsphereVolume"].get("volumePath"))
                ds = store.datastore(disk.datastore)
                fcd = store.fcds(ds).get(disk.with_datastore(ds.name))
            except (DiskSpecError, VsphereError, TypeError, AttributeError):
                continue  # its own turn says what is wrong with it
            if fcd:
                ids.add(fcd["id"])
        return ids

    # -- writes -----------------------------------------------------------------------------------
    def note(self, entry, step):
        entry["steps"].append(step)
        if not self.check:
            self.status["changed"] = True

    def run(self):
        self.kube = self.module.kube
        self.read_cluster()
        for name in self.p["names"]:
            entry = dict(name=name, claim=None, volume_path=None, fcd_id=None, disk_uuid=None, state=None,
                         reason=None, scaled_down=[], steps=[])
            self.results.append(entry)
            try:
                self.one(name, entry)
            except Refused as e:
                entry["state"], entry["reason"] = "refused", str(e)
        for (ns, _kind, _name), (owner, entry) in sorted(self.to_restore.items(), key=lambda kv: kv[0]):
            self.restore(ns, owner, entry)
        if self.check:
            self.status["changed"] = any(r["steps"] for r in self.results)
        return self.results

    @property
    def changed(self):
        return self.status["changed"]

    def one(self, name, entry):
        pv = self.pvs.get(name)
        kind = kind_of(pv) if pv else None
        where = self.records.get(name)
        if where:
            (ns, cname), rec = where
            entry.update(claim=dict(namespace=ns, name=cname), volume_path=rec.get("volume_path"),
                         fcd_id=rec["pv"]["spec"]["csi"]["volumeHandle"], disk_uuid=rec.get("disk_uuid"))
        if pv is None and where is None:
            raise Refused("PersistentVolume %s does not exist" % name)
        if kind == "csi" or (pv is None and where):
            self.finish_csi(name, entry, pv)
            return
        if kind != "in_tree":
            raise Refused("PersistentVolume %s is not an in-tree vSphere volume (no spec.vsphereVolume) nor a CSI "
                          "volume of %s" % (name, CSI_DRIVER))
        self.migrate(name, pv, entry)

    def migrate(self, name, pv, entry):
        ref = pv["spec"].get("claimRef") or {}
        if ref.get("name"):
            entry["claim"] = dict(namespace=ref.get("namespace"), name=ref["name"])
        entry["volume_path"] = pv["spec"]["vsphereVolume"].get("volumePath")
        if not pv["metadata"].get("deletionTimestamp"):
            check_claim(pv, self.claims.get((ref.get("namespace"), ref.get("name"))))
        elif name not in self.records or not ref.get("name"):
            raise Refused("PersistentVolume %s is being deleted, and not by a rewrite (no replacement is recorded on a "
                          "claim): nothing to rewrite" % name)
        ds, disk, fcd_id, uuid = self.disk_facts(entry["volume_path"])
        entry["disk_uuid"], entry["fcd_id"] = uuid, fcd_id
        ns = ref["namespace"]
        pods = pods_using(self.kube.list("Pod", namespace=ns), ref["name"])
        owners = set()
        if pods:
            if not self.p["scale_down_owners"]:
                raise Refused("in use: claim %s/%s is mounted by pod(s) %s; stop them, or let the task scale their "
                              "owners down with scale_down_owners: true" % (
                                  ns, ref["name"], ", ".join(sorted(p["metadata"]["name"] for p in pods))))
            rss = {r["metadata"]["name"]: r for r in self.kube.list("ReplicaSet", namespace=ns)}
            owners, problems = owners_of(pods, rss)
            if problems:
                raise Refused("in use and cannot be freed: %s" % "; ".join(problems))
        else:
            self.check_detached(ds, disk, ns, ref["name"], wait=False)
        cns_known = self.cns_known(fcd_id)
        policy = pv["spec"].get("persistentVolumeReclaimPolicy")
        todo = plan_steps("in_tree", bool(pods), fcd_id, cns_known, "retained" if policy == "Retain" else policy)
        if self.check:
            entry["steps"] = todo
            entry["scaled_down"] = ["%s/%s/%s" % (k, ns, n) for k, n in sorted(owners)]
            entry["state"] = "migrated"
            self.diff["before"].append(pv)
            self.diff["after"].append(csi_manifest(pv, fcd_id or "<First Class Disk to register>"))
            return
        if "retain" in todo:
            self.kube.merge_patch("PersistentVolume", name, {"spec": {"persistentVolumeReclaimPolicy": "Retain"}})
            self.note(entry, "retain")
        if owners:
            self.scale_down(ns, owners, name, ref["name"], entry)
            self.check_detached(ds, disk, ns, ref["name"], wait=True)
        if not fcd_id:
            res = disk_ops.register_fcds(self.module.vsphere, self.store(), [disk_ops.DiskJob(disk=disk, ds=ds)])[disk]
            if isinstance(res, TaskFailed):
                raise VsphereError("Registering %s as a First Class Disk failed: %s. Nothing was deleted; run the "
                                   "task again." % (entry["volume_path"], res))
            fcd_id = entry["fcd_id"] = res
            self.note(entry, "fcd")
        if not cns_known:
            Cns(self.module.vsphere).register_static(name, fcd_id, self.p["cluster_id"], self.p["timeout"])
            self.note(entry, "cns")
        manifest = csi_manifest(pv, fcd_id)
        self.record(ns, ref["name"], manifest, entry)
        self.delete_old(pv, entry)
        self.diff["before"].append(pv)
        self.create_new(manifest, entry)

    def check_detached(self, ds, disk, ns, cname, wait):
        """Refused while the disk is attached to a VM although no pod uses its claim (wait: until the timeout, for
        the attach/detach controller to detach it after the pods went)."""
        deadline = time.monotonic() + (self.p["timeout"] if wait else 0)
        store = self.store()
        while True:
            vms = sorted(a["vm"] for a in store.attachments([ds]).get(disk.with_datastore(ds.name), []))
            if not vms:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(1)
            store = DiskStore(store.client, store.tree, store.dc).fetch()  # read again: a detach may have happened
        if wait:
            raise KubernetesError("The disk %s of claim %s/%s is still attached to VM %s after %ss although no pod "
                                  "uses the claim. Nothing was deleted; its owners stay scaled down (recorded): once "
                                  "the disk is detached, run the task again." % (
                                      disk, ns, cname, ", ".join(vms), self.p["timeout"]))
        raise Refused("its disk %s is attached to VM %s although no pod uses claim %s/%s: wait for the attach/detach "
                      "controller, or detach it (vmdk_attachment state: absent) once no pod uses it" % (
                          disk, ", ".join(vms), ns, cname))

    def record(self, ns, cname, manifest, entry):
        rec = dict(pv=manifest, volume_path=entry["volume_path"], disk_uuid=entry["disk_uuid"])
        self.records[manifest["metadata"]["name"]] = ((ns, cname), rec)
        claim = self.claims.get((ns, cname))
        if record_of(claim) == rec:
            return
        self.kube.merge_patch("PersistentVolumeClaim", cname, {"metadata": {"annotations": {
            ANNOTATION: json.dumps(rec, sort_keys=True, separators=(",", ":"))}}}, namespace=ns)
        self.note(entry, "record")

    def delete_old(self, pv, entry):
        name = pv["metadata"]["name"]
        uid = pv["metadata"]["uid"]
        if not pv["metadata"].get("deletionTimestamp"):
            # only this object (its UID), never a newer one of the same name
            self.kube.request("DELETE", self.kube.path("PersistentVolume", name), what="PersistentVolume %s" % name,
                              body={"kind": "DeleteOptions", "apiVersion": "v1",
                                    "preconditions": {"uid": uid}})
            self.note(entry, "delete")
        deadline = time.monotonic() + self.p["timeout"]
        while True:
            live = self.kube.get("PersistentVolume", name)
            if live is None or live["metadata"]["uid"] != uid:
                return
            finalizers = live["metadata"].get("finalizers") or []
            if PV_PROTECTION in finalizers:
                # the replacement is recorded on the claim: the object may go now (its disk stays: Retain)
                self.kube.request("PATCH", self.kube.path("PersistentVolume", name), what="PersistentVolume %s" % name,
                                  content_type="application/json-patch+json", body=[
                                      {"op": "test", "path": "/metadata/uid", "value": uid},
                                      {"op": "replace", "path": "/metadata/finalizers",
                                       "value": [f for f in finalizers if f != PV_PROTECTION]}])
                self.note(entry, "unprotect")
                continue
            if time.monotonic() > deadline:
                raise KubernetesError("PersistentVolume %s is still being deleted after %ss (finalizers: %s). Its "
                                      "replacement is recorded on its claim: run the task again once it is gone."
                                      % (name, self.p["timeout"], ", ".join(finalizers) or "none"))
            time.sleep(0.5)

    def create_new(self, manifest, entry):
        name = manifest["metadata"]["name"]
        live = self.kube.get("PersistentVolume", name)
        if live is None:
            self.kube.create(manifest)
            self.note(entry, "create")
            live = manifest
        elif kind_of(live) != "csi":
            raise KubernetesError("PersistentVolume %s exists again but is not the CSI volume recorded on its claim; "
                                  "nothing was changed on it. Compare it with the claim's %s annotation." % (
                                      name, ANNOTATION))
        self.diff["after"].append(manifest)
        entry["state"] = "migrated"
        self.finish_csi(name, entry, live)

    def finish_csi(self, name, entry, pv):
        """The end of a rewrite (or of one interrupted): the PV created from the claim's record when it is gone,
        the claim Bound, the record removed, the owners' replicas restored."""
        where = self.records.get(name)
        if pv is None:
            if self.check:
                entry["steps"] = ["create", "finish"]
                entry["state"] = "migrated"
                return
            self.create_new(where[1]["pv"], entry)
            return
        if entry["fcd_id"] is None:
            entry["fcd_id"] = pv["spec"]["csi"]["volumeHandle"]
        ref = pv["spec"].get("claimRef") or {}
        if entry["claim"] is None and ref.get("name"):
            entry["claim"] = dict(namespace=ref.get("namespace"), name=ref["name"])
        entry["state"] = entry["state"] or "already_csi"
        ns = (entry["claim"] or {}).get("namespace")
        cname = (entry["claim"] or {}).get("name")
        owners = self.recorded_owners(ns, name) if ns else []
        if self.check:
            if where or owners:
                entry["steps"] = ["finish"]
                entry["state"] = "migrated"
                entry["scaled_down"] = ["%s/%s/%s" % (o["kind"], ns, o["metadata"]["name"]) for o in owners]
            return
        if where:
            self.wait_bound(ns, cname, name)
            self.kube.merge_patch("PersistentVolumeClaim", cname, {"metadata": {"annotations": {ANNOTATION: None}}},
                                  namespace=ns)
            self.note(entry, "finish")
        for owner in owners:
            # restored at the end of the run: another named volume of the same owner is rewritten first
            self.to_restore.setdefault((ns, owner["kind"], owner["metadata"]["name"]), (owner, entry))
        if entry["steps"] or owners:
            entry["state"] = "migrated"

    # -- claims and owners ------------------------------------------------------------------------
    def wait_bound(self, ns, cname, name):
        deadline = time.monotonic() + self.p["timeout"]
        while True:
            claim = self.kube.get("PersistentVolumeClaim", cname, namespace=ns)
            pv = self.kube.get("PersistentVolume", name)
            phases = ((claim or {}).get("status") or {}).get("phase"), ((pv or {}).get("status") or {}).get("phase")
            if phases == ("Bound", "Bound") and claim["spec"].get("volumeName") == name:
                return
            if time.monotonic() > deadline:
                raise KubernetesError("Claim %s/%s is not Bound to PersistentVolume %s after %ss (claim %s, volume "
                                      "%s). The volume and its record on the claim are kept: run the task again."
                                      % (ns, cname, name, self.p["timeout"], phases[0], phases[1]))
            time.sleep(0.5)

    def recorded_owners(self, ns, pv_name):
        out = []
        for kind in SCALABLE:
            for obj in self.kube.list(kind, namespace=ns):
                rec = replicas_record(obj, "")
                if rec and pv_name in rec["volumes"]:
                    obj["kind"] = kind
                    out.append(obj)
        return out

    def scale_down(self, ns, owners, pv_name, cname, entry):
        for kind, oname in sorted(owners):
            obj = self.kube.get(kind, oname, namespace=ns)
            if obj is None:
                continue
            rec = replicas_record(obj, pv_name)
            if rec is None:
                rec = dict(replicas=(obj.get("spec") or {}).get("replicas", 1), volumes=[pv_name])
            self.kube.merge_patch(kind, oname, {
                "metadata": {"annotations": {REPLICAS_ANNOTATION: json.dumps(rec, sort_keys=True)}},
                "spec": {"replicas": 0}}, namespace=ns)
            entry["scaled_down"].append("%s/%s/%s" % (kind, ns, oname))
            self.note(entry, "scale_down")
        deadline = time.monotonic() + self.p["timeout"]
        while True:
            left = pods_using(self.kube.list("Pod", namespace=ns), cname)
            if not left:
                return
            if time.monotonic() > deadline:
                for kind, oname in sorted(owners):
                    obj = self.kube.get(kind, oname, namespace=ns)
                    if obj is not None and replicas_record(obj, ""):
                        obj["kind"] = kind
                        self.restore(ns, obj, entry)
                raise Refused("in use: after scaling %s down, pod(s) %s still mount claim %s/%s after %ss (a node "
                              "that does not confirm their end?); the replicas were restored and nothing else was "
                              "changed but the reclaim policy Retain" % (
                                  ", ".join(entry["scaled_down"]),
                                  ", ".join(sorted(p["metadata"]["name"] for p in left)), ns, cname,
                                  self.p["timeout"]))
            time.sleep(0.5)

    def restore(self, ns, owner, entry):
        """The owner's recorded replicas back, its record removed (one patch)."""
        rec = replicas_record(owner, "")
        oname = owner["metadata"]["name"]
        self.kube.merge_patch(owner["kind"], oname, {"metadata": {"annotations": {REPLICAS_ANNOTATION: None}},
                                                     "spec": {"replicas": rec["replicas"]}}, namespace=ns)
        label = "%s/%s/%s" % (owner["kind"], ns, oname)
        if label not in entry["scaled_down"]:
            entry["scaled_down"].append(label)
        self.note(entry, "restore")
