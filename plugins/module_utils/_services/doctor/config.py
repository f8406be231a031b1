# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 5, config vs vCenter: the CPI and CSI configs in the cluster parse, name existing datacenters, hold
credentials that log in, the credential Secret has the keys of the config's servers, and the configured user holds
the privileges the mode needs on each object (its effective privileges, not only a role's existence)."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.cloudconf import (
    credential_keys,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj

# What each component needs, per kind of object (VMware's documentation for the CPI and the CSI driver).
PRIVILEGES = {
    "cpi": {"Datacenter": ["System.Read"]},
    "csi": {"Folder": ["Cns.Searchable", "StorageProfile.View"],
            "VirtualMachine": ["VirtualMachine.Config.AddExistingDisk", "VirtualMachine.Config.AddRemoveDevice"],
            "Datastore": ["Datastore.FileManagement"]},
}
NAMES = {"cpi": "cloud provider (CPI)", "csi": "CSI driver"}


def required_privileges(kind, entity_kind):
    return PRIVILEGES.get(kind, {}).get(entity_kind, [])


def check(snap):
    out = []
    for conf in snap.configs:
        o = dict(conf["object"])
        what = NAMES[conf["kind"]]
        if conf.get("error"):
            out.append(Finding(
                "config.parse_error", "error", o,
                "The %s config in %s %s (key %s) cannot be read: %s." % (what, o["kind"], o["name"], conf["key"],
                                                                         conf["error"]),
                "The %s does not start (or starts with defaults) on a config it cannot parse." % what,
                "Render the config again (cloud_config module); quote values with \\, \", ; or # in them."))
            continue
        for vc in conf["parsed"]["vcenters"]:
            server = vc["server"]
            for dc in vc.get("datacenters") or []:
                if vc.get("checked") and dc not in snap.datacenters:
                    out.append(Finding(
                        "config.unknown_datacenter", "error", dict(o, vcenter=server),
                        "The %s config (%s %s) names datacenter %s on vCenter %s, which has none of that name (it has "
                        "%s)." % (what, o["kind"], o["name"], dc, server, ", ".join(sorted(snap.datacenters)) or "none"),
                        "The provider cannot find node VMs or datastores in a datacenter that does not exist.",
                        "Fix datacenters in the config."))
            secret = vc.get("secret_name")
            if secret:
                ns = vc.get("secret_namespace") or "kube-system"
                so = obj("Secret", "%s/%s" % (ns, secret), vcenter=server)
                keys = credential_keys(server)
                if not vc.get("secret_exists"):
                    out.append(Finding(
                        "config.secret_missing", "error", so,
                        "The %s config takes its credentials from Secret %s/%s, which does not exist." % (what, ns, secret),
                        "The provider cannot log in to vCenter %s." % server,
                        "Create the Secret with keys %s (cloud_config with credentials: secret)." % (
                            " and ".join(keys) if keys else "server_<id>, username_<id>, password_<id>")))
                elif keys and not all(k in vc.get("secret_keys", []) for k in keys):
                    present = vc.get("secret_keys", [])
                    out.append(Finding(
                        "config.secret_keys", "error", so,
                        "Secret %s/%s has no %s for vCenter %s (its keys: %s)." % (
                            ns, secret, " / ".join(k for k in keys if k not in present), server,
                            ", ".join(present) or "none"),
                        "The provider reads <server>.username and <server>.password: with other keys (another "
                        "server name, a port, an IP) it has no credentials and cannot log in.",
                        "Name the keys after the server exactly as the config writes it: %s." % " and ".join(keys)))
            via_secret = ""
            if vc.get("secret_name"):
                via_secret = ", Secret %s/%s" % (vc.get("secret_namespace") or "kube-system", vc["secret_name"])
            if vc.get("login_error"):
                out.append(Finding(
                    "config.login_failed", "error", dict(o, vcenter=server, user=vc.get("user")),
                    "The credentials of the %s config (%s %s%s) for vCenter %s do not log in: %s" % (
                        what, o["kind"], o["name"], via_secret, server, vc["login_error"]),
                    "The %s cannot reach vCenter: no node initialization, no volume operation." % what,
                    "Fix the user or password (in the config or its Secret); passwords with \\ or \" must be quoted "
                    "in INI files."))
            for entity_kind, name, moid, missing in vc.get("missing_privileges") or []:
                out.append(Finding(
                    "config.privileges", "error", obj(entity_kind, name, moid, user=vc.get("user")),
                    "User %s of the %s config lacks %s on %s %s." % (
                        vc.get("user"), what, ", ".join(missing), entity_kind, name),
                    "Operations of the %s on this object fail with NoPermission." % what,
                    "Grant a role with these privileges to %s on %s (vcenter_role), propagating to children where "
                    "needed." % (vc.get("user"), name)))
    return out
