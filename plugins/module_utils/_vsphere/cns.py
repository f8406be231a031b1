# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Native Storage (CNS) volumes of First Class Disks: which are registered, and the registration of an existing
First Class Disk as a static CNS block volume (CnsCreateVolume with the disk as backing), as the vSphere CSI
driver's syncer does for a static CSI PersistentVolume.

CNS answers on the vsan service endpoint (/vsanHealth) in the vCenter session. Plain SOAP read with the standard
library: pyVmomi reads neither the CNS results nor a TaskInfo whose entity is the CnsVolumeManager.
"""

from __future__ import annotations

import http.client
import re
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

PATH = "/vsanHealth"
SOAP_ACTION = "urn:vsan/7.0"
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>%s</soapenv:Body>'
            '</soapenv:Envelope>')
QUERY = ('<CnsQueryVolume xmlns="urn:vsan"><_this type="CnsVolumeManager">cns-volume-manager</_this>'
         '<filter xsi:type="CnsQueryFilter">%s</filter></CnsQueryVolume>')
CREATE = ('<CnsCreateVolume xmlns="urn:vsan"><_this type="CnsVolumeManager">cns-volume-manager</_this><createSpecs>'
          '<name>{name}</name><volumeType>BLOCK</volumeType><metadata><containerCluster><clusterType>KUBERNETES'
          '</clusterType><clusterId>{cluster}</clusterId><vSphereUser>{user}</vSphereUser><clusterFlavor>VANILLA'
          '</clusterFlavor></containerCluster><entityMetadata xsi:type="CnsKubernetesEntityMetadata"><entityName>'
          '{name}</entityName><delete>false</delete><entityType>PERSISTENT_VOLUME</entityType><namespace></namespace>'
          '</entityMetadata></metadata><backingObjectDetails xsi:type="CnsBlockBackingDetails"><backingDiskId>{fcd}'
          '</backingDiskId></backingObjectDetails></createSpecs></CnsCreateVolume>')
TASK = ('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this><specSet><propSet>'
        '<type>Task</type><pathSet>info.state</pathSet><pathSet>info.error</pathSet><pathSet>info.result</pathSet>'
        '</propSet><objectSet><obj type="Task">%s</obj></objectSet></specSet><options></options>'
        '</RetrievePropertiesEx>')


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _fault_text(el):
    """The fault's type and message of a <fault> or <error> element."""
    kind = None
    msg = None
    for e in el.iter():
        name = _local(e.tag)
        if name in ("fault", "error") and kind is None:
            for k, v in e.attrib.items():
                if _local(k) == "type":
                    kind = v
        if name in ("localizedMessage", "msg", "faultMessage") and e.text and not msg:
            msg = e.text
    return kind or "fault", msg or ""


class Cns:
    """The CNS volume manager of a vCenter, in the session of a VsphereClient."""

    def __init__(self, client):
        self.client = client
        self.params = client.params

    def _post(self, path, body, action):
        conn = http.client.HTTPSConnection(self.params["hostname"], self.params["port"],
                                           context=side_channel_context(self.params),
                                           timeout=self.params.get("timeout") or 120)
        try:
            conn.request("POST", path, (ENVELOPE % body).encode("utf-8"), {
                "Cookie": self.client.session_cookie, "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": action})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def _call(self, body, what):
        status, data = self._post(PATH, body, SOAP_ACTION)
        if status == 404:
            raise VsphereError("%s: this vCenter has no Cloud Native Storage service (HTTP 404 on %s); CNS needs "
                               "vSphere 6.7 U3 or newer." % (what, PATH))
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            raise VsphereError("%s: vCenter answered HTTP %s with something that is not SOAP." % (what, status))
        fault = next((e for e in root.iter() if _local(e.tag) == "Fault"), None)
        if fault is not None or status != 200:
            text = next((e.text for e in root.iter() if _local(e.tag) == "faultstring"), None)
            raise VsphereError("%s failed: %s" % (what, text or "HTTP %s" % status))
        return root

    def registered(self, fcd_ids):
        """The ids among fcd_ids that CNS knows as volumes (one CnsQueryVolume)."""
        ids = [i for i in fcd_ids if i]
        if not ids:
            return set()
        root = self._call(QUERY % "".join("<volumeIds><id>%s</id></volumeIds>" % escape(i) for i in ids),
                          "Querying CNS volumes %s" % ", ".join(ids))
        found = set()
        for vol in root.iter():
            if _local(vol.tag) != "volumes":
                continue
            for vid in vol:
                if _local(vid.tag) == "volumeId":
                    for e in vid:
                        if _local(e.tag) == "id" and e.text:
                            found.add(e.text)
        return found & set(ids)

    def register_static(self, name, fcd_id, cluster_id, timeout=300):
        """CnsCreateVolume of an existing First Class Disk (its id as backing disk): no new disk. A disk CNS knows
        already (AlreadyRegistered) is a success."""
        what = "Registering First Class Disk %s in CNS (volume %s)" % (fcd_id, name)
        root = self._call(CREATE.format(name=escape(name), cluster=escape(cluster_id),
                                        user=escape(self.params["username"]), fcd=escape(fcd_id)), what)
        ret = next((e for e in root.iter() if _local(e.tag) == "returnval"), None)
        if ret is None or not (ret.text or "").strip():
            raise VsphereError("%s: vCenter answered no task." % what)
        self.client.changes.append("CnsCreateVolume %s" % fcd_id)
        state, info = self._wait(ret.text.strip(), what, timeout)
        if state == "error":
            kind, msg = _fault_text(info)
            raise VsphereError("%s failed: %s %s" % (what, kind, msg))
        result = [e for e in info.iter() if _local(e.tag) == "fault"]
        for f in result:
            kind, msg = _fault_text(f)
            if "AlreadyRegistered" not in kind:
                raise VsphereError("%s failed: %s %s" % (what, kind, msg))

    def _wait(self, task, what, timeout):
        pc = self.client.content.propertyCollector._moId
        deadline = time.monotonic() + timeout
        poll = 0.05
        while True:
            status, data = self._post("/sdk", TASK % (escape(pc), escape(task)), "urn:vim25/8.0.3.0")
            text = data.decode("utf-8", "replace")
            m = re.search(r"<name>info\.state</name><val[^>]*>(\w+)<", text)
            if status == 200 and m and m.group(1) in ("success", "error"):
                return m.group(1), ET.fromstring(data)
            if time.monotonic() > deadline:
                raise VsphereError("%s: the task %s did not end within %ss; it may still run on vCenter. Run again: "
                                   "a registered volume is found and kept." % (what, task, timeout))
            time.sleep(poll)
            poll = min(poll * 2, 1.0)
