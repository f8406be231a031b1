# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cloud config checked against its vCenters: the credentials log in, the named objects exist."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    VsphereClient,
    VsphereError,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree

try:
    from pyVmomi import vim
except ImportError:
    pass


def _params(cfg, vc):
    insecure = vc.get("insecure") if vc.get("insecure") is not None else cfg.get("insecure")
    return dict(hostname=vc["server"], port=vc.get("port") or cfg.get("port") or 443, username=vc.get("user"),
                password=vc.get("password"), validate_certs=not insecure,
                ca_bundle=vc.get("ca_file") or cfg.get("ca_file"), timeout=60, proxy_host=None, proxy_port=None)


def validate_config(cfg, fmt):
    """Returns (problems, vCenters checked). Every missing object is named; nothing stops at the first."""
    problems, checked = [], []
    ws = cfg.get("workspace") or {}
    for vc in cfg.get("vcenters") or []:
        if not vc.get("user") or vc.get("password") is None:
            problems.append("vCenter %s: validate needs its user and password in config." % vc["server"])
            continue
        try:
            client = VsphereClient(_params(cfg, vc))
        except VsphereError as e:
            problems.append(str(e))
            continue
        try:
            tree = InventoryTree(client)
            checked.append(vc["server"])
            for dc in vc.get("datacenters") or []:
                try:
                    tree.datacenter(dc)
                except VsphereError:
                    problems.append("vCenter %s has no datacenter %s." % (vc["server"], dc))
            if fmt == "in_tree" and ws.get("server") == vc["server"]:
                problems.extend(_workspace(tree, ws, vc["server"]))
        finally:
            client.close()
    return problems, checked


def _workspace(tree, ws, server):
    try:
        dc = tree.datacenter(ws.get("datacenter"))
    except VsphereError:
        return ["vCenter %s has no datacenter %s (workspace)." % (server, ws.get("datacenter"))]
    problems = []
    checks = [("default_datastore", "default datastore", lambda v: tree.datastore(v, dc)),
              ("folder", "VM folder", lambda v: tree.folder(v, dc, "vm")),
              ("resourcepool_path", "resource pool", lambda v: tree.match(vim.ResourcePool, v, dc, "resource pool"))]
    for key, what, find in checks:
        if ws.get(key):
            try:
                find(ws[key])
            except VsphereError as e:
                problems.append("workspace %s %s: %s" % (what, ws[key], e))
    return problems
