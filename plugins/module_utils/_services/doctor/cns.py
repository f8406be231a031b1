# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read every CNS volume of a vCenter: CnsQueryVolume on the CNS volume manager of the vsan service endpoint
(/vsanHealth, as govmomi's cns client reaches it) with pyVmomi's vim.cns types and the vCenter session, one paginated
query. A vCenter without CNS (a SOAP fault, no such endpoint) answers None: no finding.
"""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

try:
    from pyVmomi import SoapStubAdapter, vim
except ImportError:
    pass

PATH = "/vsanHealth"
PAGE = 500
VERSION = "vsan.version.version12"   # the vsan API of vSphere 7.0 (urn:vsan/7.0): CnsQueryVolume and its cursor
MANAGER = "cns-volume-manager"


def volume_manager(client):
    """The CNS volume manager on the vsan endpoint, with the vCenter session's cookie."""
    params = client.params
    stub = SoapStubAdapter(host=params["hostname"], port=params["port"], path=PATH, version=VERSION,
                           sslContext=side_channel_context(params),
                           httpConnectionTimeout=params.get("timeout") or None)
    stub.cookie = client.si._stub.cookie
    return vim.cns.VolumeManager(MANAGER, stub)


def volume_facts(v):
    """{id, name, datastore_url, capacity_bytes, path, type, created} of a vim.cns.Volume."""
    details = getattr(v, "backingObjectDetails", None)
    mb = getattr(details, "capacityInMb", None)
    created = getattr(v, "createTime", None)
    return dict(id=v.volumeId.id if v.volumeId else None, name=v.name, datastore_url=v.datastoreUrl,
                capacity_bytes=int(mb) * 1024 * 1024 if mb is not None else None,
                path=getattr(details, "backingDiskPath", None), type=v.volumeType,
                created=created.strftime("%Y-%m-%d") if created else None)


def query_volumes(client, page=PAGE, manager=None):
    """[volume facts] of every CNS volume (pages of `page` until the cursor reaches totalRecords), or None when the
    vCenter has no CNS (the endpoint is missing or answers a fault)."""
    out, seen, offset = [], set(), 0
    try:
        mgr = manager or volume_manager(client)
        while True:
            result = mgr.Query(filter=vim.cns.QueryFilter(cursor=vim.cns.Cursor(offset=offset, limit=page)))
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
    except Exception:  # pylint: disable=broad-except
        # 404 (no vsan service), a SOAP fault (NotFound, NotSupported, ...), a broken link or answer: no CNS here
        return None
