# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node addresses chosen by the rules of the out-of-tree vSphere cloud provider ([Nodes] section).

For each ip family in priority order:
  1. every address of every NIC, minus loopback, link-local, unspecified and multicast ones, of that family;
  2. internal candidates lose the exclude-internal CIDRs, external candidates the exclude-external ones;
  3. InternalIP / ExternalIP: the first address inside the configured subnet CIDRs (in the order given);
     failing that, the first address on the NIC whose network name is the configured one (case-insensitive);
  4. when neither side was found, each side takes its first candidate (so one address is often both);
     when only one side was found, the other stays empty, as the provider does.
A Hostname address with the guest host name comes first.
"""

from __future__ import annotations

import ipaddress

NODES_OPTIONS = ("internal_network_subnet_cidr", "external_network_subnet_cidr", "internal_vm_network_name",
                 "external_vm_network_name", "exclude_internal_network_subnet_cidr",
                 "exclude_external_network_subnet_cidr", "ip_family")


def address_rules_spec():
    """The argument spec of the [Nodes] address rules (NODES_OPTIONS), for the modules and the inventory plugin."""
    return dict(
        internal_network_subnet_cidr=dict(type="list", elements="str"),
        external_network_subnet_cidr=dict(type="list", elements="str"),
        internal_vm_network_name=dict(type="str"),
        external_vm_network_name=dict(type="str"),
        exclude_internal_network_subnet_cidr=dict(type="list", elements="str"),
        exclude_external_network_subnet_cidr=dict(type="list", elements="str"),
        ip_family=dict(type="list", elements="str", choices=["ipv4", "ipv6"], default=["ipv4"]),
    )


class AddressError(ValueError):
    pass


def parse_cidrs(value, option):
    """A list or a comma-separated string of CIDRs, as in vsphere.conf."""
    if not value:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    nets = []
    for item in items:
        try:
            nets.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError as e:
            raise AddressError("%s: '%s' is not a CIDR: %s" % (option, item, e))
    return nets


def usable(ip):
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _family_ok(ip, family):
    return ip.version == (4 if family == "ipv4" else 6)


def select_addresses(hostname, nics, options):
    """nics: [(network name, [ip strings])] in device order. Returns a Kubernetes NodeAddress list."""
    o = options or {}
    families = o.get("ip_family") or ["ipv4"]
    internal_cidrs = parse_cidrs(o.get("internal_network_subnet_cidr"), "internal_network_subnet_cidr")
    external_cidrs = parse_cidrs(o.get("external_network_subnet_cidr"), "external_network_subnet_cidr")
    excl_int = parse_cidrs(o.get("exclude_internal_network_subnet_cidr"), "exclude_internal_network_subnet_cidr")
    excl_ext = parse_cidrs(o.get("exclude_external_network_subnet_cidr"), "exclude_external_network_subnet_cidr")
    int_name = (o.get("internal_vm_network_name") or "").lower()
    ext_name = (o.get("external_vm_network_name") or "").lower()

    candidates = []
    for network, ips in nics:
        for text in ips or []:
            try:
                ip = ipaddress.ip_address(text.split("%")[0])
            except ValueError:
                continue
            if usable(ip):
                candidates.append(((network or "").lower(), ip))

    out = []
    if hostname:
        out.append({"type": "Hostname", "address": hostname})
    for family in families:
        fam = [(n, ip) for n, ip in candidates if _family_ok(ip, family)]
        ints = [(n, ip) for n, ip in fam if not any(ip in c for c in excl_int if c.version == ip.version)]
        exts = [(n, ip) for n, ip in fam if not any(ip in c for c in excl_ext if c.version == ip.version)]
        internal = _pick(ints, internal_cidrs, int_name)
        external = _pick(exts, external_cidrs, ext_name)
        if internal is None and external is None:
            internal = ints[0][1] if ints else None
            external = exts[0][1] if exts else None
        for kind, ip in (("InternalIP", internal), ("ExternalIP", external)):
            entry = {"type": kind, "address": str(ip)} if ip is not None else None
            if entry and entry not in out:
                out.append(entry)
    return out


def _pick(candidates, cidrs, network_name):
    for cidr in cidrs:
        for ip in (c[1] for c in candidates):
            if ip.version == cidr.version and ip in cidr:
                return ip
    if network_name:
        for name, ip in candidates:
            if name == network_name:
                return ip
    return None


def instance_type(num_cpu, memory_mb, guest_id):
    """The provider's instance type: vsphere-vm.cpu-<n>.mem-<GiB, truncated>gb.os-<guest id>."""
    return "vsphere-vm.cpu-%d.mem-%dgb.os-%s" % (num_cpu or 0, (memory_mb or 0) // 1024, guest_id or "unknown")
