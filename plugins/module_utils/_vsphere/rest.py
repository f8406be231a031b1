# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere Automation REST API (tags), with the same connection options and TLS rules as SOAP."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

TAGGING = "/rest/com/vmware/cis/tagging"


class RestSession:
    def __init__(self, params):
        self.base = "https://%s:%s" % (params["hostname"], params["port"])
        ctx = side_channel_context(params)
        handlers = [urllib.request.HTTPSHandler(context=ctx)]
        if params.get("proxy_host"):
            proxy = "http://%s:%s" % (params["proxy_host"], params.get("proxy_port") or 80)
            handlers.append(urllib.request.ProxyHandler({"https": proxy}))
        self.opener = urllib.request.build_opener(*handlers)
        self.timeout = params.get("timeout") or 120
        basic = base64.b64encode(("%s:%s" % (params["username"], params["password"])).encode()).decode()
        self.token = None
        self.token = self.call("POST", "/rest/com/vmware/cis/session", headers={"Authorization": "Basic " + basic})

    def call(self, method, path, body=None, headers=None):
        hdrs = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            hdrs["vmware-api-session-id"] = self.token
        hdrs.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=hdrs, method=method)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            detail = e.read()[:300].decode("utf-8", "replace")
            raise VsphereError("vSphere REST %s %s failed: HTTP %s %s" % (method, path.split("?")[0], e.code, detail))
        except (urllib.error.URLError, OSError) as e:
            raise VsphereError("vSphere REST %s %s failed: %s" % (method, path.split("?")[0], e))
        if not raw:
            return None
        try:
            doc = json.loads(raw)
        except ValueError:
            raise VsphereError("vSphere REST %s %s answered something that is not JSON: %r"
                               % (method, path.split("?")[0], raw[:100]))
        return doc.get("value") if isinstance(doc, dict) else doc

    def close(self):
        if self.token:
            try:
                self.call("DELETE", "/rest/com/vmware/cis/session")
            except VsphereError:
                pass
            self.token = None

    # -- tags --------------------------------------------------------------------------------------
    def attached_tags(self, objs):
        """{moid: [(category name, tag name)]} for many objects: one call for the associations, then one per
        distinct tag and category seen (a handful: zones and regions, not the inventory)."""
        attached = self.attached_tag_ids(objs)
        tag_ids = sorted({t for ids in attached.values() for t in ids})
        tags, categories = {}, {}
        for tid in tag_ids:
            tag = self.call("GET", TAGGING + "/tag/id:" + tid)
            tags[tid] = tag
            cid = tag.get("category_id")
            if cid and cid not in categories:
                categories[cid] = self.call("GET", TAGGING + "/category/id:" + cid)
        return {moid: [(categories.get(tags[t].get("category_id"), {}).get("name"), tags[t].get("name"))
                       for t in sorted(ids)] for moid, ids in attached.items()}

    # -- tag administration ------------------------------------------------------------------------
    def categories(self):
        """{name: category} of every tag category."""
        out = {}
        for cid in self.call("GET", TAGGING + "/category") or []:
            cat = self.call("GET", TAGGING + "/category/id:" + cid)
            out[cat["name"]] = cat
        return out

    def tags_in(self, category_id):
        """{name: tag} of a category's tags."""
        out = {}
        ids = self.call("POST", TAGGING + "/tag/id:%s?~action=list-tags-for-category" % category_id,
                        {"category_id": category_id}) or []
        for tid in ids:
            tag = self.call("GET", TAGGING + "/tag/id:" + tid)
            out[tag["name"]] = tag
        return out

    def create_category(self, name, cardinality, types):
        spec = {"create_spec": {"name": name, "description": "", "cardinality": cardinality,
                                "associable_types": list(types)}}
        return self.call("POST", TAGGING + "/category", spec)

    def create_tag(self, name, category_id):
        return self.call("POST", TAGGING + "/tag", {"create_spec": {"name": name, "description": "",
                                                                    "category_id": category_id}})

    def attach(self, tag_id, obj):
        self.call("POST", TAGGING + "/tag-association/id:%s?~action=attach" % tag_id,
                  {"object_id": {"id": obj._moId, "type": type(obj).__name__.split(".")[-1]}})

    def attached_tag_ids(self, objs):
        """{moid: set(tag ids)} in one call."""
        if not objs:
            return {}
        body = {"object_ids": [{"type": type(o).__name__.split(".")[-1], "id": o._moId} for o in objs]}
        rows = self.call("POST", TAGGING + "/tag-association?~action=list-attached-tags-on-objects", body) or []
        return {r["object_id"]["id"]: set(r.get("tag_ids") or []) for r in rows}
