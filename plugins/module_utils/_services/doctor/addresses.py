# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check 3, addresses: the Node's InternalIP is one the provider's [Nodes] rules pick from the VM's guest NICs,
and every ip family configured has an address."""

from __future__ import annotations

import ipaddress

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import Finding, obj
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.readiness import node_vms
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.addresses import (
    AddressError,
    select_addresses,
)


def _family(text):
    try:
        return "ipv%d" % ipaddress.ip_address(text.split("%")[0]).version
    except ValueError:
        return None


def check(snap):
    out = []
    options = snap.settings.nodes_options or {}
    families = options.get("ip_family") or ["ipv4"]
    for vm, node_name in node_vms(snap):
        node = next(n for n in snap.nodes if n.name == node_name)
        if node.uninitialized or not node.provider_id:
            continue  # the provider has not set the addresses yet; the nodes area reports it
        o = obj("Node", node.name, vm=vm.name)
        try:
            picked = select_addresses(vm.hostname, vm.nics, options)
        except AddressError as e:
            out.append(Finding(
                "addresses.bad_rule", "error", o, "The cloud config's [Nodes] rules cannot be applied: %s." % e,
                "The provider fails on this config.", "Fix the CIDR in the cloud config."))
            return out
        expected = [a["address"] for a in picked if a["type"] == "InternalIP"]
        internal = [a["address"] for a in node.addresses if a.get("type") == "InternalIP"]
        guest_ips = sorted({ip.split("%")[0] for _net, ips in vm.nics for ip in ips})
        if not vm.nics:
            continue  # no guest data (Tools not running): the readiness area reports it
        wrong = [ip for ip in internal if ip not in expected]
        if wrong:
            out.append(Finding(
                "addresses.node_ip_not_selected", "error", o,
                "Node %s reports InternalIP %s, but from VM %s's guest addresses (%s) the cloud config's rules pick %s."
                % (node.name, ", ".join(wrong), vm.name, ", ".join(guest_ips) or "none", ", ".join(expected) or "none"),
                "The kubelet and the provider disagree on the node IP (an extra NIC, a VIP or a wrong --node-ip): "
                "traffic to the node, and CSI node registration, use an address that may not be reachable.",
                "Set the kubelet's --node-ip to %s, or fix [Nodes] internal-network-subnet-cidr / "
                "exclude-internal-network-subnet-cidr in the cloud config." % (", ".join(expected) or "the right address")))
        if len(families) > 1:
            have = {_family(ip) for ip in internal}
            missing = [f for f in families if f not in have]
            if missing:
                out.append(Finding(
                    "addresses.family_missing", "warning", o,
                    "Node %s has no %s InternalIP although the cloud config asks for %s." % (
                        node.name, " or ".join(missing), ", ".join(families)),
                    "Dual-stack Services and pods cannot reach the node over the missing family.",
                    "Give the VM an address of that family in the internal subnet, and the kubelet both --node-ip "
                    "values."))
    return out
