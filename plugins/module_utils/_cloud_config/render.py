# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vsphere.conf (in-tree, INI), the out-of-tree provider's vsphere.conf (INI or YAML) and csi-vsphere.conf from
one structured input. Pure logic: shared by the cloud_config module and filter."""

from __future__ import annotations

import json
import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import render

FORMATS = ("in_tree", "cpi_ini", "cpi_yaml", "csi")
MASK = "********"
NODES_KEYS = (("internal_network_subnet_cidr", "internalNetworkSubnetCidr"),
              ("external_network_subnet_cidr", "externalNetworkSubnetCidr"),
              ("internal_vm_network_name", "internalVmNetworkName"),
              ("external_vm_network_name", "externalVmNetworkName"),
              ("exclude_internal_network_subnet_cidr", "excludeInternalNetworkSubnetCidr"),
              ("exclude_external_network_subnet_cidr", "excludeExternalNetworkSubnetCidr"))


DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


class ConfigError(ValueError):
    """A config that cannot be rendered; the message never holds a password."""


def name_problem(value, what, kind="subdomain"):
    """Why value is not a valid Kubernetes name (subdomain: Secret or ConfigMap name; label: namespace; key: a
    data key), or None."""
    if not isinstance(value, str) or not value:
        return "%s is empty" % what
    if kind == "key":
        if len(value) > 253 or not DATA_KEY.match(value) or value in (".", ".."):
            return ("%s %r is not a valid data key (letters, digits, '-', '_' and '.', at most 253 characters)"
                    % (what, value[:80]))
        return None
    limit, pattern = (63, DNS_LABEL) if kind == "label" else (253, DNS_SUBDOMAIN)
    if len(value) > limit or not pattern.match(value):
        return ("%s %r is not a valid Kubernetes %s (lower case letters, digits and '-'%s, at most %d characters)"
                % (what, value[:80], "namespace" if kind == "label" else "name",
                   "" if kind == "label" else " and '.'", limit))
    return None


def _port_problem(value, what):
    if value is not None and not (isinstance(value, int) and 0 < value < 65536):
        return "%s must be a port number from 1 to 65535" % what
    return None


def _csv(value):
    if value is None:
        return None
    return ",".join(value) if isinstance(value, (list, tuple)) else str(value)


def _flag(value):
    return None if value is None else ("1" if value else "0")


def inline_credentials(cfg, fmt):
    """Whether the rendered file holds passwords (the CSI file always does)."""
    return fmt == "csi" or (cfg.get("credentials") or "inline") == "inline"


def check(cfg, fmt):
    if fmt not in FORMATS:
        raise ConfigError("format must be one of %s, not %s." % (", ".join(FORMATS), fmt))
    vcs = cfg.get("vcenters") or []
    if not vcs:
        raise ConfigError("config.vcenters needs at least one vCenter.")
    servers = set()
    problems = [_port_problem(cfg.get("port"), "config.port")]
    for i, vc in enumerate(vcs):
        server = vc.get("server")
        if not server or not str(server).strip():
            raise ConfigError("config.vcenters[%d] needs server." % i)
        if str(server) != str(server).strip() or re.search(r"[\s/\\\x00-\x1f\x7f]", str(server)):
            raise ConfigError("config.vcenters[%d].server %r is not a host name or address (no spaces, slashes or "
                              "line breaks)." % (i, str(server)[:80]))
        if server in servers:
            raise ConfigError("config.vcenters[%d]: vCenter %s is given twice." % (i, server))
        servers.add(server)
        problems.append(_port_problem(vc.get("port"), "config.vcenters[%d].port" % i))
        if inline_credentials(cfg, fmt) and not (vc.get("user") and vc.get("password") is not None):
            raise ConfigError("vCenter %s needs user and password (credentials: inline%s)." % (
                vc["server"], ", and the CSI driver always reads them from its file" if fmt == "csi" else ""))
        if vc.get("user") is not None and re.search(r"[\x00-\x1f\x7f]", str(vc["user"])):
            raise ConfigError("config.vcenters[%d].user holds a line break or control character." % i)
    problems = [x for x in problems if x]
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    if (cfg.get("credentials") or "inline") == "secret" and fmt in ("in_tree", "cpi_ini", "cpi_yaml"):
        if not cfg.get("secret_name") or not cfg.get("secret_namespace"):
            raise ConfigError("credentials: secret needs secret_name and secret_namespace.")
        problem = name_problem(cfg["secret_name"], "config.secret_name") or \
            name_problem(cfg["secret_namespace"], "config.secret_namespace", "label")
        if problem:
            raise ConfigError(problem + ".")
    ws = cfg.get("workspace") or {}
    if fmt == "in_tree" and any(v not in (None, "") for v in ws.values()) and \
            not (ws.get("server") and ws.get("datacenter")):
        raise ConfigError("config.workspace needs server and datacenter.")
    if fmt == "csi" and cfg.get("cluster_id") and len(cfg["cluster_id"]) > 64:
        raise ConfigError("cluster_id has %d characters; the CSI driver takes at most 64." % len(cfg["cluster_id"]))


def _global(cfg, fmt):
    secret = (cfg.get("credentials") or "inline") == "secret"
    items = [("port", cfg.get("port")), ("insecure-flag", _flag(cfg.get("insecure"))),
             ("ca-file", cfg.get("ca_file")), ("thumbprint", cfg.get("thumbprint"))]
    if fmt == "csi":
        return [("cluster-id", cfg.get("cluster_id"))] + items
    items += [("soap-roundtrip-count", cfg.get("soap_roundtrip_count")),
              ("secret-name", cfg.get("secret_name") if secret else None),
              ("secret-namespace", cfg.get("secret_namespace") if secret else None)]
    if fmt == "cpi_ini":
        items.append(("ip-family", _csv(cfg.get("ip_family"))))
    return items


def _vcenter(cfg, vc, fmt, mask):
    inline = inline_credentials(cfg, fmt)
    items = [("user", vc.get("user") if inline else None),
             ("password", (MASK if mask else vc.get("password")) if inline else None),
             ("port", vc.get("port")), ("datacenters", _csv(vc.get("datacenters"))),
             ("thumbprint", vc.get("thumbprint")), ("ca-file", vc.get("ca_file")),
             ("insecure-flag", _flag(vc.get("insecure")))]
    if fmt == "csi":
        items.append(("migration-datastore-url", (cfg.get("csi") or {}).get("migration_datastore_url")))
    else:
        items.append(("soap-roundtrip-count", vc.get("soap_roundtrip_count")))
    return items


def render_ini(cfg, fmt, mask=False):
    sections = [("Global", None, _global(cfg, fmt))]
    for vc in cfg["vcenters"]:
        sections.append(("VirtualCenter", vc["server"], _vcenter(cfg, vc, fmt, mask)))
    labels = cfg.get("labels") or {}
    if fmt == "csi":
        cats = (cfg.get("csi") or {}).get("topology_categories") or \
            [c for c in (labels.get("region"), labels.get("zone")) if c]
        sections.append(("Labels", None, [("topology-categories", _csv(cats))]))
        return render(sections)
    if fmt == "in_tree":
        ws = cfg.get("workspace") or {}
        sections.append(("Workspace", None, [
            ("server", ws.get("server")), ("datacenter", ws.get("datacenter")), ("folder", ws.get("folder")),
            ("default-datastore", ws.get("default_datastore")), ("resourcepool-path", ws.get("resourcepool_path"))]))
        sections.append(("Disk", None, [("scsicontrollertype", (cfg.get("disk") or {}).get("scsicontrollertype"))]))
        sections.append(("Network", None, [("public-network", (cfg.get("network") or {}).get("public_network"))]))
    sections.append(("Labels", None, [("zone", labels.get("zone")), ("region", labels.get("region"))]))
    if fmt == "cpi_ini":
        nodes = cfg.get("nodes") or {}
        sections.append(("Nodes", None, [(k.replace("_", "-"), _csv(nodes.get(k))) for k, _camel in NODES_KEYS]))
    return render(sections)


def render_yaml(cfg, mask=False):
    """The out-of-tree provider's YAML form: camelCase keys (INI spellings do not work there). JSON is YAML."""
    secret = (cfg.get("credentials") or "inline") == "secret"
    glob = {"port": cfg.get("port"), "insecureFlag": cfg.get("insecure"), "caFile": cfg.get("ca_file"),
            "thumbprint": cfg.get("thumbprint"), "ipFamily": cfg.get("ip_family"),
            "secretName": cfg.get("secret_name") if secret else None,
            "secretNamespace": cfg.get("secret_namespace") if secret else None}
    vcenter = {}
    for vc in cfg["vcenters"]:
        vcenter[vc["server"]] = {
            "server": vc["server"], "port": vc.get("port"), "datacenters": vc.get("datacenters"),
            "user": None if secret else vc.get("user"),
            "password": None if secret else (MASK if mask else vc.get("password")),
            "thumbprint": vc.get("thumbprint"), "caFile": vc.get("ca_file"), "insecureFlag": vc.get("insecure")}
    labels = cfg.get("labels") or {}
    nodes = dict((k, _csv(v)) for k, v in (cfg.get("nodes") or {}).items())
    doc = {"global": glob, "vcenter": vcenter, "labels": {"zone": labels.get("zone"), "region": labels.get("region")},
           "nodes": {camel: nodes.get(key) for key, camel in NODES_KEYS}}
    return json.dumps(_prune(doc), indent=2, sort_keys=True) + "\n"


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items() if v is not None and v != [] and v != ""}
        return {k: v for k, v in out.items() if v != {}}
    return value


def render_config(cfg, fmt, mask=False):
    check(cfg, fmt)
    return render_yaml(cfg, mask) if fmt == "cpi_yaml" else render_ini(cfg, fmt, mask)


def credentials_secret_data(cfg):
    """The '<server>.username' / '<server>.password' keys the providers read from their credentials Secret."""
    data = {}
    for vc in cfg["vcenters"]:
        if vc.get("user"):
            data["%s.username" % vc["server"]] = vc["user"]
        if vc.get("password") is not None:
            data["%s.password" % vc["server"]] = vc["password"]
    return data
