# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vsphere.conf (in-tree, INI), the out-of-tree provider's vsphere.conf (INI or YAML) and csi-vsphere.conf from
one structured input. Pure logic: shared by the cloud_config module and filter."""

from __future__ import annotations

import json
import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import render
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import (
    CSI_GLOBAL_INTS,
    CSI_SNAPSHOT_KEYS,
    LB_CLASS_KEYS,
    LB_KEYS,
    LB_SIZES,
    NSXT_KEYS,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import MASK

FORMATS = ("in_tree", "cpi_ini", "cpi_yaml", "csi")
CPI_FORMATS = ("cpi_ini", "cpi_yaml")
# The out-of-tree provider's sections for its Load Balancer and Routes interfaces, through NSX-T.
NSXT_SECTIONS = ("load_balancer", "load_balancer_classes", "nsxt", "route")
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


# The CSI driver's user name check (pkg/common/config/config.go isValidvCenterUsernameWithDomain, v3.7.0).
CSI_USER = re.compile(r"^(?:[a-zA-Z0-9.-]+\\[a-zA-Z0-9._-]+|[a-zA-Z0-9._-]+@[a-zA-Z0-9.-]+)$")
# The label domains the CSI driver accepts in [TopologyCategory] (validateConfig).
CSI_TOPOLOGY_DOMAINS = ("failure-domain.beta.kubernetes.io", "topology.kubernetes.io", "topology.csi.vmware.com")
CSI_MAX_VCENTERS = 5
CSI_MAX_TOPOLOGY_CATEGORIES = 5
# The out-of-tree provider's credential Secret keys for a server that cannot be a key prefix (an IPv6 address):
# server_<id>, username_<id>, password_<id> (pkg/common/credentialmanager/credentialmanager.go parseConfig).
NOT_KEY = re.compile(r"[^-._a-zA-Z0-9]")


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
    """Whether the rendered file holds passwords (the CSI file always does; an NSX-T password or VMC access token
    written inline does too)."""
    nsxt = cfg.get("nsxt") or {}
    nsxt_inline = fmt in CPI_FORMATS and (nsxt.get("credentials") or "inline") == "inline" and \
        any(nsxt.get(k) not in (None, "") for k in ("password", "vmc_access_token"))
    return fmt == "csi" or (cfg.get("credentials") or "inline") == "inline" or nsxt_inline


def _resolved(cfg, vc, key):
    """A vCenter's own value, else the config's (how the providers fall back to [Global])."""
    return vc.get(key) if vc.get(key) not in (None, "") else cfg.get(key)


def _list_problems(values, what):
    """The providers split list keys on commas: an item holding one would be read as several."""
    return ["%s %r holds a comma; the providers split this list on commas, so it would be read as several names"
            % (what, v[:80]) for v in values or [] if "," in v]


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
        if str(server) != str(server).strip() or re.search(r"[\s/\\\x00-\x1f\x7f\"]", str(server)):
            raise ConfigError("config.vcenters[%d].server %r is not a host name or address (no spaces, slashes, quotes "
                              "or line breaks)." % (i, str(server)[:80]))
        if server in servers:
            raise ConfigError("config.vcenters[%d]: vCenter %s is given twice." % (i, server))
        servers.add(server)
        problems.append(_port_problem(vc.get("port"), "config.vcenters[%d].port" % i))
        if inline_credentials(cfg, fmt) and not (vc.get("user") and vc.get("password") not in (None, "")):
            raise ConfigError("vCenter %s needs user and password (credentials: inline%s)." % (
                vc["server"], ", and the CSI driver always reads them from its file" if fmt == "csi" else ""))
        if vc.get("user") is not None and re.search(r"[\x00-\x1f\x7f]", str(vc["user"])):
            raise ConfigError("config.vcenters[%d].user holds a line break or control character." % i)
        problems.extend(_list_problems(vc.get("datacenters"), "config.vcenters[%d].datacenters item" % i))
        if fmt == "csi":
            problems.extend(_list_problems(vc.get("target_vsan_file_share_clusters"),
                                           "config.vcenters[%d].target_vsan_file_share_clusters item" % i))
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
        if fmt == "in_tree":
            ipv6 = [vc["server"] for vc in vcs if ":" in vc["server"]]
            if ipv6:
                raise ConfigError(
                    "vCenter %s: the in-tree provider reads credentials from Secret keys '<server>.username' and "
                    "'<server>.password' only, and Kubernetes refuses a key holding ':' (an IPv6 address); use "
                    "credentials: inline, or name the vCenter by a host name." % ipv6[0])
    if fmt == "in_tree":
        _check_in_tree(cfg, vcs)
    if fmt == "csi":
        _check_csi(cfg, vcs)
    _check_nsxt_sections(cfg, fmt)


def _given(value):
    return value not in (None, "", [], {})


def _check_nsxt_sections(cfg, fmt):
    """The out-of-tree provider reads each of these sections from the same vsphere.conf with its own reader
    (pkg/cloudprovider/vsphere/cloud.go init: ReadNsxtConfig, ReadLBConfig, ReadRouteConfig, each YAML first then
    INI) and, when a reader refuses its section, starts without that interface and only logs it: every rule of those
    readers is checked here, before writing."""
    given = [k for k in NSXT_SECTIONS if _given(cfg.get(k))]
    if not given:
        return
    if fmt not in CPI_FORMATS:
        raise ConfigError("config.%s: only the out-of-tree provider (cpi_ini, cpi_yaml) has a Load Balancer and "
                          "Routes through NSX-T; the %s file has no such section." % (given[0], fmt))
    nsxt = cfg.get("nsxt") or {}
    users = [k for k in given if k != "nsxt"]
    if users and not _given(nsxt):
        raise ConfigError("config.%s needs config.nsxt: the provider reaches NSX-T with it, and without it has no "
                          "connection for its load balancers and routes." % users[0])
    if _given(nsxt):
        _check_nsxt(nsxt)
    if _given(cfg.get("load_balancer")) or _given(cfg.get("load_balancer_classes")):
        _check_load_balancer(cfg.get("load_balancer") or {}, cfg.get("load_balancer_classes") or [])
    route = cfg.get("route")
    if route is not None and not (route.get("router_path") or "").strip():
        # pkg/cloudprovider/vsphere/route/config validateConfig: "router path is required".
        raise ConfigError("config.route needs router_path (the tier-1 router's policy path, such as "
                          "/infra/tier-1s/k8s): the provider refuses a route section without it.")


def _check_nsxt(nsxt):
    """pkg/nsxt/config validateConfig (v1.36.0): a VMC access token needs its auth host, else a user its password,
    else a client key file its cert file and the reverse, else a Secret's name its namespace and the reverse; one of
    them must be set; and the host. Here a Secret is chosen explicitly (credentials: secret), so that the file and
    the Secret never both hold credentials the provider would pick between."""
    host = nsxt.get("host")
    if not host or not str(host).strip():
        raise ConfigError("config.nsxt needs host, the NSX-T manager's host name or address (the provider: "
                          "'host is empty').")
    if re.search(r"[\s/\\\x00-\x1f\x7f\"]", str(host)):
        raise ConfigError("config.nsxt.host %r is not a host name or address (with an optional :port): the provider "
                          "connects to https://<host>, so no scheme, path, spaces or quotes." % str(host)[:80])
    secret = (nsxt.get("credentials") or "inline") == "secret"
    for key in ("user", "vmc_auth_host", "client_auth_cert_file", "client_auth_key_file", "ca_file"):
        if nsxt.get(key) is not None and re.search(r"[\x00-\x1f\x7f]", str(nsxt[key])):
            raise ConfigError("config.nsxt.%s holds a line break or control character." % key)
    if (nsxt.get("client_auth_cert_file") in (None, "")) != (nsxt.get("client_auth_key_file") in (None, "")):
        raise ConfigError("config.nsxt needs client_auth_cert_file and client_auth_key_file together (the provider: "
                          "'client key file is required if client cert file is provided' and the reverse).")
    if nsxt.get("vmc_access_token") not in (None, "") and not nsxt.get("vmc_auth_host"):
        raise ConfigError("config.nsxt.vmc_access_token needs vmc_auth_host (the provider: 'vmc auth host must be "
                          "provided if auth token is provided').")
    if secret:
        if not nsxt.get("secret_name") or not nsxt.get("secret_namespace"):
            raise ConfigError("config.nsxt credentials: secret needs secret_name and secret_namespace (the Secret "
                              "with keys username and password).")
        problem = name_problem(nsxt["secret_name"], "config.nsxt.secret_name") or \
            name_problem(nsxt["secret_namespace"], "config.nsxt.secret_namespace", "label")
        if problem:
            raise ConfigError(problem + ".")
        if nsxt.get("vmc_access_token") not in (None, ""):
            raise ConfigError("config.nsxt credentials: secret takes the user and password from the Secret "
                              "(keys username and password) only; a vmc_access_token is written only with "
                              "credentials: inline.")
        return
    for key in ("secret_name", "secret_namespace"):
        if nsxt.get(key):
            raise ConfigError("config.nsxt.%s is written only with config.nsxt.credentials: secret (with inline "
                              "credentials the provider would take the file's and the Secret's in turn)." % key)
    has_user, has_pw = nsxt.get("user") not in (None, ""), nsxt.get("password") not in (None, "")
    if has_pw and not has_user:
        raise ConfigError("config.nsxt.password needs user.")
    if nsxt.get("vmc_access_token") in (None, "") and has_user and not has_pw:
        raise ConfigError("config.nsxt.user needs password (the provider: 'password is empty').")
    if not (has_user or nsxt.get("vmc_access_token") not in (None, "") or nsxt.get("client_auth_cert_file")):
        raise ConfigError("config.nsxt needs credentials: user and password, vmc_access_token and vmc_auth_host, "
                          "client_auth_cert_file and client_auth_key_file, or credentials: secret with "
                          "secret_name and secret_namespace (the provider: 'user or vmc access token or client cert "
                          "file must be set').")


def _check_load_balancer(lb, classes):
    """pkg/cloudprovider/vsphere/loadbalancer/config validateConfig after CompleteAndValidate (v1.36.0), and what
    the load balancer provider then does with the classes (class.go)."""
    names = [c.get("name") for c in classes]
    for i, name in enumerate(names):
        if not name or not str(name).strip():
            raise ConfigError("config.load_balancer_classes[%d] needs name." % i)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError("config.load_balancer_classes names %s twice." % ", ".join(twice))
    if not lb.get("lb_service_id") and not lb.get("tier1_gateway_path"):
        raise ConfigError("config.load_balancer needs lb_service_id or tier1_gateway_path (the provider: 'either load "
                          "balancer service id or T1 gateway path required').")
    for proto in ("tcp", "udp"):
        if not lb.get("%s_app_profile_name" % proto) and not lb.get("%s_app_profile_path" % proto):
            raise ConfigError("config.load_balancer needs %s_app_profile_name or %s_app_profile_path (the provider: "
                              "'either load balancer %s application profile name or path required')."
                              % (proto, proto, proto.upper()))
    if lb.get("size") not in LB_SIZES:
        raise ConfigError("config.load_balancer needs size, one of %s (the provider: 'load balancer size is "
                          "invalid')." % ", ".join(LB_SIZES))
    if lb.get("ip_pool_name") and lb.get("ip_pool_id"):
        raise ConfigError("config.load_balancer takes ip_pool_name or ip_pool_id, not both (the provider: 'either "
                          "load balancer ipPoolName or ipPoolID can be set').")
    by_name = dict((c["name"], c) for c in classes)
    if not lb.get("ip_pool_name") and not lb.get("ip_pool_id"):
        default = by_name.get("default")
        if default is None:
            raise ConfigError("config.load_balancer has no ip_pool_name or ip_pool_id, so the provider needs a "
                              "load_balancer_classes item named default with one ('no default load balancer class "
                              "defined').")
        if not default.get("ip_pool_name") and not default.get("ip_pool_id"):
            raise ConfigError("config.load_balancer_classes default needs ip_pool_name or ip_pool_id, as "
                              "config.load_balancer has none ('default load balancer class: ipPoolName and "
                              "ipPoolID is empty').")
    for c in classes:
        if c.get("ip_pool_name") and c.get("ip_pool_id"):
            raise ConfigError("config.load_balancer_classes %s takes ip_pool_name or ip_pool_id, not both: the "
                              "provider uses the id and ignores the name." % c["name"])
        if c.get("ip_pool_name") and not c.get("ip_pool_id") and lb.get("ip_pool_id"):
            # CompleteAndValidate fills the class's empty ipPoolId from loadBalancer's, and the id wins (class.go).
            raise ConfigError("config.load_balancer_classes %s: its ip_pool_name would be ignored, as the provider "
                              "gives the class config.load_balancer.ip_pool_id, and the id wins; give the class its "
                              "ip_pool_id instead." % c["name"])
        if not (c.get("ip_pool_name") or c.get("ip_pool_id") or lb.get("ip_pool_name") or lb.get("ip_pool_id") or
                (by_name.get("default") or {}).get("ip_pool_name") or (by_name.get("default") or {}).get("ip_pool_id")):
            raise ConfigError("config.load_balancer_classes %s needs ip_pool_name or ip_pool_id." % c["name"])
    tags = lb.get("tags") or {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ConfigError("config.load_balancer.tags: the provider reads tags as text to text (a JSON object of "
                              "strings); %r is not." % ("%s: %r" % (key, value))[:80])


def _check_in_tree(cfg, vcs):
    """The in-tree provider (legacy-cloud-providers v0.29.15 vsphere/vsphere.go) has no insecure-flag or ca-file
    under [VirtualCenter]: it uses [Global]'s for every vCenter (populateVsphereInstanceMap), and refuses the whole
    file on a key it does not know (gcfg.ReadInto). With [VirtualCenter] sections it needs a complete
    [Workspace]: server, datacenter and folder."""
    for key, what in (("insecure", "insecure"), ("ca_file", "ca_file")):
        values = {_resolved(cfg, vc, key) for vc in vcs}
        if len(values) > 1:
            raise ConfigError(
                "config.vcenters: the in-tree provider has one %s for all vCenters ([Global] %s), but the vCenters "
                "here differ in it; give the same %s to every vCenter (or only config.%s)."
                % (what, "insecure-flag" if key == "insecure" else "ca-file", what, key))
    ws = cfg.get("workspace") or {}
    missing = [k for k in ("server", "datacenter", "folder") if not ws.get(k)]
    if missing:
        raise ConfigError("config.workspace needs %s: the in-tree provider refuses a vsphere.conf whose [Workspace] "
                          "lacks server, datacenter or folder (the VM folder of the node VMs)." % ", ".join(missing))
    if ws["server"] not in [vc["server"] for vc in vcs]:
        raise ConfigError("config.workspace.server %s is none of config.vcenters (%s)."
                          % (ws["server"], ", ".join(vc["server"] for vc in vcs)))


def _csi_categories(cfg):
    """The [Labels] topology-categories: csi.topology_categories, else the region and zone tag categories."""
    labels = cfg.get("labels") or {}
    return (cfg.get("csi") or {}).get("topology_categories") or \
        [c for c in (labels.get("region"), labels.get("zone")) if c]


def _check_csi(cfg, vcs):
    """The CSI driver's own checks (pkg/common/config/config.go validateConfig, v3.7.0), made before writing."""
    csi = cfg.get("csi") or {}
    labels = cfg.get("labels") or {}
    if len(vcs) > CSI_MAX_VCENTERS:
        raise ConfigError("config.vcenters has %d vCenters; the CSI driver takes at most %d."
                          % (len(vcs), CSI_MAX_VCENTERS))
    for key, value in (("cluster_id", cfg.get("cluster_id")), ("csi.supervisor_id", csi.get("supervisor_id"))):
        if value and len(value) > 64:
            raise ConfigError("%s has %d characters; the CSI driver takes at most 64." % (key, len(value)))
    for vc in vcs:
        if not CSI_USER.match(vc.get("user") or ""):
            raise ConfigError(
                "vCenter %s: the CSI driver takes the user only as user@domain or DOMAIN\\user, with letters, digits, "
                "'.', '-' (and '_' in the user part); %r is not." % (vc["server"], str(vc.get("user"))[:80]))
    if csi.get("topology_categories") and (labels.get("zone") or labels.get("region")):
        raise ConfigError("give either config.labels zone/region (written as the CSI driver's topology-categories) or "
                          "csi.topology_categories, not both: the CSI driver refuses zone and region with "
                          "topology-categories.")
    cats = _csi_categories(cfg)
    if len(vcs) > 1 and not cats:
        raise ConfigError("the CSI driver needs topology categories with several vCenters: give config.labels "
                          "zone/region or csi.topology_categories.")
    problems = _list_problems(cats, "topology category")
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    if len(cats) > CSI_MAX_TOPOLOGY_CATEGORIES:
        raise ConfigError("%d topology categories; the CSI driver takes at most %d."
                          % (len(cats), CSI_MAX_TOPOLOGY_CATEGORIES))
    for t in csi.get("topology_category_labels") or []:
        if t["label"].split("/")[0] not in CSI_TOPOLOGY_DOMAINS:
            raise ConfigError("csi.topology_category_labels %s: the CSI driver takes only labels of %s, not %r."
                              % (t["category"], ", ".join(CSI_TOPOLOGY_DOMAINS), t["label"][:80]))
    for option, items, key in (("csi.topology_category_labels", csi.get("topology_category_labels"), "category"),
                               ("csi.net_permissions", csi.get("net_permissions"), "name")):
        seen = [x[key] for x in items or []]
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise ConfigError("%s names %s twice." % (option, ", ".join(twice)))
    for key, _ini in CSI_GLOBAL_INTS:
        if csi.get(key) is not None and csi[key] < 1:
            raise ConfigError("csi.%s must be at least 1 (leave it out for the driver's default)." % key)
    for key, _ini in CSI_SNAPSHOT_KEYS:
        value = (csi.get("snapshot") or {}).get(key)
        if value is not None and value < 1:
            raise ConfigError("csi.snapshot.%s must be at least 1 (leave it out for the driver's default)." % key)


def _insecure(cfg, vcs):
    """[Global] insecure-flag and each vCenter's: the providers OR the two, so a vCenter's false under a global
    true would still be insecure. [Global] is true only when every vCenter is insecure; each vCenter carries its
    own value, so each means what was written for it."""
    each = [_resolved(cfg, vc, "insecure") for vc in vcs]
    if all(v is None for v in each):
        return None, each
    return all(each), [None if v is None else bool(v) for v in each]


def _global(cfg, fmt, glob_insecure):
    secret = (cfg.get("credentials") or "inline") == "secret"
    vcs = cfg["vcenters"]
    ca_file, thumbprint = cfg.get("ca_file"), cfg.get("thumbprint")
    if fmt == "csi" and len(vcs) == 1:
        # With one vCenter the driver takes ca-file and thumbprint from [Global] only
        # (pkg/common/cns-lib/vsphere/utils.go GetVirtualCenterConfig).
        ca_file, thumbprint = _resolved(cfg, vcs[0], "ca_file"), _resolved(cfg, vcs[0], "thumbprint")
    items = [("port", cfg.get("port")), ("insecure-flag", _flag(glob_insecure)), ("ca-file", ca_file),
             ("thumbprint", thumbprint)]
    if fmt == "in_tree":
        # One ca-file for all vCenters (checked equal); thumbprints are per vCenter.
        items = [("port", cfg.get("port")), ("insecure-flag", _flag(glob_insecure)),
                 ("ca-file", _resolved(cfg, vcs[0], "ca_file"))]
    if fmt == "csi":
        csi = cfg.get("csi") or {}
        items = [("cluster-id", cfg.get("cluster_id")), ("supervisor-id", csi.get("supervisor_id")),
                 ("cluster-distribution", csi.get("cluster_distribution"))] + items
        return items + [(key, csi.get(option)) for option, key in CSI_GLOBAL_INTS]
    items += [("soap-roundtrip-count", cfg.get("soap_roundtrip_count")),
              ("secret-name", cfg.get("secret_name") if secret else None),
              ("secret-namespace", cfg.get("secret_namespace") if secret else None)]
    if fmt == "cpi_ini":
        items += [("secrets-directory", cfg.get("secrets_directory")), ("api-disable", _flag(cfg.get("api_disable"))),
                  ("api-binding", cfg.get("api_binding")), ("ip-family", _csv(cfg.get("ip_family")))]
    return items


def _vcenter(cfg, vc, fmt, mask, insecure):
    inline = inline_credentials(cfg, fmt)
    items = [("user", vc.get("user") if inline else None),
             ("password", (MASK if mask else vc.get("password")) if inline else None),
             ("port", vc.get("port")), ("datacenters", _csv(vc.get("datacenters"))),
             # Each vCenter's own thumbprint, else [Global]'s: the in-tree provider does not fall back to [Global].
             ("thumbprint", _resolved(cfg, vc, "thumbprint"))]
    if fmt == "in_tree":
        return items + [("soap-roundtrip-count", vc.get("soap_roundtrip_count"))]
    items += [("ca-file", _resolved(cfg, vc, "ca_file")), ("insecure-flag", _flag(insecure))]
    if fmt == "csi":
        return items + [("targetvSANFileShareClusters", _csv(vc.get("target_vsan_file_share_clusters"))),
                        ("migration-datastore-url", vc.get("migration_datastore_url") or
                         (cfg.get("csi") or {}).get("migration_datastore_url"))]
    return items + [("soap-roundtrip-count", vc.get("soap_roundtrip_count")), ("ip-family", _csv(vc.get("ip_family")))]


def render_ini(cfg, fmt, mask=False):
    glob_insecure, each_insecure = _insecure(cfg, cfg["vcenters"])
    sections = [("Global", None, _global(cfg, fmt, glob_insecure))]
    for vc, insecure in zip(cfg["vcenters"], each_insecure):
        sections.append(("VirtualCenter", vc["server"], _vcenter(cfg, vc, fmt, mask, insecure)))
    labels = cfg.get("labels") or {}
    if fmt == "csi":
        csi = cfg.get("csi") or {}
        for perm in csi.get("net_permissions") or []:
            sections.append(("NetPermissions", perm["name"], [
                ("ips", perm.get("ips")), ("permissions", perm.get("permissions")),
                ("rootsquash", None if perm.get("rootsquash") is None else bool(perm["rootsquash"]))]))
        sections.append(("Labels", None, [("topology-categories", _csv(_csi_categories(cfg)))]))
        for cat in csi.get("topology_category_labels") or []:
            sections.append(("TopologyCategory", cat["category"], [("label", cat["label"])]))
        snapshot = csi.get("snapshot") or {}
        sections.append(("Snapshot", None, [(key, snapshot.get(option)) for option, key in CSI_SNAPSHOT_KEYS]))
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
        sections.extend(_nsxt_sections_ini(cfg, mask))
    return render(sections)


def _nsxt_items(cfg, mask):
    """(option, value) of config.nsxt as written: with credentials: secret, the Secret's name and namespace and no
    user or password; inline, no Secret. Secrets masked on request."""
    nsxt = cfg.get("nsxt") or {}
    secret = (nsxt.get("credentials") or "inline") == "secret"
    out = []
    for option, ini, yaml_key in NSXT_KEYS:
        value = nsxt.get(option)
        if option in ("user", "password", "vmc_access_token") and secret:
            value = None
        if option in ("secret_name", "secret_namespace") and not secret:
            value = None
        if option in ("password", "vmc_access_token") and mask and value not in (None, ""):
            value = MASK
        out.append((option, ini, yaml_key, value))
    return out


def _tags(lb):
    tags = lb.get("tags")
    return json.dumps(tags, sort_keys=True, ensure_ascii=False, separators=(",", ":")) if tags else None


def _nsxt_sections_ini(cfg, mask):
    """[LoadBalancer], [LoadBalancerClass "name"], [NSXT] and [Route] (the gcfg tags of the provider's
    LBConfigINI, NsxtConfigINI and RouteConfigINI; tags as the JSON object LoadBalancerConfigINI.RawTags holds)."""
    lb = cfg.get("load_balancer") or {}
    sections = [("LoadBalancer", None, [(ini, lb.get(o)) for o, ini, _y in LB_KEYS + LB_CLASS_KEYS] +
                 [("tags", _tags(lb))])]
    for c in cfg.get("load_balancer_classes") or []:
        sections.append(("LoadBalancerClass", c["name"], [(ini, c.get(o)) for o, ini, _y in LB_CLASS_KEYS]))
    if _given(cfg.get("nsxt")):
        sections.append(("NSXT", None, [(ini, v) for _o, ini, _y, v in _nsxt_items(cfg, mask)]))
    if cfg.get("route"):
        sections.append(("Route", None, [("router-path", cfg["route"].get("router_path"))]))
    return sections


def _nsxt_sections_yaml(cfg, mask):
    """loadBalancer, loadBalancerClass, nsxt and route (the yaml tags of LBConfigYAML, NsxtConfigYAML and
    RouteConfigYAML). A class with no key of its own stays (as {}): it takes everything from loadBalancer."""
    lb = cfg.get("load_balancer") or {}
    doc = {"loadBalancer": dict([(y, lb.get(o)) for o, _i, y in LB_KEYS + LB_CLASS_KEYS] +
                                [("tags", lb.get("tags") or None)])}
    if _given(cfg.get("nsxt")):
        doc["nsxt"] = dict((y, v) for _o, _i, y, v in _nsxt_items(cfg, mask))
    if cfg.get("route"):
        doc["route"] = {"routerPath": cfg["route"].get("router_path")}
    doc = _prune(doc)
    classes = cfg.get("load_balancer_classes") or []
    if classes:
        doc["loadBalancerClass"] = dict((c["name"], _prune(dict((y, c.get(o)) for o, _i, y in LB_CLASS_KEYS)))
                                        for c in classes)
    return doc


def render_yaml(cfg, mask=False):
    """The out-of-tree provider's YAML form: camelCase keys (INI spellings do not work there). JSON is YAML, but
    its escapes are not all YAML's: see yaml_text."""
    secret = (cfg.get("credentials") or "inline") == "secret"
    glob_insecure, each_insecure = _insecure(cfg, cfg["vcenters"])
    glob = {"port": cfg.get("port"), "insecureFlag": glob_insecure, "caFile": cfg.get("ca_file"),
            "thumbprint": cfg.get("thumbprint"), "ipFamily": cfg.get("ip_family"),
            "soapRoundtripCount": cfg.get("soap_roundtrip_count"), "secretsDirectory": cfg.get("secrets_directory"),
            "apiDisable": cfg.get("api_disable"), "apiBinding": cfg.get("api_binding"),
            "secretName": cfg.get("secret_name") if secret else None,
            "secretNamespace": cfg.get("secret_namespace") if secret else None}
    vcenter = {}
    for vc, insecure in zip(cfg["vcenters"], each_insecure):
        vcenter[vc["server"]] = {
            "server": vc["server"], "port": vc.get("port"), "datacenters": vc.get("datacenters"),
            "user": None if secret else vc.get("user"),
            "password": None if secret else (MASK if mask else vc.get("password")),
            "thumbprint": _resolved(cfg, vc, "thumbprint"), "caFile": _resolved(cfg, vc, "ca_file"),
            "insecureFlag": insecure, "soapRoundtripCount": vc.get("soap_roundtrip_count"),
            "ipFamily": vc.get("ip_family")}
    labels = cfg.get("labels") or {}
    nodes = dict((k, _csv(v)) for k, v in (cfg.get("nodes") or {}).items())
    doc = {"global": glob, "vcenter": vcenter, "labels": {"zone": labels.get("zone"), "region": labels.get("region")},
           "nodes": {camel: nodes.get(key) for key, camel in NODES_KEYS}}
    doc = _prune(doc)
    doc.update(_nsxt_sections_yaml(cfg, mask))
    return yaml_text(doc)


def _yaml_printable(c):
    o = ord(c)
    return o in (0x9, 0xA, 0xD, 0x85) or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or \
        o >= 0x10000


def yaml_text(doc):
    """JSON text that YAML readers take as they read JSON: characters as they are (JSON's ASCII escapes write an
    emoji as a surrogate pair, \\ud83d\\ude00, which YAML readers refuse), only YAML's non-printable characters
    escaped (\\uXXXX, the same in both)."""
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    return "".join(c if _yaml_printable(c) else "\\u%04x" % ord(c) for c in text) + "\n"


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items() if v is not None and v != [] and v != ""}
        return {k: v for k, v in out.items() if v != {}}
    return value


def render_config(cfg, fmt, mask=False):
    check(cfg, fmt)
    return render_yaml(cfg, mask) if fmt == "cpi_yaml" else render_ini(cfg, fmt, mask)


def credential_key_id(server):
    """The <id> of server_<id>/username_<id>/password_<id>: the server with every character a Secret key cannot
    hold as '-'."""
    return NOT_KEY.sub("-", server)


def credentials_secret_data(cfg, fmt=None):
    """The keys the providers read from their credentials Secret: '<server>.username' / '<server>.password', and for
    a server with ':' (IPv6, which no Secret key can hold) the out-of-tree provider's other form, 'server_<id>',
    'username_<id>', 'password_<id>' (the in-tree provider has none: refused)."""
    data = {}
    for vc in cfg["vcenters"]:
        server = vc["server"]
        if NOT_KEY.search(server):
            if fmt == "in_tree":
                raise ConfigError("vCenter %s: the in-tree provider reads credentials Secret keys '<server>.username' "
                                  "only, and no Secret key can hold ':'; use credentials: inline." % server)
            ident = credential_key_id(server)
            data["server_%s" % ident] = server
            if vc.get("user"):
                data["username_%s" % ident] = vc["user"]
            if vc.get("password") is not None:
                data["password_%s" % ident] = vc["password"]
            continue
        if vc.get("user"):
            data["%s.username" % server] = vc["user"]
        if vc.get("password") is not None:
            data["%s.password" % server] = vc["password"]
    return data
