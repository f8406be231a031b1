# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud configs found in a cluster, read as the providers read them (pure: text in, dict out).

- CPI: ConfigMap kube-system/vsphere-cloud-config key vsphere.conf, YAML tried first, then INI (as the CPI does).
- CSI: Secret vmware-system-csi/vsphere-config-secret key csi-vsphere.conf, INI.
Each is reduced to {format, vcenters: [{server, port, user, password, datacenters, secret_name, secret_namespace}],
labels: {zone, region}, nodes: {option: value}, ip_family}.
"""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import GcfgError, parse
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import NODES_KEYS

try:
    import yaml
except ImportError:  # the module reports it when a YAML config is met
    yaml = None


class CloudConfError(ValueError):
    pass


def _csv(value):
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _yaml_doc(text):
    if yaml is None:
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if isinstance(doc, dict) and ({"global", "vcenter"} & set(doc)):
        return doc
    return None


def parse_cpi(text):
    """The CPI config (YAML or INI)."""
    doc = _yaml_doc(text)
    if doc is not None:
        glob = doc.get("global") or {}
        vcs = []
        for name, vc in (doc.get("vcenter") or {}).items():
            vc = vc or {}
            vcs.append(dict(server=vc.get("server") or name, port=vc.get("port") or glob.get("port") or 443,
                            user=vc.get("user") or glob.get("user"), password=vc.get("password") or glob.get("password"),
                            datacenters=_csv(vc.get("datacenters") or glob.get("datacenters")),
                            secret_name=vc.get("secretName") or glob.get("secretName"),
                            secret_namespace=vc.get("secretNamespace") or glob.get("secretNamespace")))
        labels = doc.get("labels") or {}
        nodes = doc.get("nodes") or {}
        opts = {snake: nodes.get(camel) for snake, camel in NODES_KEYS if nodes.get(camel)}
        ip_family = _csv(glob.get("ipFamily"))
        return dict(format="cpi_yaml", vcenters=vcs, labels=dict(zone=labels.get("zone"), region=labels.get("region")),
                    nodes=opts, ip_family=ip_family or ["ipv4"])
    return _from_ini(text, "cpi_ini")


def parse_csi(text):
    return _from_ini(text, "csi")


def _from_ini(text, fmt):
    try:
        data = parse(text)
    except GcfgError as e:
        raise CloudConfError(str(e))
    glob = data.get(("Global", None), {})
    vcs = []
    for (section, sub), values in data.items():
        if section != "VirtualCenter":
            continue
        vcs.append(dict(server=sub, port=values.get("port") or glob.get("port") or 443,
                        user=values.get("user") or glob.get("user"),
                        password=values.get("password") or glob.get("password"),
                        datacenters=_csv(values.get("datacenters") or glob.get("datacenters")),
                        secret_name=values.get("secret-name") or glob.get("secret-name"),
                        secret_namespace=values.get("secret-namespace") or glob.get("secret-namespace")))
    if not vcs:
        raise CloudConfError("no [VirtualCenter \"<server>\"] section")
    labels = data.get(("Labels", None), {})
    nodes = data.get(("Nodes", None), {})
    opts = {snake: _csv(nodes.get(snake.replace("_", "-"))) if "cidr" in snake else nodes.get(snake.replace("_", "-"))
            for snake, _camel in NODES_KEYS if nodes.get(snake.replace("_", "-"))}
    return dict(format=fmt, vcenters=vcs, labels=dict(zone=labels.get("zone"), region=labels.get("region"),
                                                      topology_categories=_csv(labels.get("topology-categories"))),
                nodes=opts, ip_family=_csv(glob.get("ip-family")) or ["ipv4"])


def credential_keys(server):
    """The Secret keys the CPI reads a server's credentials from."""
    if ":" in server:
        return None  # IPv6: server_<id> / username_<id> / password_<id>, any id
    return ("%s.username" % server, "%s.password" % server)
