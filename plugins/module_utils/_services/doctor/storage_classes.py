# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 6, StorageClasses: the datastore or storage policy resolves, the datastore is mounted on every host that
runs a node (of the class's zones), Storage DRS clusters that move disks, and in-tree parameters the CSI migration
drops (only diskformat thin survives; raw vSAN capabilities do not)."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.readiness import node_vms

CSI = "csi.vsphere.vmware.com"
IN_TREE = "kubernetes.io/vsphere-volume"
VSAN_RAW = ("hostfailurestotolerate", "forceprovisioning", "cachereservation", "diskstripes",
            "objectspacereservation", "iopslimit")
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone", "topology.csi.vmware.com/k8s-zone")


def datastore_by_url(snap, url):
    norm = str(url or "").rstrip("/")
    return next((m for m, d in snap.datastores.items() if str(d.get("url") or "").rstrip("/") == norm), None)


def datastore_by_name(snap, spec):
    """'name', 'DatastoreCluster/name' or 'folder/name': the datastore's own name is the last part."""
    name = str(spec or "").strip().rsplit("/", 1)[-1]
    found = [m for m, d in snap.datastores.items() if d.get("name") == name]
    return found[0] if len(found) == 1 else None


def class_zones(sc):
    zones = set()
    for term in sc.get("allowedTopologies") or []:
        for expr in term.get("matchLabelExpressions") or []:
            if expr.get("key") in ZONE_KEYS:
                zones.update(expr.get("values") or [])
    return zones


def check(snap):
    out = []
    for sc in snap.storage_classes:
        name = sc["metadata"]["name"]
        o = obj("StorageClass", name)
        provisioner = sc.get("provisioner")
        if provisioner not in (CSI, IN_TREE):
            continue
        params = {str(k).lower(): v for k, v in (sc.get("parameters") or {}).items()}
        ds = None
        if provisioner == CSI and params.get("datastoreurl"):
            ds = datastore_by_url(snap, params["datastoreurl"])
            if ds is None:
                out.append(Finding(
                    "storage_classes.datastore_unknown", "error", o,
                    "StorageClass %s names datastoreurl %s, which is no datastore's URL." % (name, params["datastoreurl"]),
                    "Every volume of this class fails to provision.",
                    "Set datastoreurl to a datastore's summary.url (ds:///vmfs/volumes/<id>/), or use a storage policy."))
        if provisioner == IN_TREE and params.get("datastore"):
            ds = datastore_by_name(snap, params["datastore"])
            if ds is None:
                out.append(Finding(
                    "storage_classes.datastore_unknown", "error", o,
                    "StorageClass %s names datastore %s, which does not exist." % (name, params["datastore"]),
                    "Every volume of this class fails to provision.",
                    "Name an existing datastore (inside a datastore cluster: 'Cluster/datastore')."))
        policy = params.get("storagepolicyname")
        if policy:
            if snap.policies and policy not in snap.policies:
                out.append(Finding(
                    "storage_classes.policy_unknown", "error", o,
                    "StorageClass %s names storage policy '%s', which does not exist (known: %s)." % (
                        name, policy, ", ".join(sorted(snap.policies)) or "none"),
                    "Every volume of this class fails to provision.",
                    "Name an existing storage policy (case and spaces count)."))
            elif snap.policies.get(policy, {}).get("datastores") == []:
                out.append(Finding(
                    "storage_classes.policy_no_datastore", "error", o,
                    "Storage policy '%s' of StorageClass %s has no compatible datastore." % (policy, name),
                    "Provisioning fails: no datastore satisfies the policy.",
                    "Fix the policy's rules or tag a datastore so that it matches."))
        if ds is not None:
            d = snap.datastores[ds]
            if d.get("sdrs_automated"):
                out.append(Finding(
                    "storage_classes.sdrs", "warning", dict(o, datastore=d["name"]),
                    "StorageClass %s uses datastore %s, in the fully automated Storage DRS cluster %s."
                    % (name, d["name"], d.get("pod")),
                    "Storage DRS moves volume disks on its own: in-tree volume paths then point at nothing, and First "
                    "Class Disks are moved behind the CSI driver's back.",
                    "Exclude the volume disks from Storage DRS (manual automation for the cluster, or a VM override), "
                    "or use a datastore outside the cluster."))
            zones = class_zones(sc)
            hosts = sorted({vm.host for vm, node in node_vms(snap) if vm.host and (
                not zones or next((n.zone for n in snap.nodes if n.name == node), None) in zones)})
            unmounted = [h for h in hosts if h not in (d.get("hosts") or [])]
            if unmounted:
                names = [snap.object_kinds.get(h, ("HostSystem", h))[1] for h in unmounted]
                out.append(Finding(
                    "storage_classes.datastore_not_on_all_hosts", "error", dict(o, datastore=d["name"]),
                    "Datastore %s of StorageClass %s is not mounted on host%s %s, which run%s nodes%s." % (
                        d["name"], name, "s" if len(names) > 1 else "", ", ".join(names), "" if len(names) > 1 else "s",
                        " of zones %s" % ", ".join(sorted(zones)) if zones else ""),
                    "A volume on it cannot be attached to the nodes there (\"datastore not accessible to all nodes\").",
                    "Mount the datastore on those hosts, or restrict the class with allowedTopologies."))
        if provisioner == IN_TREE:
            dropped = []
            if params.get("diskformat") and str(params["diskformat"]).lower() != "thin":
                dropped.append("diskformat %s" % params["diskformat"])
            dropped += ["%s" % k for k in VSAN_RAW if k in params]
            if dropped:
                out.append(Finding(
                    "storage_classes.migration_drops", "warning", o,
                    "In-tree StorageClass %s uses %s, which the CSI migration drops." % (name, ", ".join(dropped)),
                    "After migration to CSI (the in-tree provider is gone) new volumes of this class fail or silently "
                    "lose these settings: only diskformat thin survives, raw vSAN capabilities do not.",
                    "Move the settings into a storage policy (storagepolicyname) and use diskformat thin."))
    return out
