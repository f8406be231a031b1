# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read every CNS volume of a vCenter: CnsQueryVolume on the CNS volume manager of the vsan service endpoint
(/vsanHealth, as govmomi's cns client reaches it), with the vCenter session, one paginated query.

The request and its answer are plain SOAP read here with the standard library: pyVmomi would need the xsi:type
of every polymorphic field (the filter, the backing details), which some servers leave out; the fields read are
few and flat. A vCenter without CNS (a SOAP fault, no such endpoint) answers None: no finding.
"""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

PATH = "/vsanHealth"
PAGE = 500
SOAP_ACTION = "urn:vsan/7.0"   # the vsan API of vSphere 7.0 (pyVmomi's vsan.version.version12): CnsQueryVolume and its cursor
BODY = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><CnsQueryVolume '
        'xmlns="urn:vsan"><_this type="CnsVolumeManager">cns-volume-manager</_this><filter xsi:type="CnsQueryFilter">'
        '<cursor><offset>%d</offset><limit>%d</limit></cursor></filter></CnsQueryVolume></soapenv:Body>'
        '</soapenv:Envelope>')


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _child(el, *names):
    for name in names:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el, *names):
    found = _child(el, *names)
    return found.text if found is not None else None


def parse_page(xml_text):
    """(volumes, next offset or None, total or None) of one CnsQueryVolume answer; volumes as
    {id, name, datastore_url, capacity_bytes, path, type, created}."""
    root = ET.fromstring(xml_text)
    ret = next((e for e in root.iter() if _local(e.tag) == "returnval"), None)
    if ret is None:
        raise ValueError("no returnval")
    volumes = []
    for v in ret:
        if _local(v.tag) != "volumes":
            continue
        mb = _text(v, "backingObjectDetails", "capacityInMb")
        volumes.append(dict(
            id=_text(v, "volumeId", "id"), name=_text(v, "name"), datastore_url=_text(v, "datastoreUrl"),
            capacity_bytes=int(mb) * 1024 * 1024 if mb and mb.isdigit() else None,
            path=_text(v, "backingObjectDetails", "backingDiskPath"), type=_text(v, "volumeType"),
            created=(_text(v, "createTime") or "")[:10] or None))
    cursor = _child(ret, "cursor")
    offset, total = _text(cursor, "offset"), _text(cursor, "totalRecords")
    return (volumes, int(offset) if offset and offset.isdigit() else None,
            int(total) if total and total.isdigit() else None)


def query_volumes(client, page=PAGE):
    """[volume] of every CNS volume (pages of `page` until the cursor reaches totalRecords), or None when the
    vCenter has no CNS (the endpoint is missing or answers a fault)."""
    params = client.params
    cookie = client.si._stub.cookie
    conn = http.client.HTTPSConnection(params["hostname"], params["port"], context=side_channel_context(params),
                                       timeout=params.get("timeout") or None)
    out, seen, offset = [], set(), 0
    try:
        while True:
            conn.request("POST", PATH, BODY % (offset, page), {
                "Cookie": cookie, "Content-Type": "text/xml; charset=utf-8", "SOAPAction": SOAP_ACTION})
            resp = conn.getresponse()
            text = resp.read()
            if resp.status != 200:
                return None   # 404: no vsan service; 500: a SOAP fault (NotFound, NotSupported, ...)
            try:
                volumes, nxt, total = parse_page(text)
            except (ET.ParseError, ValueError):
                return None
            for v in volumes:
                if v["id"] and v["id"] not in seen:
                    seen.add(v["id"])
                    out.append(v)
            # a server that does not paginate answers no total (or no progress): that page was everything
            if not volumes or total is None or nxt is None or nxt <= offset or nxt >= total:
                return out
            offset = nxt
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
