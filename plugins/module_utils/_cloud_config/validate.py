# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cloud config checked against its vCenters: the credentials log in, the named objects exist."""

from __future__ import annotations

import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    VsphereClient,
    VsphereError,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import InventoryTree

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass

# The connection helper speaks of the vSphere modules' options; validate logs in with the config's keys.
HINTS = [
    (r"with ca_bundle \(or VMWARE_CA_BUNDLE\), or, on a lab only, set validate_certs: false",
     "with ca_file in the vCenter's config (or config.ca_file), or, on a lab only, set insecure: true"),
    (r"ca_bundle", "ca_file"),
    (r"VMWARE_CA_BUNDLE", "ca_file"),
    (r"validate_certs: false", "insecure: true"),
    (r"validate_certs", "insecure"),
    (r"check username and password", "check the vCenter's user and password in config"),
    (r"Check hostname, port, proxy and firewall", "Check the vCenter's server and port in config, and the firewall"),
    (r"Check hostname, port, proxy and that vCenter is up",
     "Check the vCenter's server and port in config, and that vCenter is up"),
    (r"Check hostname", "Check the vCenter's server in config"),
    (r"\bhostname\b", "server"),
    (r"\busername\b", "user"),
    (r"\bVMWARE_[A-Z_]+", "the vCenter's config"),
]


def config_hint(message):
    """A connection message with its hints naming this module's config keys, not the vSphere modules' options."""
    for pattern, repl in HINTS:
        message = re.sub(pattern, repl, message)
    return message


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
            problems.append("validate: %s" % config_hint(str(e)))
            continue
        except Exception as e:  # pylint: disable=broad-except
            problems.append("validate: cannot log in to vCenter %s: %s." % (vc["server"], type(e).__name__))
            continue
        try:
            tree = InventoryTree(client).fetch()
            checked.append(vc["server"])
            for dc in vc.get("datacenters") or []:
                try:
                    tree.datacenter(dc)
                except VsphereError:
                    problems.append("vCenter %s has no datacenter %s." % (vc["server"], dc))
            if fmt == "in_tree" and ws.get("server") == vc["server"]:
                problems.extend(_workspace(tree, ws, vc["server"]))
        except VsphereError as e:
            problems.append("vCenter %s: %s" % (vc["server"], e))
        except vmodl.MethodFault as e:
            problems.append("vCenter %s: reading the inventory failed: %s: %s" % (
                vc["server"], type(e).__name__.split(".")[-1], getattr(e, "msg", None) or ""))
        except (OSError, ValueError) as e:
            problems.append("vCenter %s: the connection broke while reading the inventory: %s" % (vc["server"], e))
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
