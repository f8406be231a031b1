# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RetrievePropertiesEx for scalar properties (strings, numbers, booleans, references), parsed with the C XML
parser of the standard library instead of pyvmomi's per-element Python handlers.

On 5,000 VMs this reads names, UUIDs and host names in a fraction of pyvmomi's time. Same session, same
connection pool, same request; only the response parsing differs. Complex values are refused (ValueError) so a
caller never gets half-parsed data.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError

try:
    from pyVmomi.VmomiSupport import GetWsdlType
except ImportError:
    pass

NS = {"v": "urn:vim25", "s": "http://schemas.xmlsoap.org/soap/envelope/"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
INTS = {"xsd:int", "xsd:long", "xsd:short", "xsd:byte"}


class FaultError(VsphereError):
    """vCenter answered the retrieval with a fault."""


def _post(stub, body):
    headers = {"Cookie": stub.cookie, "SOAPAction": stub.versionId, "Content-Type": "text/xml; charset=UTF-8",
               "Accept-Encoding": "gzip"}
    conn = stub.GetConnection()
    try:
        conn.request("POST", stub.path, (ENVELOPE % body).encode("utf-8"), headers)
        resp = conn.getresponse()
        data = resp.read()
    except Exception:
        conn.close()
        stub.DropConnections()
        raise
    stub.ReturnConnection(conn)
    if resp.getheader("Content-Encoding", "").lower() == "gzip":
        data = gzip.decompress(data)
    root = ET.fromstring(data)
    fault = root.find(".//s:Fault", NS)
    if fault is not None:
        raise FaultError("vCenter refused a property retrieval: %s" % (fault.findtext("faultstring") or "SOAP fault"))
    if resp.status != 200:
        raise FaultError("HTTP %s" % resp.status)
    return root


_V = "{urn:vim25}"
_TYPES = {}


def _ref(stub, type_name, moid):
    cls = _TYPES.get(type_name)
    if cls is None:
        cls = _TYPES[type_name] = GetWsdlType("urn:vim25", type_name)
    return cls(moid, stub)


def _value(stub, val):
    if val is None:
        return None
    xsi = val.get(XSI_TYPE, "")
    if xsi == "ManagedObjectReference":
        return _ref(stub, val.get("type"), val.text)
    if xsi == "xsd:boolean":
        return val.text == "true"
    if xsi in INTS:
        return int(val.text)
    if xsi == "ArrayOfManagedObjectReference":
        return [_ref(stub, c.get("type"), c.text) for c in val]
    if xsi in ("xsd:string", ""):
        return val.text or ""
    raise ValueError("property of type %s is not scalar" % xsi)


def _objects(stub, returnval):
    out = []
    objects, obj_tag, prop_tag, name_tag, val_tag = _V + "objects", _V + "obj", _V + "propSet", _V + "name", _V + "val"
    for oc in returnval:
        if oc.tag != objects:
            continue
        ref, props = None, {}
        for child in oc:
            if child.tag == obj_tag:
                ref = _ref(stub, child.get("type"), child.text)
            elif child.tag == prop_tag:
                name = val = None
                for part in child:
                    if part.tag == name_tag:
                        name = part.text
                    elif part.tag == val_tag:
                        val = part
                props[name] = _value(stub, val)
        out.append((ref, props))
    return out


def retrieve_scalar(client, view, props, page_size):
    """Every object of the container view, props: {type name: [paths]}. Returns [(moref, {path: value})]."""
    if hasattr(client, "ensure_session"):
        client.ensure_session()  # a resumed session is checked before this raw request, which cannot renew it
    stub = client.si._stub
    pc = client.property_collector._moId
    prop_sets = "".join("<propSet><type>%s</type><all>false</all>%s</propSet>" % (
        t, "".join("<pathSet>%s</pathSet>" % escape(p) for p in paths)) for t, paths in props.items())
    body = ('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this><specSet>%s'
            '<objectSet><obj type="ContainerView">%s</obj><skip>true</skip><selectSet xsi:type="TraversalSpec">'
            '<name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>'
            '</objectSet></specSet><options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>'
            % (escape(pc), prop_sets, escape(view._moId), page_size))
    out = []
    while True:
        rv = _post(stub, body).find(".//v:returnval", NS)
        if rv is None:
            return out
        out.extend(_objects(stub, rv))
        token = rv.findtext("v:token", namespaces=NS)
        if not token:
            return out
        body = ('<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this>'
                '<token>%s</token></ContinueRetrievePropertiesEx>' % (escape(pc), escape(token)))
