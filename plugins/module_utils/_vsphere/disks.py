# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What vSphere knows of VMDK files: existence, capacity, First Class Disk ids, attachments.

Reads are batched: one datastore search task per folder (all submitted together), descriptors fetched in
parallel over HTTPS, one property retrieval for the devices of every VM on the datastores involved.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import (
    collect,
    collect_objects,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.uuids import normalize_uuid
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import (
    TaskFailed,
    wait_for_tasks,
)

try:
    from pyVmomi import vim
except ImportError:
    pass

DS_PROPS = ["name", "summary.url", "summary.type", "summary.accessible", "browser", "vm"]
_EXTENT = re.compile(r'^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+\S+', re.M)
_DDB = re.compile(r'^\s*ddb\.(\w+)\s*=\s*"([^"]*)"', re.M)
_CREATE_TYPE = re.compile(r'^\s*createType\s*=\s*"([^"]*)"', re.M)
WORKERS = 8


def parse_descriptor(text):
    """capacity_bytes, uuid, disk_format, adapter_type from a VMDK descriptor (what is there of them)."""
    ddb = dict(_DDB.findall(text))
    create_type = _CREATE_TYPE.search(text)
    fmt = None
    if ddb.get("thinProvisioned") == "1":
        fmt = "thin"
    elif create_type and create_type.group(1) == "eagerZeroedThick":
        fmt = "eagerzeroedthick"
    uuid = ddb.get("uuid")
    return dict(capacity_bytes=sum(int(n) * 512 for _access, n in _EXTENT.findall(text)),
                uuid=normalize_uuid(uuid) or uuid,
                disk_format=fmt, adapter_type=ddb.get("adapterType"))


def in_listing(listing, ds, disk):
    """Whether a disk is in a list_folders result (its folder exists and holds its file)."""
    files = listing.get((ds.moid, disk.folder))
    return files is not None and disk.path.rsplit("/", 1)[-1] in files


class Datastore:
    def __init__(self, tree, moid, props):
        self.moid = moid
        self.obj = tree.get(moid)["obj"]
        self.name = props.get("name")
        self.url = props.get("summary.url")
        self.type = props.get("summary.type")
        self.accessible = props.get("summary.accessible")
        self.browser = props.get("browser")
        self.vms = props.get("vm") or []
        rel = tree.segments(moid)[2:]  # below /<dc>/datastore
        self.display = "/".join(rel)    # 'DatastoreCluster/ds' inside a datastore cluster or folder


class DiskStore:
    """Datastores of one datacenter and the disks on them, read in batches. The constructor reads nothing:
    fetch() reads the datastores (DiskStore(client, tree, datacenter).fetch())."""

    def __init__(self, client, tree, datacenter):
        self.client, self.tree, self.dc = client, tree, datacenter
        self.dc_obj = tree.get(datacenter)["obj"]
        self.dc_path = "/".join(tree.segments(datacenter))
        self.datastores = {}
        self._attachments = None
        self._fcds = {}

    def fetch(self):
        """Read the datacenter's datastores (one retrieval); returns the store."""
        ds_moids = self.tree.of_type(vim.Datastore, self.dc)
        self.datastores = {}
        for obj, props in collect_objects(self.client, [self.tree.get(m)["obj"] for m in ds_moids], DS_PROPS):
            self.datastores[obj._moId] = Datastore(self.tree, obj._moId, props)
        return self

    def datastore(self, spec):
        return self.datastores[self.tree.datastore(spec, self.dc)]

    def by_name(self, name):
        for ds in self.datastores.values():
            if ds.name == name:
                return ds
        return None

    # -- files -------------------------------------------------------------------------------------
    def list_folders(self, folders):
        """{(ds moid, folder): {file name: size} or None when the folder does not exist}; one search task per
        folder, all submitted together."""
        tasks, keys = [], {}
        for ds_moid, folder in sorted(set(folders)):
            ds = self.datastores[ds_moid]
            spec = vim.host.DatastoreBrowser.SearchSpec(
                matchPattern=["*.vmdk"], query=[vim.host.DatastoreBrowser.VmDiskQuery()],
                details=vim.host.DatastoreBrowser.FileInfo.Details(fileSize=True, fileType=True))
            task = ds.browser.SearchDatastore_Task(datastorePath="[%s] %s" % (ds.name, folder), searchSpec=spec)
            tasks.append(task)
            keys[task._moId] = (ds_moid, folder)
        out = {}
        for moid, result in wait_for_tasks(self.client, tasks).items():
            if isinstance(result, TaskFailed):
                if isinstance(result.fault, vim.fault.FileNotFound):
                    out[keys[moid]] = None
                    continue
                raise VsphereError("Listing %s failed: %s" % (keys[moid], result))
            out[keys[moid]] = {f.path: f.fileSize for f in result.file or []
                               if f.path.endswith(".vmdk") and not f.path.endswith("-flat.vmdk")}
        return out

    def exist(self, pairs):
        """[whether each (Datastore, DiskName) exists], in order: the one existence check of a VMDK (a file of its
        folder's listing; one search task per folder, all submitted together)."""
        pairs = list(pairs)
        listing = self.list_folders((ds.moid, disk.folder) for ds, disk in pairs) if pairs else {}
        return [in_listing(listing, ds, disk) for ds, disk in pairs]

    def descriptors(self, disks):
        """{DiskName: descriptor facts} read over HTTPS in parallel (the datastore file service)."""
        params = self.client.params
        ctx = side_channel_context(params)
        cookie = self.client.session_cookie
        vdm = self.client.content.virtualDiskManager

        def fetch(item):
            disk, ds = item
            query = urllib.parse.urlencode({"dcPath": self.dc_path, "dsName": ds.name})
            conn = http.client.HTTPSConnection(params["hostname"], params["port"], context=ctx,
                                               timeout=params.get("timeout") or 120)
            try:
                conn.request("GET", "/folder/%s?%s" % (urllib.parse.quote(disk.path), query),
                             headers={"Cookie": cookie})
                resp = conn.getresponse()
                body = resp.read(1024 * 1024)
            finally:
                conn.close()
            if resp.status != 200:
                raise VsphereError("Reading the descriptor of %s failed: HTTP %s" % (disk, resp.status))
            facts = parse_descriptor(body.decode("utf-8", "replace"))
            if not facts["uuid"]:
                raw = vdm.QueryVirtualDiskUuid(name=disk.with_datastore(ds.name), datacenter=self.dc_obj)
                facts["uuid"] = normalize_uuid(raw) or raw
            return disk, facts

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return dict(pool.map(fetch, disks))

    # -- First Class Disks -------------------------------------------------------------------------
    def fcds(self, ds):
        """{'[ds] path': fcd id} of the First Class Disks on a datastore (list, then retrieve in parallel)."""
        if ds.moid not in self._fcds:
            vsom = self.client.content.vStorageObjectManager
            ids = vsom.ListVStorageObject(datastore=ds.obj) or []

            def get(fcd_id):
                obj = vsom.RetrieveVStorageObject(id=fcd_id, datastore=ds.obj)
                return obj.config.backing.filePath, dict(id=fcd_id.id, name=obj.config.name,
                                                         capacity_bytes=obj.config.capacityInMB * 1024 * 1024)

            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                self._fcds[ds.moid] = dict(pool.map(get, ids))
        return self._fcds[ds.moid]

    # -- attachments -------------------------------------------------------------------------------
    def attachments(self, datastores=None):
        """{'[ds name] path': [dict(vm, moid, key, controller_key, unit, power_state, fcd_id, obj)]} for every VM
        with a disk on the given datastores (default: all of the datacenter's).

        Who uses a datastore is not taken from one inventory property: the VMs that Datastore.vm lists and the VMs
        whose VirtualMachine.datastore lists the datastore (one scalar retrieval over the datacenter's VMs) are both
        read, so a VM whose home is elsewhere is seen too. Then one retrieval of all their devices. A disk is keyed
        by its datastore's own name (from the backing's datastore reference, not from how a path was written).
        """
        chosen = list(datastores) if datastores is not None else list(self.datastores.values())
        key = tuple(sorted(ds.moid for ds in chosen))
        if self._attachments is None or self._attachments[0] != key:
            wanted = {ds.moid for ds in chosen}
            vms = {}
            for ds in chosen:
                for vm in ds.vms:
                    vms[vm._moId] = vm
            for vm, props in collect(self.client, [vim.VirtualMachine], ["datastore"],
                                     root=self.tree.get(self.dc)["obj"], scalar=True):
                if any(d._moId in wanted for d in props.get("datastore") or []):
                    vms[vm._moId] = vm
            found = {}
            self._attachments = (key, found)
            props = ["name", "config.hardware.device", "runtime.powerState"]
            for obj, p in collect_objects(self.client, list(vms.values()), props):
                for dev in p.get("config.hardware.device") or []:
                    if isinstance(dev, vim.vm.device.VirtualDisk) and getattr(dev.backing, "fileName", None):
                        fcd = getattr(dev, "vDiskId", None)
                        found.setdefault(self._file_key(dev.backing), []).append(dict(
                            vm=p.get("name"), moid=obj._moId, key=dev.key, controller_key=dev.controllerKey,
                            unit=dev.unitNumber, power_state=str(p.get("runtime.powerState")),
                            fcd_id=fcd.id if fcd is not None else None, obj=obj))
        return self._attachments[1]

    def _file_key(self, backing):
        """'[ds name] path' of a disk backing, with the datastore's own name."""
        name = backing.fileName
        ds_ref = getattr(backing, "datastore", None)
        ds = self.datastores.get(ds_ref._moId) if ds_ref is not None else None
        if ds is not None and name.startswith("[") and "]" in name:
            return "[%s] %s" % (ds.name, name[name.index("]") + 1:].strip())
        return name
