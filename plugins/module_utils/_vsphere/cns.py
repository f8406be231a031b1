# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Native Storage (CNS) of a vCenter, on pyVmomi's vim.cns types: the volumes CNS knows (every volume, paged by
the query's cursor, or a set of volume ids in one query, never one request per id), and the registration of an
existing First Class Disk as a static CNS block volume (CnsCreateVolume with the disk as backing), as the vSphere CSI
driver's syncer does for a static CSI PersistentVolume.

CNS answers on the vsan service endpoint (/vsanHealth, as govmomi's cns client reaches it) in the vCenter session.
"""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import CONNECTION_ERRORS, VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tasks import TaskFailed, wait_for_task
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

try:
    from pyVmomi import SoapStubAdapter, vim
except ImportError:
    pass

PATH = "/vsanHealth"
PAGE = 500
VERSION = "vsan.version.version12"   # the vsan API of vSphere 7.0 (urn:vsan/7.0): CnsQueryVolume and its cursor
MANAGER = "cns-volume-manager"


def _stub(client, path):
    """A SOAP stub in the vsan namespace and version on `path`, with the vCenter session's cookie."""
    params = client.params
    stub = SoapStubAdapter(host=params["hostname"], port=params["port"], path=path, version=VERSION,
                           sslContext=side_channel_context(params),
                           httpConnectionTimeout=params.get("timeout") or None)
    stub.cookie = client.session_cookie
    return stub


def volume_manager(client):
    """The CNS volume manager on the vsan endpoint, with the vCenter session's cookie."""
    return vim.cns.VolumeManager(MANAGER, _stub(client, PATH))


def volume_facts(v):
    """{id, name, datastore_url, capacity_bytes, path, type, created} of a vim.cns.Volume."""
    details = getattr(v, "backingObjectDetails", None)
    mb = getattr(details, "capacityInMb", None)
    created = getattr(v, "createTime", None)
    return dict(id=v.volumeId.id if v.volumeId else None, name=v.name, datastore_url=v.datastoreUrl,
                capacity_bytes=int(mb) * 1024 * 1024 if mb is not None else None,
                path=getattr(details, "backingDiskPath", None), type=v.volumeType,
                created=created.strftime("%Y-%m-%d") if created else None)


def _link_broke(e):
    """A connection that broke or fell silent (not a 404 of a vCenter without CNS): passed on untouched, so the module
    base says the link broke during the call and to run the task again."""
    text = str(getattr(e, "msg", None) or e)
    return isinstance(e, CONNECTION_ERRORS) and "404" not in text and "Not Found" not in text


def _no_cns(what, e):
    text = str(getattr(e, "msg", None) or e)
    if "404" in text or "Not Found" in text:
        return VsphereError("%s: this vCenter has no Cloud Native Storage service (HTTP 404 on %s); CNS needs "
                            "vSphere 6.7 U3 or newer." % (what, PATH))
    return VsphereError("%s failed: %s" % (what, text or type(e).__name__))


class Cns:
    """The CNS volume manager of a vCenter, in the session of a VsphereClient."""

    def __init__(self, client, manager=None):
        self.client = client
        self._manager = manager

    @property
    def manager(self):
        if self._manager is None:
            self._manager = volume_manager(self.client)
        return self._manager

    def query(self, volume_ids=None, page=PAGE):
        """[volume facts] of the volumes CNS knows: every volume, or those among volume_ids (one query for them all),
        in pages of `page` until the cursor reaches totalRecords. Raises VsphereError when CNS cannot be read."""
        ids = sorted({i for i in volume_ids or () if i}) if volume_ids is not None else None
        if ids is not None and not ids:
            return []
        what = "Querying CNS volumes" + (" %s" % ", ".join(ids) if ids else "")
        out, seen, offset = [], set(), 0
        while True:
            flt = vim.cns.QueryFilter(cursor=vim.cns.Cursor(offset=offset, limit=page))
            if ids is not None:
                flt.volumeIds = [vim.cns.VolumeId(id=i) for i in ids]
            try:
                result = self.manager.Query(filter=flt)
            except Exception as e:  # pylint: disable=broad-except
                # 404 (no vsan service), a SOAP fault (NotFound, NotSupported, ...), a broken link or answer
                if _link_broke(e):
                    raise
                raise _no_cns(what, e) from e
            volumes = list(result.volumes or [])
            for v in volumes:
                facts = volume_facts(v)
                if facts["id"] and facts["id"] not in seen:
                    seen.add(facts["id"])
                    out.append(facts)
            cursor = result.cursor
            nxt = cursor.offset if cursor is not None else None
            total = cursor.totalRecords if cursor is not None else None
            # a server that does not paginate answers no total (or no progress): that page was everything
            if not volumes or total is None or nxt is None or nxt <= offset or nxt >= total:
                return out
            offset = nxt

    def registered(self, fcd_ids):
        """The ids among fcd_ids that CNS knows as volumes (one CnsQueryVolume for them all)."""
        ids = {i for i in fcd_ids if i}
        return {v["id"] for v in self.query(ids)} & ids if ids else set()

    def register_static(self, name, fcd_id, cluster_id, timeout=300):
        """CnsCreateVolume of an existing First Class Disk (its id as backing disk): no new disk. A disk CNS knows
        already (AlreadyRegistered) is a success."""
        what = "Registering First Class Disk %s in CNS (volume %s)" % (fcd_id, name)
        spec = vim.cns.VolumeCreateSpec(
            name=name, volumeType="BLOCK",
            metadata=vim.cns.VolumeMetadata(
                containerCluster=vim.cns.ContainerCluster(
                    clusterType="KUBERNETES", clusterId=cluster_id, vSphereUser=self.client.params["username"],
                    clusterFlavor="VANILLA"),
                entityMetadata=[vim.cns.KubernetesEntityMetadata(
                    entityName=name, delete=False, entityType="PERSISTENT_VOLUME", namespace="")]),
            backingObjectDetails=vim.cns.BlockBackingDetails(backingDiskId=fcd_id))
        try:
            task = self.manager.Create([spec])
        except Exception as e:  # pylint: disable=broad-except
            if _link_broke(e):
                raise
            raise _no_cns(what, e) from e
        started = getattr(self.client, "in_flight", None)
        if started is not None:
            started[task._moId] = "CnsCreateVolume"
        try:
            # info.result (a vim.cns.VolumeOperationBatchResult) is not read: it is of the vsan API, which pyVmomi
            # reads in a vim25 session as its vim25 base type. The volume's outcome is read back from CNS instead.
            wait_for_task(self.client, task, timeout=timeout, label="CnsCreateVolume %s" % fcd_id, result=False)
        except TaskFailed as e:
            raise VsphereError("%s failed: %s" % (what, e)) from e
        if fcd_id not in self.registered([fcd_id]):
            raise VsphereError("%s failed: the task ended, but CNS does not list the disk as a volume (vCenter's "
                               "events of the task say why). Nothing in Kubernetes was changed; run again once the "
                               "disk can be registered." % what)


def query_volumes(client, page=PAGE, manager=None):
    """[volume facts] of every CNS volume, or None when the vCenter has no CNS (the endpoint is missing or answers a
    fault): for readers to whom a vCenter without CNS is no error."""
    try:
        return Cns(client, manager).query(page=page)
    except Exception:  # pylint: disable=broad-except
        return None
