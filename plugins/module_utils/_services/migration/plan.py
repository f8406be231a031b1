# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a move from the in-tree vSphere provider to the out-of-tree cloud provider (CPI) and the CSI driver.

Read only. The site is read once by the doctor's Gatherer (one PropertyCollector retrieval per kind of object, list
calls to the API server) plus a few lists (claims, pods and their owners); everything else here is pure: the mode
switch of each node, the CSI equivalent of each in-tree StorageClass, the state of each ``vsphereVolume`` PV, the
blockers, the workloads to scale down and the ordered steps, unit tested with hand-made inputs.
"""

from __future__ import annotations

import base64
import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import (
    IN_TREE_PROVISIONER,
    LEGACY_REGION_LABEL,
    LEGACY_ZONE_LABEL,
    REGION_LABEL,
    VSAN,
    ZONE_LABEL,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.volumes import disk_key
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    normalize_uuid,
    provider_id,
)

IN_TREE_FLAGS = ("cloud-provider", "cloud-config")
MIN_VSPHERE = (7, 0, 2)
VSAN_PARAMS = tuple(param for param, _low, _high in VSAN.values())
CPI_OBJECT = ("DaemonSet", "vsphere-cloud-controller-manager")
CSI_OBJECT = ("Deployment", "vsphere-csi-controller")
CSI_FSS = "internal-feature-states.csi.vsphere.vmware.com"
CSI_SECRET = ("vsphere-config-secret", "csi-vsphere.conf")
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet")
ZONE_KEYS = (ZONE_LABEL, LEGACY_ZONE_LABEL)
REGION_KEYS = (REGION_LABEL, LEGACY_REGION_LABEL)


def blocker(check, kind, name, message, fix):
    """One thing that stops the apply: the check id, the object (kind and name), what, and what to do."""
    return dict(check=check, object=dict(kind=kind, name=name), message=message, fix=fix)


# -- the mode switch --------------------------------------------------------------------------------------------
def flag_name(arg):
    text = str(arg)
    return text[2:].split("=", 1)[0] if text.startswith("--") else None


def kubelet_after(before):
    """The kubelet's flags in external mode: --cloud-provider=external first (as node_config writes it), the in-tree
    flags gone, every other flag kept in its order."""
    return ["--cloud-provider=external"] + [a for a in before if flag_name(a) not in IN_TREE_FLAGS]


def static_pod_removals(command, volumes):
    """The in-tree flags a control-plane static pod carries, and whether it mounts cloud-config."""
    flags = [a for a in command or [] if flag_name(a) in IN_TREE_FLAGS]
    return dict(remove_flags=flags, remove_mount=any(v.get("name") == "cloud-config" for v in volumes or []))


def node_switch(node, vm_uuid, kube_node, cloud_config_path):
    """What changes on one node: the kubelet's flags, its control-plane static pods, the file removed (last), and
    its providerID now and as the CPI computes it from the VM's BIOS UUID (vsphere://<lower-case UUID>)."""
    before = str(node.get("kubelet_args") or "").split()
    after = kubelet_after(before)
    pods = []
    for pod in node.get("static_pods") or []:
        r = static_pod_removals(pod.get("command"), pod.get("volumes"))
        if r["remove_flags"] or r["remove_mount"]:
            pods.append(dict(name=pod["name"], **r))
    now = (kube_node or {}).get("provider_id") or ""
    computed = provider_id(vm_uuid) if vm_uuid else None
    same = bool(computed) and (not now or normalize_uuid(now) == normalize_uuid(computed))
    return dict(name=node["name"], control_plane=bool(node.get("control_plane")),
                kubelet=dict(before=before, after=after, changes=before != after),
                static_pods=pods,
                files_removed=[cloud_config_path] if node.get("cloud_config_present") else [],
                provider_id=dict(now=now, after=now or computed, cpi=computed, unchanged=same))


def node_blockers(switch, in_cluster):
    out = []
    pid = switch["provider_id"]
    if not in_cluster:
        out.append(blocker("mode.node_missing", "Node", switch["name"],
                           "Host %s of the inventory is no Node of the cluster." % switch["name"],
                           "Name the inventory hosts after their Nodes (k8s_nodes)."))
    elif not pid["cpi"]:
        out.append(blocker("mode.node_vm_missing", "Node", switch["name"],
                           "Node %s matches no VM (by systemUUID, providerID or name): the cloud provider cannot "
                           "initialize it." % switch["name"],
                           "Check that the Node's VM exists in the datacenter and has disk.EnableUUID."))
    elif not pid["unchanged"]:
        out.append(blocker("mode.provider_id_changes", "Node", switch["name"],
                           "Node %s has providerID %s, but the cloud provider computes %s from its VM's BIOS UUID."
                           % (switch["name"], pid["now"], pid["cpi"]),
                           "The providerID is immutable: find why the Node names another VM (a clone?) before "
                           "the switch."))
    return out


def workload(obj, kind):
    """{installed, version, image} of the CPI DaemonSet or the CSI controller Deployment (None: not installed)."""
    if obj is None:
        return dict(installed=False, kind=kind[0], name=kind[1], image=None, version=None)
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    main = next((c for c in containers if c.get("name") == kind[1]), containers[0] if containers else {})
    image = main.get("image")
    tag = image.rsplit(":", 1)[-1] if image and ":" in image.rsplit("/", 1)[-1] else None
    return dict(installed=True, kind=kind[0], name=kind[1], namespace=obj["metadata"].get("namespace"),
                image=image, version=tag)


# -- StorageClasses ---------------------------------------------------------------------------------------------
def class_topology(sc):
    zones, regions = [], []
    for term in sc.get("allowedTopologies") or []:
        for expr in term.get("matchLabelExpressions") or []:
            if expr.get("key") in ZONE_KEYS:
                zones += expr.get("values") or []
            elif expr.get("key") in REGION_KEYS:
                regions += expr.get("values") or []
    return dict((k, v) for k, v in (("zones", zones), ("regions", regions)) if v) or None


def translate_class(sc, datastore_url):
    """The CSI equivalent of an in-tree StorageClass, as the storage_class module's options, and what cannot be
    translated. datastore_url: a function from the in-tree datastore parameter to its URL (None: unknown)."""
    name = sc["metadata"]["name"]
    params = {str(k).lower(): str(v) for k, v in (sc.get("parameters") or {}).items()}
    csi, untranslatable, problems = {}, [], []
    for key, value in sorted(params.items()):
        if key == "storagepolicyname":
            csi["storagepolicyname"] = value
        elif key == "datastore":
            url = datastore_url(value)
            if url:
                csi["datastoreurl"] = url
            else:
                untranslatable.append("datastore %s" % value)
                problems.append(blocker(
                    "storage_classes.datastore_unknown", "StorageClass", name,
                    "StorageClass %s names datastore %s, which is no datastore of the datacenter: it has no URL for "
                    "datastoreurl." % (name, value), "Name an existing datastore in the class, or a storage policy."))
        elif key == "fstype":
            csi["csi.storage.k8s.io/fstype"] = value
        elif key == "diskformat":
            if value.lower() != "thin":
                untranslatable.append("diskformat %s" % value)
                problems.append(blocker(
                    "storage_classes.disk_format", "StorageClass", name,
                    "StorageClass %s has diskformat %s: the CSI driver provisions thin disks only (a storage policy "
                    "sets thick provisioning)." % (name, value),
                    "Create a storage policy with the provisioning wanted (thick) and name it in the class "
                    "(storagePolicyName) instead of diskformat, or use diskformat thin."))
        elif key in VSAN_PARAMS:
            untranslatable.append(key)
        else:
            untranslatable.append(key)
            problems.append(blocker(
                "storage_classes.unknown_parameter", "StorageClass", name,
                "StorageClass %s has parameter %s, which the CSI driver has no equivalent of." % (name, key),
                "Remove it from the class, or express it in a storage policy."))
    vsan = sorted(k for k in params if k in VSAN_PARAMS)
    if vsan:
        problems.append(blocker(
            "storage_classes.vsan_capabilities", "StorageClass", name,
            "StorageClass %s sets raw vSAN capabilities (%s): the CSI driver takes a storage policy instead."
            % (name, ", ".join(vsan)),
            "Create a vSAN storage policy with these rules and name it in the class (storagePolicyName)."))
    annotations = (sc.get("metadata") or {}).get("annotations") or {}
    default = annotations.get("storageclass.kubernetes.io/is-default-class")
    # the datastore by its in-tree name: the storage_class module resolves it to the same URL through vCenter
    options = dict(name=name, provisioner="csi", storage_policy=csi.get("storagepolicyname"),
                   datastore=params.get("datastore") if csi.get("datastoreurl") else None,
                   fstype=csi.get("csi.storage.k8s.io/fstype"),
                   reclaim_policy=sc.get("reclaimPolicy") or "Delete",
                   volume_binding_mode=sc.get("volumeBindingMode") or "Immediate",
                   allow_volume_expansion=sc.get("allowVolumeExpansion"),
                   allowed_topologies=class_topology(sc),
                   default=None if default is None else default == "true")
    return dict(name=name, parameters=dict(sc.get("parameters") or {}), csi_parameters=csi,
                untranslatable=untranslatable, blockers=problems,
                action="blocked" if problems else "convert",
                storage_class={k: v for k, v in options.items() if v is not None})


def needs_migration_url(classes):
    """In-tree classes that name neither a datastore nor a policy: their volumes go to the default datastore,
    which the CSI driver only knows as migration-datastore-url."""
    return [sc["metadata"]["name"] for sc in classes
            if not ({str(k).lower() for k in (sc.get("parameters") or {})} & {"datastore", "storagepolicyname"})]


# -- volumes ----------------------------------------------------------------------------------------------------
def owner_of(pod, replica_sets, workloads):
    """(kind, namespace, name) of the scalable workload owning a pod: a StatefulSet, the Deployment of its
    ReplicaSet, or the ReplicaSet; None for a bare pod."""
    ns = pod["metadata"].get("namespace")
    refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")]
    if not refs:
        return None
    ref = refs[0]
    if ref.get("kind") == "ReplicaSet":
        rs = replica_sets.get((ns, ref.get("name")))
        up = [r for r in ((rs or {}).get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")]
        if up and up[0].get("kind") == "Deployment" and ("Deployment", ns, up[0].get("name")) in workloads:
            return ("Deployment", ns, up[0]["name"])
    if ref.get("kind") in SCALABLE:
        return (ref["kind"], ns, ref.get("name"))
    return (ref.get("kind"), ns, ref.get("name"))


def claim_pods(pods):
    """{(namespace, claim): [pod]} of the pods that are not finished."""
    out = {}
    for pod in pods:
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        ns = pod["metadata"].get("namespace")
        for vol in (pod.get("spec") or {}).get("volumes") or []:
            claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                out.setdefault((ns, claim), []).append(pod)
    return out


def volume_entry(pv, site):
    """One in-tree PV: its disk, First Class Disk, claim, pods, owners and blockers.

    site: dict with files (set of (ds, path) that exist), listed (set of (ds, folder) listed), fcds ({(ds, path):
    id}), attached ({(ds, path): [vm name]}), node_vm ({node: vm name}), pods ({(ns, claim): [pod]}), owners (a
    function pod -> owner key), workloads ({owner key: replicas}), datastores (set of datastore names)."""
    name = pv["metadata"]["name"]
    spec = pv.get("spec") or {}
    path = (spec.get("vsphereVolume") or {}).get("volumePath")
    key = disk_key(path)
    ref = spec.get("claimRef") or {}
    claim = dict(namespace=ref.get("namespace"), name=ref.get("name")) if ref.get("name") else None
    problems = []
    exists = None
    if key is None:
        problems.append(blocker("volumes.bad_path", "PersistentVolume", name,
                                "PersistentVolume %s has volumePath %r, which is no datastore path." % (name, path),
                                "Fix the PV's volumePath ([datastore] folder/file.vmdk)."))
    elif key[0] not in site["datastores"]:
        problems.append(blocker("volumes.datastore_missing", "PersistentVolume", name,
                                "PersistentVolume %s names datastore %s, which the datacenter does not have."
                                % (name, key[0]), "Give the datacenter of the volumes (datacenter)."))
    else:
        folder = key[1].rsplit("/", 1)[0] if "/" in key[1] else ""
        exists = key in site["files"] if (key[0], folder) in site["listed"] else None
        if exists is False:
            problems.append(blocker("volumes.disk_missing", "PersistentVolume", name,
                                    "PersistentVolume %s names %s, which does not exist." % (name, path),
                                    "Restore the disk, or delete the PV and its claim if the data is gone."))
    fcd = site["fcds"].get(key) if key else None
    pods = site["pods"].get((claim["namespace"], claim["name"]), []) if claim else []
    users = [dict(namespace=p["metadata"].get("namespace"), name=p["metadata"]["name"],
                  node=(p.get("spec") or {}).get("nodeName")) for p in pods]
    holders = sorted(site["attached"].get(key, [])) if key else []
    pod_vms = {site["node_vm"].get(u["node"]) for u in users if u["node"]}
    wrong = [vm for vm in holders if vm not in pod_vms] if users else []
    if wrong:
        problems.append(blocker(
            "volumes.attached_elsewhere", "PersistentVolume", name,
            "PersistentVolume %s's disk is attached to VM %s, but the pod%s using claim %s/%s run%s on %s." % (
                name, ", ".join(wrong), "s" if len(users) > 1 else "", claim["namespace"], claim["name"],
                "" if len(users) > 1 else "s", ", ".join(sorted({"Node %s (VM %s)" % (u["node"], site["node_vm"].get(
                    u["node"]) or "unknown") for u in users if u["node"]})) or "no node"),
            "Detach the disk from %s (vmdk_attachment state: absent) once nothing there uses it." % ", ".join(wrong)))
    owners = []
    for p in pods:
        o = site["owners"](p)
        if o is not None and o not in owners:
            owners.append(o)
    owner_rows = [dict(kind=k, namespace=ns, name=n, replicas=site["workloads"].get((k, ns, n))) for k, ns, n in owners]
    bare = [u["name"] for u, p in zip(users, pods) if site["owners"](p) is None]
    if bare:
        problems.append(blocker(
            "volumes.bare_pod", "PersistentVolume", name,
            "PersistentVolume %s is used by pod%s %s, which no workload owns (nothing to scale down)."
            % (name, "s" if len(bare) > 1 else "", ", ".join(bare)),
            "Delete the pod (and recreate it after the rewrite), or leave the volume in-tree (translated at run "
            "time)."))
    return dict(name=name, volume_path=path, datastore=key[0] if key else None, disk_exists=exists,
                fcd_id=fcd, fcd="registered" if fcd else "to register",
                claim=claim, phase=(pv.get("status") or {}).get("phase"),
                storage_class=spec.get("storageClassName"), reclaim_policy=spec.get("persistentVolumeReclaimPolicy"),
                pods=users, attached_to=holders, owners=owner_rows, blockers=problems)


# -- the whole site ---------------------------------------------------------------------------------------------
def version_tuple(text):
    return tuple(int(x) for x in re.findall(r"\d+", str(text or ""))[:3]) or (0,)


def site_blockers(about, dc_name, dc_in_folder, needing_url, migration_url):
    out = []
    if about and version_tuple(about.get("version")) < MIN_VSPHERE:
        out.append(blocker(
            "site.vsphere_version", "vCenter", about.get("name") or "vCenter",
            "vCenter %s (build %s) is older than 7.0 Update 2, the oldest the CSI migration supports."
            % (about.get("version"), about.get("build")), "Upgrade vCenter and the ESXi hosts to 7.0 U2 or newer."))
    if dc_in_folder:
        out.append(blocker(
            "site.datacenter_in_folder", "Datacenter", dc_name,
            "Datacenter %s is inside folder %s: the CSI migration cannot find the in-tree volumes' datacenter there."
            % (dc_name, dc_in_folder), "Move the datacenter to the root folder of vCenter before the migration."))
    if needing_url and not migration_url:
        out.append(blocker(
            "site.migration_datastore_url", "StorageClass", ", ".join(needing_url),
            "StorageClass%s %s name%s no datastore nor policy (the in-tree default datastore) and no "
            "migration-datastore-url is given." % ("es" if len(needing_url) > 1 else "", ", ".join(needing_url),
                                                   "" if len(needing_url) > 1 else "s"),
            "Give the datastore of vsphere.conf's default-datastore as the migration datastore (the CSI config's "
            "migration-datastore-url)."))
    return out


def scale_down(volumes):
    seen, out = set(), []
    for v in volumes:
        for o in v["owners"]:
            key = (o["kind"], o["namespace"], o["name"])
            if key not in seen and o["kind"] in SCALABLE and o.get("replicas"):
                seen.add(key)
                out.append(dict(o, volumes=[x["name"] for x in volumes if key in [
                    (w["kind"], w["namespace"], w["name"]) for w in x["owners"]]]))
    return out


def steps(plan):
    """The apply's steps in order (each idempotent); what each changes, from the plan."""
    m = plan["mode_switch"]
    cp = [n["name"] for n in m["nodes"] if n["static_pods"]]
    kubelets = [n["name"] for n in m["nodes"] if n["kubelet"]["changes"]]
    files = [n["name"] for n in m["nodes"] if n["files_removed"]]
    convert = [c["name"] for c in plan["storage_classes"] if c["action"] == "convert"]
    out = [
        ("csi_driver", "Install the CSI driver%s with feature state csi-migration: \"true\" and "
                       "migration-datastore-url %s" % (" (already %s)" % m["csi"]["version"] if m["csi"]["installed"]
                                                       else "", plan["migration_datastore_url"] or "(none)")),
        ("cloud_controller", "Install the cloud controller (CPI)%s" % (
            " (already %s)" % m["cpi"]["version"] if m["cpi"]["installed"] else "")),
        ("control_plane", "Remove --cloud-provider/--cloud-config and the vsphere.conf mount from the static pods of "
                          "%s" % (", ".join(cp) or "no node (none carries them)")),
        ("kubelets", "Set the kubelet's --cloud-provider=external on %s" % (", ".join(kubelets) or "no node (done)")),
        ("storage_classes", "Replace the in-tree StorageClasses %s by their CSI equivalents (same names)"
         % (", ".join(convert) or "(none)")),
        ("in_tree_config", "Remove the in-tree vsphere.conf from %s (last)" % (", ".join(files) or "no node (gone)")),
    ]
    rows = [dict(step=i + 1, id=k, what=w) for i, (k, w) in enumerate(out)]
    vols = [v["name"] for v in plan["volumes"] if not v["blockers"]]
    down = ["%s %s/%s (%s replicas)" % (o["kind"], o["namespace"], o["name"], o["replicas"]) for o in plan["scale_down"]
            if set(o["volumes"]) & set(vols)]
    rows.append(dict(step=len(rows) + 1, id="volumes", what=(
        "Optional (migrate_volumes): rewrite %s as CSI PVs of the same names%s" % (
            ", ".join(vols) or "(no volume)", ", scaling down %s, then restoring them" % "; ".join(down) if down else
            ""))))
    return rows


def build(site):
    """The plan from what was read (every field pure data): see the module's RETURN for its shape."""
    nodes_in = {n["name"]: n for n in site["kube_nodes"]}
    switches, node_problems = [], []
    for node in site["nodes"]:
        sw = node_switch(node, site["node_uuid"].get(node["name"]), nodes_in.get(node["name"]), site["cloud_config_path"])
        switches.append(sw)
        node_problems += node_blockers(sw, node["name"] in nodes_in)
    classes = [translate_class(sc, site["datastore_url"]) for sc in site["storage_classes"]
               if sc.get("provisioner") == IN_TREE_PROVISIONER]
    volumes = [volume_entry(pv, site) for pv in site["pvs"] if (pv.get("spec") or {}).get("vsphereVolume")]
    needing = needs_migration_url([sc for sc in site["storage_classes"] if sc.get("provisioner") == IN_TREE_PROVISIONER])
    glob = site_blockers(site["about"], site["datacenter"], site["dc_in_folder"], needing, site["migration_url"])
    csi = workload(site["csi"], CSI_OBJECT)
    csi.update(driver_registered=site["csi_driver_registered"], csi_migration=site["csi_migration"],
               migration_datastore_url=site["installed_migration_url"])
    plan = dict(
        datacenter=site["datacenter"], vsphere=site["about"], migration_datastore_url=site["migration_url"],
        mode_switch=dict(nodes=switches, cpi=workload(site["cpi"], CPI_OBJECT), csi=csi,
                         mode="external" if all(not n["files_removed"] and not n["kubelet"]["changes"]
                                                and not n["static_pods"] for n in switches) else "in_tree"),
        storage_classes=classes, volumes=volumes)
    plan["scale_down"] = scale_down(volumes)
    plan["blockers"] = glob + node_problems + [b for c in classes for b in c["blockers"]] + [
        b for v in volumes for b in v["blockers"]]
    plan["volume_blockers"] = [b for v in volumes for b in v["blockers"]]
    plan["apply_blockers"] = glob + node_problems + [b for c in classes for b in c["blockers"]]
    plan["steps"] = steps(plan)
    plan["summary"] = dict(nodes=len(switches), storage_classes=len(classes),
                           classes_to_convert=sum(1 for c in classes if c["action"] == "convert"),
                           volumes=len(volumes), volumes_ready=sum(1 for v in volumes if not v["blockers"]),
                           blockers=len(plan["blockers"]), workloads_to_scale_down=len(plan["scale_down"]))
    return plan


# -- reading the site -------------------------------------------------------------------------------------------
def read(gatherer, kube, p):
    """Everything build() needs, from a doctor Gatherer that has read the cluster, vSphere and storage (its
    snapshot and tree), plus one list per kind of claims' users and owners and a few gets of the installed
    providers. Nothing is read per Node, PV or pod."""
    snap, tree = gatherer.snap, gatherer.tree
    by_name = {d["name"]: d for d in snap.datastores.values()}
    files = {disk_key(path) for path in snap.volume_files}
    fcds = {}
    for fid, f in snap.fcds.items():
        if f.get("path") and disk_key(f["path"]):
            fcds[disk_key(f["path"])] = fid
    attached = {}
    for vm in snap.vms.values():
        for d in vm.disks:
            if disk_key(d.path):
                attached.setdefault(disk_key(d.path), []).append(vm.name)
    replica_sets = {(r["metadata"].get("namespace"), r["metadata"]["name"]): r for r in kube.list("ReplicaSet")}
    workloads = {}
    for kind in ("Deployment", "StatefulSet"):
        for w in kube.list(kind):
            workloads[(kind, w["metadata"].get("namespace"), w["metadata"]["name"])] = (w.get("spec") or {}).get(
                "replicas", 1)
    for (ns, n), r in replica_sets.items():
        workloads[("ReplicaSet", ns, n)] = (r.get("spec") or {}).get("replicas", 1)
    csi_ns = p["csi_namespace"]
    fss = kube.get("ConfigMap", CSI_FSS, csi_ns)
    secret = kube.get("Secret", CSI_SECRET[0], csi_ns)
    installed_url = None
    if secret is not None and (secret.get("data") or {}).get(CSI_SECRET[1]):
        text = base64.b64decode(secret["data"][CSI_SECRET[1]]).decode("utf-8", "replace")
        found = re.findall(r"(?m)^\s*migration-datastore-url\s*=\s*\"?([^\"\n]*)\"?\s*$", text)
        installed_url = found[0].strip() if found else None
    url = p.get("migration_datastore_url")
    if not url and p.get("migration_datastore"):
        url = resolve_datastore_url(tree, snap, gatherer.datacenter, p["migration_datastore"])
    dc = gatherer.datacenter
    folders = [tree.get(m)["name"] for m in tree.ancestors(dc)[1:-1]]
    about = gatherer.client.content.about
    return dict(
        nodes=p["nodes"], kube_nodes=[dict(name=n.name, provider_id=n.provider_id) for n in snap.nodes],
        node_uuid={n.name: snap.vms[n.vm].uuid for n in snap.nodes if n.vm in snap.vms},
        node_vm={n.name: snap.vms[n.vm].name for n in snap.nodes if n.vm in snap.vms},
        cloud_config_path=p["cloud_config_path"], storage_classes=snap.storage_classes, pvs=snap.pvs,
        datastore_url=lambda spec: (by_name.get(str(spec).strip().rsplit("/", 1)[-1]) or {}).get("url"),
        datastores=set(by_name), files=files, listed={(ds, folder) for ds, folder, _ok in snap.volume_folders_listed},
        fcds=fcds, attached=attached, pods=claim_pods(kube.list("Pod")),
        owners=lambda pod: owner_of(pod, replica_sets, workloads), workloads=workloads,
        about=dict(name=about.fullName, version=about.version, build=about.build, api_version=about.apiVersion),
        datacenter=tree.get(dc)["name"], dc_in_folder="/" + "/".join(reversed(folders)) if folders else None,
        migration_url=url or installed_url, installed_migration_url=installed_url,
        cpi=kube.get(CPI_OBJECT[0], CPI_OBJECT[1], p["cpi_namespace"]),
        csi=kube.get(CSI_OBJECT[0], CSI_OBJECT[1], csi_ns), csi_driver_registered=snap.csi_installed,
        csi_migration=((fss or {}).get("data") or {}).get("csi-migration"))


def resolve_datastore_url(tree, snap, datacenter, spec):
    """The URL of a datastore given by name, 'DatastoreCluster/name' or inventory path (VsphereError if none)."""
    moid = tree.datastore(spec, datacenter)
    return (snap.datastores.get(moid) or {}).get("url")
