# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a site once into a Snapshot for the checks.

vSphere is read through the PropertyCollector, one retrieval per kind of object: the inventory tree with every
VM's name, BIOS UUID and folder; the details of the node VMs (and of the VMs in the node folder) in one more; the
datastores in one. Tags come in one REST call for the associations, plus one per distinct zone or region tag.
Nothing is read per Node, PV or VM.
"""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.nodes import node_summary
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import cloudconf
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.cns import query_volumes
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import (
    storage_classes as sc_mod,
    volumes as vol_mod,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.config import PRIVILEGES
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import (
    Controller,
    Disk,
    NodeSnap,
    Snapshot,
    VmSnap,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere import vm_facts
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    VsphereClient,
    VsphereError,
    ssl_context,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.disks import DiskStore
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.pbm import storage_policies
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import (
    collect,
    collect_objects,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.rest import TAGGING
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    wait_for_tasks,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import (
    byte_swap,
    normalize_uuid,
)

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass

CSI_DRIVER = "csi.vsphere.vmware.com"
CPI_CONFIGMAP = ("kube-system", "vsphere-cloud-config", "vsphere.conf")
CSI_SECRET = ("vmware-system-csi", "vsphere-config-secret", "csi-vsphere.conf")
VM_PROPS = ["name", "config.uuid", "parent", "config.template"]
DETAIL_PROPS = ["name", "config.version", "config.extraConfig", "config.hardware.device", "runtime.powerState",
                "runtime.host", "runtime.bootTime", "guest.toolsRunningStatus", "guest.hostName", "guest.net",
                "guest.ipAddress"]
EVENT_PAGE = 1000
DS_PROPS = ["name", "summary.url", "summary.type", "summary.capacity", "summary.freeSpace", "summary.accessible",
            "host", "parent"]


class Gatherer:
    """Fills a Snapshot from one vSphere client and one Kubernetes client."""

    def __init__(self, client, kube, params):
        self.client, self.kube, self.p = client, kube, params
        self.snap = Snapshot()
        self.tree = None
        self.datacenter = None
        self.problems = []   # what could not be read, as findings-to-be: (check, object, message)
        self.secrets = []    # passwords met in the cluster's configs and Secrets (the module hides them)

    # -- Kubernetes --------------------------------------------------------------------------------
    def kube_reads(self):
        s = self.snap
        nodes = self.kube.list("Node")
        s.nodes = [_node(node_summary(n)) for n in nodes]
        s.csi_installed = self.kube.get("CSIDriver", CSI_DRIVER) is not None
        cm = self.kube.get("ConfigMap", CPI_CONFIGMAP[1], CPI_CONFIGMAP[0])
        if cm is not None:
            text = (cm.get("data") or {}).get(CPI_CONFIGMAP[2])
            s.configs.append(self._config("cpi", "ConfigMap", CPI_CONFIGMAP, text, cloudconf.parse_cpi))
        sec = self.kube.get("Secret", CSI_SECRET[1], CSI_SECRET[0])
        if sec is not None:
            raw = (sec.get("data") or {}).get(CSI_SECRET[2])
            text = base64.b64decode(raw).decode("utf-8", "replace") if raw else None
            s.configs.append(self._config("csi", "Secret", CSI_SECRET, text, cloudconf.parse_csi))
        for conf in s.configs:
            for vc in (conf.get("parsed") or {}).get("vcenters", []):
                if vc.get("secret_name"):
                    ns = vc.get("secret_namespace") or "kube-system"
                    secret = self.kube.get("Secret", vc["secret_name"], ns)
                    vc["_secret"] = None if secret is None else {
                        k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (secret.get("data") or {}).items()}
                    vc["secret_exists"] = secret is not None
                    vc["secret_keys"] = sorted(vc["_secret"] or {})
                    self.secrets.extend(v for k, v in (vc["_secret"] or {}).items() if k.endswith("password"))
                if vc.get("password"):
                    self.secrets.append(vc["password"])
        self._settings_from_configs()
        s.storage_classes = self.kube.list("StorageClass")
        s.pvs = self.kube.list("PersistentVolume")
        s.volume_attachments = self.kube.list("VolumeAttachment")

    def _config(self, kind, obj_kind, where, text, parser):
        ns, name, key = where
        entry = dict(kind=kind, object=dict(kind=obj_kind, name="%s/%s" % (ns, name)), key=key, parsed=None, error=None)
        if not text:
            entry["error"] = "key %s is missing or empty" % key
            return entry
        try:
            entry["parsed"] = parser(text)
        except cloudconf.CloudConfError as e:
            entry["error"] = str(e)
        return entry

    def _settings_from_configs(self):
        st, p = self.snap.settings, self.p
        cpi = next((c["parsed"] for c in self.snap.configs if c["kind"] == "cpi" and c["parsed"]), None)
        labels = (cpi or {}).get("labels") or {}
        st.zone_category = p.get("zone_category") or labels.get("zone")
        st.region_category = p.get("region_category") or labels.get("region")
        opts = dict((cpi or {}).get("nodes") or {})
        opts["ip_family"] = (cpi or {}).get("ip_family") or ["ipv4"]
        st.nodes_options = opts

    # -- vSphere -----------------------------------------------------------------------------------
    def vsphere_reads(self):
        s = self.snap
        self.tree = tree = InventoryTree(self.client, vm_props=VM_PROPS).fetch()
        self.datacenter = tree.datacenter(self.p.get("datacenter"))
        s.datacenters = [n["name"] for m, n in tree.nodes.items() if isinstance(n["obj"], vim.Datacenter)]
        if self.p.get("node_folder"):
            try:
                s.settings.node_folder = tree.path(tree.folder(self.p["node_folder"], self.datacenter, "vm"))
            except VsphereError as e:
                self.problems.append(("config.node_folder_missing", dict(kind="Folder", name=self.p["node_folder"]),
                                      str(e)))
        by_uuid, by_name = {}, {}
        for moid, (_o, props) in tree.vms.items():
            if props.get("config.template"):
                continue
            u = normalize_uuid(props.get("config.uuid"))
            if u:
                by_uuid.setdefault(u, []).append(moid)
            by_name.setdefault(props.get("name"), []).append(moid)
        for node in s.nodes:
            node.vm, node.matched_by = _match(node, by_uuid, by_name)
        if any(n.vm is None and not n.candidates for n in s.nodes):
            # a Node named after its guest's host name: one more retrieval, only when a Node matched nothing else
            by_host = {}
            for obj, props in collect(self.client, [vim.VirtualMachine], ["guest.hostName"], scalar=True):
                host = (props.get("guest.hostName") or "").lower()
                if host and obj._moId in tree.vms and not tree.vms[obj._moId][1].get("config.template"):
                    for key in sorted({host, host.split(".")[0]}):
                        by_host.setdefault(key, []).append(obj._moId)
            for node in s.nodes:
                if node.vm is None and not node.candidates:
                    node.vm, node.matched_by = _match(node, {}, {}, by_host)
        for node in s.nodes:
            for m in node.candidates:
                s.candidate_names[m] = tree.vms[m][1].get("name")
        folder_moid = None
        if s.settings.node_folder:
            folder_moid = tree.folder(s.settings.node_folder, self.datacenter, "vm")
            s.node_folder_vms = sorted(m for m, (_o, props) in tree.vms.items()
                                       if props.get("parent") is not None and props["parent"]._moId == folder_moid
                                       and not props.get("config.template"))
        wanted = sorted({n.vm for n in s.nodes if n.vm} | set(s.node_folder_vms))
        for obj, props in collect_objects(self.client, [tree.vms[m][0] for m in wanted], DETAIL_PROPS):
            base = tree.vms[obj._moId][1]
            s.vms[obj._moId] = self._vm(obj._moId, base, props)
        self.enable_uuid_changes()

    def enable_uuid_changes(self):
        """Which powered-on VMs got disk.EnableUUID=TRUE after their last boot (it applies at the next power on):
        the VM reconfiguration events since the oldest boot of such a VM, in one event collector read by pages of
        EVENT_PAGE (never per VM); nothing is read when no powered-on node VM has it TRUE."""
        candidates = {m: vm for m, vm in self.snap.vms.items()
                      if vm.power_state == "poweredOn" and vm.boot_time is not None and enabled(vm.enable_uuid)}
        if not candidates:
            return
        em = self.client.content.eventManager
        spec = vim.event.EventFilterSpec(
            entity=vim.event.EventFilterSpec.ByEntity(entity=self.client.content.rootFolder, recursion="all"),
            eventTypeId=["VmReconfiguredEvent"],
            time=vim.event.EventFilterSpec.ByTime(beginTime=min(vm.boot_time for vm in candidates.values())))
        try:
            collector = em.CreateCollectorForEvents(filter=spec)
        except vmodl.MethodFault:
            return  # events not readable (no permission, disabled): no pending power cycle can be told
        try:
            while True:
                page = collector.ReadNextEvents(maxCount=EVENT_PAGE) or []
                enable_uuid_set_after_boot(candidates, page)
                if len(page) < EVENT_PAGE:
                    break
        finally:
            collector.DestroyCollector()

    def zone_reads(self):
        """Tag categories, the zone and region tags and where they are attached (REST: the category list, one call
        per category and per zone or region tag, one for every attachment); the ancestry of the hosts that run
        node VMs and of their clusters' other hosts (from the inventory tree already read)."""
        s, tree = self.snap, self.tree
        for moid, n in tree.nodes.items():
            s.object_kinds[moid] = (type(n["obj"]).__name__.split(".")[-1], n["name"])
        clusters = {tree.cluster_of(vm.host) for vm in s.vms.values() if vm.host}
        clusters.discard(None)
        s.hosts = sorted(h for h in tree.of_type(vim.HostSystem) if tree.cluster_of(h) in clusters)
        for h in set(s.hosts) | {vm.host for vm in s.vms.values() if vm.host}:
            s.ancestors[h] = tree.ancestors(h)
        wanted = [c for c in (s.settings.zone_category, s.settings.region_category) if c]
        if not wanted:
            return
        rest = self.client.rest()
        s.categories = {name: dict(id=c.get("id"), cardinality=c.get("cardinality"),
                                   associable_types=c.get("associable_types"))
                        for name, c in rest.categories().items()}
        tag_names = {}
        for cat in wanted:
            if cat in s.categories:
                for tag_name, tag in rest.tags_in(s.categories[cat]["id"]).items():
                    tag_names[tag["id"]] = (cat, tag_name)
                    s.tag_ids[(cat, tag_name)] = tag["id"]
        if not tag_names:
            return
        rows = rest.call("POST", TAGGING + "/tag-association?~action=list-attached-objects-on-tags",
                         {"tag_ids": sorted(tag_names)}) or []
        for row in rows:
            key = tag_names.get(row.get("tag_id"))
            if key is None:
                continue
            for o in row.get("object_ids") or []:
                s.tag_attachments.setdefault(key, []).append((o.get("type"), o.get("id")))
                s.tags.setdefault(o.get("id"), []).append(key)
                if o.get("id") in tree.vms:
                    s.object_kinds[o["id"]] = ("VirtualMachine", tree.vms[o["id"]][1].get("name"))

    def config_reads(self):
        """For each vCenter of each config found in the cluster that is the vCenter read here: whether its
        credentials log in (one login per distinct user), and the privileges that user lacks (one
        HasUserPrivilegeOnEntities call per user and component, over every object concerned)."""
        s, tree = self.snap, self.tree
        ours = str(self.client.params["hostname"]).lower()
        logins = {}
        entities = {
            "Folder": [tree.get(tree.ancestors(self.datacenter)[-1])["obj"]],
            "Datacenter": [tree.get(self.datacenter)["obj"]],
            "VirtualMachine": [tree.vms[n.vm][0] for n in s.nodes if n.vm],
            "Datastore": [tree.get(m)["obj"] for m in tree.of_type(vim.Datastore, self.datacenter)],
        }
        for conf in s.configs:
            for vc in (conf.get("parsed") or {}).get("vcenters", []):
                vc["checked"] = str(vc["server"]).lower() == ours
                if not vc["checked"]:
                    continue
                user, password = vc.get("user"), vc.get("password")
                keys = cloudconf.credential_keys(vc["server"])
                if vc.get("_secret") and keys:
                    user = vc["_secret"].get(keys[0], user)
                    password = vc["_secret"].get(keys[1], password)
                vc["user"] = user
                vc.pop("password", None)
                if not user or password is None:
                    continue
                key = (user, password)
                if key not in logins:
                    try:
                        other = VsphereClient(dict(self.client.params, username=user, password=password))
                        other.close()
                        logins[key] = None
                    except VsphereError as e:
                        logins[key] = str(e).replace(password, "********") if password else str(e)
                vc["login_error"] = logins[key]
                if logins[key] is None:
                    vc["missing_privileges"] = self._missing_privileges(user, PRIVILEGES.get(conf["kind"], {}),
                                                                        entities)
            for vc in (conf.get("parsed") or {}).get("vcenters", []):
                vc.pop("password", None)
                vc.pop("_secret", None)

    def _missing_privileges(self, user, wanted, entities):
        am = self.client.content.authorizationManager
        objs, privs = [], sorted({p for kind in wanted for p in wanted[kind]})
        for kind in wanted:
            objs.extend(entities.get(kind, []))
        if not objs or not privs:
            return []
        out = []
        for ep in am.HasUserPrivilegeOnEntities(entities=objs, userName=user, privId=privs) or []:
            kind = type(ep.entity).__name__.split(".")[-1]
            need = set(wanted.get(kind, []))
            missing = sorted(a.privId for a in ep.privAvailability or [] if not a.isGranted and a.privId in need)
            if missing:
                moid = ep.entity._moId
                name = (self.tree.get(moid) or {}).get("name") or self.tree.vms.get(moid, (None, {}))[1].get("name")
                out.append((kind, name, moid, missing))
        return out

    def storage_reads(self, volume_folder="kubevols"):
        """Datastores (one retrieval, with their host mounts), Storage DRS clusters (one), storage policies (PBM,
        when a class names one), the volume folders (one search task per datastore and folder, all together) and
        the First Class Disks (one list per datastore; details only of those no PV names)."""
        s, tree = self.snap, self.tree
        ds_moids = tree.of_type(vim.Datastore, self.datacenter)
        pods = list(tree.of_type(vim.StoragePod, self.datacenter))
        pod_auto = {}
        if pods:
            for o, props in collect_objects(self.client, [tree.get(m)["obj"] for m in pods],
                                            ["podStorageDrsEntry.storageDrsConfig.podConfig"]):
                pc = props.get("podStorageDrsEntry.storageDrsConfig.podConfig")
                pod_auto[o._moId] = bool(pc is not None and pc.enabled and pc.defaultVmBehavior == "automated")
        for o, props in collect_objects(self.client, [tree.get(m)["obj"] for m in ds_moids], DS_PROPS):
            parent = tree.get(o._moId)["parent"]
            s.datastores[o._moId] = dict(
                name=props.get("name"), url=props.get("summary.url"), capacity=props.get("summary.capacity"),
                free=props.get("summary.freeSpace"), accessible=props.get("summary.accessible"),
                hosts=sorted(h.key._moId for h in props.get("host") or []
                             if h.mountInfo is None or (h.mountInfo.mounted is not False
                                                        and h.mountInfo.accessible is not False)),
                pod=tree.get(parent)["name"] if parent in pod_auto else None, sdrs_automated=pod_auto.get(parent, False))
        policies = {str(k).lower(): v for sc in s.storage_classes for k, v in (sc.get("parameters") or {}).items()
                    if str(k).lower() == "storagepolicyname"}
        if policies:
            s.policies = {name: dict(id=pid) for name, pid in storage_policies(self.client).items()}
            used = sorted({str((sc.get("parameters") or {}).get(k)) for sc in s.storage_classes
                           for k in (sc.get("parameters") or {}) if str(k).lower() == "storagepolicyname"}
                          & set(s.policies))
            if used:
                for name, hubs in _compatible_datastores(self.client, [s.policies[n]["id"] for n in used],
                                                         list(s.datastores), used).items():
                    s.policies[name]["datastores"] = hubs
        for sc in s.storage_classes:
            params = {str(k).lower(): v for k, v in (sc.get("parameters") or {}).items()}
            m = sc_mod.datastore_by_url(s, params.get("datastoreurl")) if params.get("datastoreurl") else \
                sc_mod.datastore_by_name(s, params.get("datastore")) if params.get("datastore") else None
            if m is not None:
                s.storage_datastores.append(s.datastores[m]["name"])
        # volume folders: every datastore's volume folder, and the folders in-tree PVs name
        store = DiskStore(self.client, tree, self.datacenter).fetch()
        by_name = {d.name: d for d in store.datastores.values()}
        folders = {(d.moid, volume_folder) for d in store.datastores.values() if d.accessible is not False}
        for pv in s.pvs:
            key = vol_mod.pv_disk(pv)
            if key and key[0] == "path" and key[1] in by_name and "/" in key[2]:
                folders.add((by_name[key[1]].moid, key[2].rsplit("/", 1)[0]))
        listing = _list_volume_folders(self.client, store, folders) if folders else {}
        for (ds_moid, folder), found in listing.items():
            ds = store.datastores[ds_moid]
            s.volume_folders_listed.append((ds.name, folder, found is not None))
            for name, facts in (found or {}).items():
                s.volume_files["[%s] %s/%s" % (ds.name, folder, name)] = dict(facts, datastore=ds.name)
        # First Class Disks: the ids on every datastore (one list each). Details (path, size, creation) are read for
        # those no PV names (the orphan candidates), and, on a datastore whose volume folder holds VMDKs no in-tree
        # PV names, for every First Class Disk there (a CSI PV names a disk registered from a VMDK by id only; its
        # path tells whether the file is that disk). vSphere retrieves First Class Disks one by one: 8 at a time.
        named = {key[1] for key in (vol_mod.pv_disk(pv) for pv in s.pvs) if key and key[0] == "fcd"}
        named_paths = {key for key in (vol_mod.pv_disk(pv) for pv in s.pvs) if key and key[0] == "path"}
        attached = {vol_mod.file_key(d.path) for vm in s.vms.values() for d in vm.disks}
        candidate_ds = {f["datastore"] for p, f in s.volume_files.items()
                        if vol_mod.file_key(p) not in named_paths and vol_mod.file_key(p) not in attached}
        vsom = self.client.content.vStorageObjectManager
        details = []
        for ds in store.datastores.values():
            if ds.accessible is False:
                continue
            for fid in vsom.ListVStorageObject(datastore=ds.obj) or []:
                s.fcds[fid.id] = dict(datastore=ds.name, path=None, capacity_bytes=None, created=None, name=None)
                if fid.id not in named or ds.name in candidate_ds:
                    details.append((fid, ds))

        def retrieve(item):
            fid, ds = item
            return fid.id, vsom.RetrieveVStorageObject(id=fid, datastore=ds.obj).config

        with ThreadPoolExecutor(max_workers=8) as pool:
            for fid, cfg in pool.map(retrieve, details):
                s.fcds[fid].update(path=getattr(cfg.backing, "filePath", None), name=cfg.name,
                                   capacity_bytes=(cfg.capacityInMB or 0) * 1024 * 1024,
                                   created=cfg.createTime.strftime("%Y-%m-%d") if cfg.createTime else None)
        s.gathered.append("fcds")
        self.cns_reads()

    def cns_reads(self):
        """Every CNS volume in one paginated CnsQueryVolume (never per PV); a vCenter without CNS: nothing."""
        s = self.snap
        volumes = query_volumes(self.client)
        if volumes is None:
            return
        by_url = {str(d.get("url") or "").rstrip("/"): d["name"] for d in s.datastores.values()}
        for v in volumes:
            fcd = s.fcds.get(v["id"]) or {}
            url = str(v.get("datastore_url") or "").rstrip("/")
            s.cns_volumes[v["id"]] = dict(
                name=v.get("name"), datastore=by_url.get(url) or fcd.get("datastore"), datastore_url=v.get("datastore_url"),
                capacity_bytes=v.get("capacity_bytes") if v.get("capacity_bytes") is not None else fcd.get("capacity_bytes"),
                path=v.get("path") or fcd.get("path"), created=v.get("created") or fcd.get("created"))
        s.gathered.append("cns")

    def _vm(self, moid, base, props):
        devices = props.get("config.hardware.device") or []
        parent = base.get("parent")
        host = props.get("runtime.host")
        enable = vm_facts.extra_config(props, "disk.EnableUUID")
        return VmSnap(
            moid=moid, name=base.get("name"), uuid=normalize_uuid(base.get("config.uuid")),
            folder=self.tree.path(parent._moId) if parent is not None else None,
            power_state=str(props.get("runtime.powerState")), hardware_version=props.get("config.version"),
            tools_running=props.get("guest.toolsRunningStatus"), enable_uuid=enable,
            controllers=[Controller(c["type"], c["bus_number"], c["units_in_use"])
                         for c in vm_facts.controllers(devices)],
            disks=[Disk(d["path"], d["fcd_id"], d["capacity_bytes"]) for d in vm_facts.disks(devices)],
            host=host._moId if host is not None else None, hostname=props.get("guest.hostName"),
            boot_time=props.get("runtime.bootTime"),
            nics=vm_facts.guest_nics(props), template=bool(base.get("config.template")))


def enabled(value):
    return str(value or "").strip().lower() == "true"


def enable_uuid_set_after_boot(candidates, events):
    """Mark in candidates ({moid: VmSnap}) the VMs a reconfiguration event set disk.EnableUUID TRUE on after their
    last boot (vm.enable_uuid_changed: the latest such time)."""
    for event in events:
        vm_arg = getattr(event, "vm", None)
        ref = getattr(vm_arg, "vm", None)
        vm = candidates.get(getattr(ref, "_moId", None))
        if vm is None or vm.boot_time is None or event.createdTime <= vm.boot_time:
            continue
        values = {o.key: o.value for o in (getattr(getattr(event, "configSpec", None), "extraConfig", None) or [])}
        if "disk.EnableUUID" in values and enabled(values["disk.EnableUUID"]):
            when = event.createdTime.strftime("%Y-%m-%d %H:%M:%S")
            vm.enable_uuid_changed = max(vm.enable_uuid_changed or when, when)


def _compatible_datastores(client, profile_ids, ds_moids, names):
    """{policy name: [datastore moids compatible]}: one PbmCheckCompatibility per policy a class names (not per
    volume), through the PBM endpoint with the vCenter session."""
    from pyVmomi import SoapStubAdapter, pbm  # pylint: disable=import-outside-toplevel
    params = client.params
    cookie = client.session_cookie
    session = cookie.split("=", 1)[-1].split(";")[0].strip().strip('"')
    ctx = ssl_context(params["validate_certs"], params.get("ca_bundle") if params["validate_certs"] else None)
    stub = SoapStubAdapter(host=params["hostname"], port=params["port"], path="/pbm",
                           version="pbm.version.version11", sslContext=ctx,
                           requestContext={"vcSessionCookie": session},
                           httpConnectionTimeout=params.get("timeout") or None)
    solver = pbm.ServiceInstance("ServiceInstance", stub).RetrieveContent().placementSolver
    hubs = [pbm.placement.PlacementHub(hubType="Datastore", hubId=m) for m in ds_moids]
    out = {}
    for name, pid in zip(names, profile_ids):
        results = solver.PbmCheckCompatibility(hubsToSearch=hubs, profile=pbm.profile.ProfileId(uniqueId=pid)) or []
        out[name] = sorted(r.hub.hubId for r in results if not r.error)
    return out


def _list_volume_folders(client, store, folders):
    """{(ds moid, folder): {file: {size (capacity), modified}} or None when the folder does not exist}: one search
    task per folder, all submitted together (as DiskStore.list_folders, with the disks' capacity and dates)."""
    tasks, keys = [], {}
    for ds_moid, folder in sorted(set(folders)):
        ds = store.datastores[ds_moid]
        query = vim.host.DatastoreBrowser.VmDiskQuery(details=vim.host.DatastoreBrowser.VmDiskQuery.Details(
            capacityKb=True, diskType=True))
        spec = vim.host.DatastoreBrowser.SearchSpec(
            matchPattern=["*.vmdk"], query=[query],
            details=vim.host.DatastoreBrowser.FileInfo.Details(fileSize=True, fileType=True, modification=True))
        task = ds.browser.SearchDatastore_Task(datastorePath="[%s] %s" % (ds.name, folder), searchSpec=spec)
        tasks.append(task)
        keys[task._moId] = (ds_moid, folder)
    out = {}
    for moid, result in wait_for_tasks(client, tasks).items():
        if isinstance(result, TaskFailed):
            if isinstance(result.fault, vim.fault.FileNotFound):
                out[keys[moid]] = None
                continue
            raise VsphereError("Listing the volume folder %s failed: %s" % (keys[moid][1], result))
        out[keys[moid]] = {
            f.path: dict(size=(getattr(f, "capacityKb", None) or 0) * 1024 or f.fileSize,
                         modified=f.modification.strftime("%Y-%m-%d") if getattr(f, "modification", None) else None)
            for f in result.file or [] if f.path.endswith(".vmdk") and not f.path.endswith("-flat.vmdk")}
    return out


def _node(summary):
    return NodeSnap(name=summary["name"], provider_id=summary["provider_id"], system_uuid=summary["system_uuid"],
                    addresses=summary["addresses"], zone=summary["zone"], region=summary["region"],
                    uninitialized=summary["uninitialized"])


def _match(node, by_uuid, by_name, by_host=None):
    """As node_vm_info does: the systemUUID (either byte order), else the providerID, else the name (VM name,
    then guest host name). Returns (moid, how); several VMs for one key: (None, None) and node.candidates set."""
    for value in (node.system_uuid, node.provider_id):
        u = normalize_uuid(value)
        if not u:
            continue
        for candidate, how in ((u, "bios uuid"), (byte_swap(u), "byte-swapped bios uuid")):
            found = by_uuid.get(candidate, [])
            if len(found) == 1:
                return found[0], how
            if len(found) > 1:
                node.candidates = sorted(found)
                return None, None
    for index, how in ((by_name, "vm name"), (by_host or {}, "guest hostname")):
        found = index.get(node.name) or index.get(node.name.lower()) or []
        if len(found) == 1:
            return found[0], how
        if len(found) > 1:
            node.candidates = sorted(found)
            return None, None
    return None, None


def gather(client, kube, params):
    g = Gatherer(client, kube, params)
    try:
        g.kube_reads()
    except KubernetesError:
        raise
    g.vsphere_reads()
    g.zone_reads()
    g.config_reads()
    g.storage_reads()
    return g
