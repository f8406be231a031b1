# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: nodes
short_description: Kubernetes nodes on vSphere (or, on day 0, their VMs) as an inventory
version_added: 0.2.0
description:
  - Hosts are the Nodes of a Kubernetes cluster (with O(kubernetes)), each matched to its VM as the vSphere cloud
    provider does (by the Node's systemUUID, else its providerID, else its name), or - on day 0, before a cluster
    exists (without O(kubernetes)) - the node VMs chosen by O(folder), O(name_patterns) or O(tag). A Node whose VM
    is not found (in O(datacenter) and O(folder) when given) is left out, with a warning naming it.
  - Host variables (prefixed by O(vars_prefix)) - the VM name, moid, BIOS UUID, providerID, node addresses chosen by
    the cloud provider's rules, zone, region, instance type, node role and the readiness facts the provider needs
    (C(disk.EnableUUID), a ParaVirtual SCSI controller).
  - C(ansible_host) is the first address found, in the order of O(ansible_host_from), among the addresses the
    cloud provider would give the node (by default its InternalIP, else its ExternalIP). A VM without a guest
    address gets no C(ansible_host).
  - "Groups - every host in O(nodes_group); by role in the groups of O(role_groups); by zone in C(zone_<zone>) and by
    region in C(region_<region>) (names made safe for Ansible: characters other than letters, digits and C(_) become
    C(_)). O(compose), O(groups) and O(keyed_groups) add more."
  - Bounded cost - the number of requests does not grow with the inventory - one login, one PropertyCollector
    retrieval for the inventory tree and every VM's name, BIOS UUID and folder, one for the details of the VMs
    chosen, with O(zone_category) or O(region_category) one REST call for the tags of their hosts' ancestors
    (then one per distinct tag and category), with O(tag) a few REST calls for that tag's objects, and with
    O(kubernetes) one LIST of the Nodes.
  - The file must end in C(.vsphere_k8s.yml) or C(.vsphere_k8s.yaml). Secrets (the vCenter password, the
    kubeconfig's credentials) are never part of the output nor of the cache.
author:
  - vsphere_k8s developers (@vsphere-k8s)
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - pyvmomi >= 8.0.1.0
  - kubernetes >= 24.2.0 (with O(kubernetes))
options:
  plugin:
    description: The name of this plugin, to select it.
    type: str
    required: true
    choices: [vsphere_k8s.cloud_provider.nodes]
  hostname:
    description:
      - The vCenter host name or IP address. Required (here or in the environment).
    type: str
    env:
      - name: VMWARE_HOST
  port:
    description: The vCenter HTTPS port.
    type: int
    default: 443
    env:
      - name: VMWARE_PORT
  username:
    description:
      - The vCenter user, with its SSO domain, for example V(administrator@vsphere.local). Required (here or in the
        environment).
    type: str
    aliases: [user]
    env:
      - name: VMWARE_USER
  password:
    description:
      - The password of O(username). It is never shown nor cached. Required (here or in the environment).
      - In the file it may be vault-encrypted (C(ansible-vault encrypt_string)).
    type: str
    aliases: [pass, pwd]
    env:
      - name: VMWARE_PASSWORD
  validate_certs:
    description:
      - Whether to verify the TLS certificate of vCenter. Leave it on and use O(ca_bundle) for a private CA.
    type: bool
    default: true
    env:
      - name: VMWARE_VALIDATE_CERTS
  ca_bundle:
    description:
      - Path to a PEM file with the CA certificates that signed the certificate of vCenter (empty - the system trust
        store).
    type: str
    env:
      - name: VMWARE_CA_BUNDLE
  proxy_host:
    description: An HTTP proxy to reach vCenter through (HTTP CONNECT).
    type: str
    env:
      - name: VMWARE_PROXY_HOST
  proxy_port:
    description: The port of O(proxy_host).
    type: int
    env:
      - name: VMWARE_PROXY_PORT
  timeout:
    description: Seconds to wait for vCenter to answer one request.
    type: int
    default: 120
  session_reuse:
    description:
      - Keep the vCenter session in the user's cache for the tasks that follow instead of logging out, as the
        modules' O(session_reuse) option does; end the play with the M(vsphere_k8s.cloud_provider.vcenter_session)
        module (O(vsphere_k8s.cloud_provider.vcenter_session#module:state=absent)).
    type: bool
    default: false
    env:
      - name: VMWARE_SESSION_REUSE
  kubernetes:
    description:
      - How to reach the Kubernetes API server whose Nodes are the hosts. The keys are those of the
        C(kubernetes) option of M(vsphere_k8s.cloud_provider.node_vm_info), with the same E(K8S_AUTH_*)
        environment fallbacks; V({}) takes them all from the environment.
      - Without it the inventory is the day-0 one - the VMs chosen by O(folder), O(name_patterns) or O(tag).
    type: dict
    suboptions:
      kubeconfig:
        description:
          - Path to a kubeconfig file, or the kubeconfig itself as a dictionary.
          - Falls back to E(K8S_AUTH_KUBECONFIG), then to the default kubeconfig.
        type: raw
      context:
        description: The kubeconfig context to use (falls back to E(K8S_AUTH_CONTEXT)).
        type: str
      host:
        description: The URL of the API server (falls back to E(K8S_AUTH_HOST)).
        type: str
      api_key:
        description: A bearer token (falls back to E(K8S_AUTH_API_KEY)). Never shown nor cached.
        type: str
      ca_cert:
        description: The CA that signed the API server certificate (falls back to E(K8S_AUTH_SSL_CA_CERT)).
        type: path
      client_cert:
        description: A client certificate (falls back to E(K8S_AUTH_CERT_FILE)).
        type: path
      client_key:
        description: The key of O(kubernetes.client_cert) (falls back to E(K8S_AUTH_KEY_FILE)).
        type: path
      validate_certs:
        description: Whether to verify the API server certificate (falls back to E(K8S_AUTH_VERIFY_SSL)).
        type: bool
  datacenter:
    description: Only VMs of this datacenter (name or inventory path).
    type: str
  folder:
    description:
      - Only VMs in this VM folder or below it (inventory path such as V(/DC1/vm/kubernetes), or a path relative to
        the datacenter's VM folder).
    type: str
  name_patterns:
    description:
      - Day 0 - VMs whose name matches one of these shell-style patterns (C(fnmatch), case-sensitive), such as
        V(k8s-*).
    type: list
    elements: str
  tag:
    description: Day 0 - VMs carrying this tag.
    type: dict
    suboptions:
      category:
        description: The tag category.
        type: str
        required: true
      name:
        description: The tag name.
        type: str
        required: true
  control_plane_patterns:
    description:
      - Day 0 - VMs whose name matches one of these shell-style patterns have the node role V(control_plane), the
        others V(worker). With O(kubernetes) the role comes from the Node's C(node-role.kubernetes.io/control-plane)
        (or C(master)) label instead.
    type: list
    elements: str
    default: []
  zone_category:
    description: The tag category whose tags name zones (C([Labels] zone)); looked up from each VM's host upwards.
    type: str
  region_category:
    description: The tag category whose tags name regions (C([Labels] region)).
    type: str
  internal_network_subnet_cidr:
    description: Subnets in which to pick the InternalIP, first match wins (C([Nodes] internal-network-subnet-cidr)).
    type: list
    elements: str
  external_network_subnet_cidr:
    description: Subnets in which to pick the ExternalIP (C([Nodes] external-network-subnet-cidr)).
    type: list
    elements: str
  internal_vm_network_name:
    description: The VM network whose address is the InternalIP when no subnet matched.
    type: str
  external_vm_network_name:
    description: The VM network whose address is the ExternalIP when no subnet matched.
    type: str
  exclude_internal_network_subnet_cidr:
    description: Subnets never used for the InternalIP.
    type: list
    elements: str
  exclude_external_network_subnet_cidr:
    description: Subnets never used for the ExternalIP.
    type: list
    elements: str
  ip_family:
    description: The ip families of the node addresses, in priority order (C([Global] ip-family)).
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4]
  ansible_host_from:
    description:
      - The address types that may become C(ansible_host), in priority order; the first the node has wins.
    type: list
    elements: str
    choices: [InternalIP, ExternalIP, Hostname]
    default: [InternalIP, ExternalIP]
  vars_prefix:
    description: The prefix of every host variable this plugin sets (but C(ansible_host)).
    type: str
    default: vsphere_
  nodes_group:
    description: The group every host is in.
    type: str
    default: k8s_nodes
  role_groups:
    description: The group of each node role.
    type: dict
    default: {control_plane: k8s_control_plane, worker: k8s_workers}
"""

EXAMPLES = r"""
# inventory/site.vsphere_k8s.yml - the cluster's Nodes; vCenter from VMWARE_*, the cluster from K8S_AUTH_*
plugin: vsphere_k8s.cloud_provider.nodes
kubernetes: {}
zone_category: k8s-zone
region_category: k8s-region
internal_network_subnet_cidr: [10.0.0.0/24]
keyed_groups:
  - key: vsphere_instance_type
    prefix: type

# inventory/day0.vsphere_k8s.yml - before the cluster exists: the VMs of a folder, by name
plugin: vsphere_k8s.cloud_provider.nodes
hostname: vcenter.example.com
username: k8s-admin@vsphere.local
ca_bundle: /etc/pki/vcenter-ca.pem
folder: /DC1/vm/kubernetes
name_patterns: ["k8s-*"]
control_plane_patterns: ["k8s-cp-*"]
compose:
  ansible_user: "'core'"
groups:
  not_ready: not vsphere_ready_for_volumes
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/vsphere_k8s_inventory
"""

import fnmatch
import re

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.secrets import kubeconfig_secrets
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.addresses import (
    AddressError,
    NODES_OPTIONS,
    address_rules_spec,
    select_addresses,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.argument_spec import (
    vsphere_argument_spec,
)

CONNECTION_KEYS = ("hostname", "port", "username", "password", "validate_certs", "ca_bundle", "proxy_host",
                   "proxy_port", "timeout")
ADDRESS_TYPES = ("InternalIP", "ExternalIP", "Hostname")
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
# What describe() of node_vm_info gives that is not a host variable (large or per-lookup).
LEFT_OUT = ("matched_by", "disks", "node_name")


def options_spec():
    """The argument spec the plugin's options are checked against (types, choices, environment fallbacks)."""
    spec = vsphere_argument_spec(
        kubernetes=dict(type="dict", options=kubernetes_argument_spec(), apply_defaults=False),
        datacenter=dict(type="str"),
        folder=dict(type="str"),
        name_patterns=dict(type="list", elements="str"),
        tag=dict(type="dict", options=dict(category=dict(type="str", required=True),
                                           name=dict(type="str", required=True))),
        control_plane_patterns=dict(type="list", elements="str", default=[]),
        zone_category=dict(type="str"),
        region_category=dict(type="str"),
        **address_rules_spec(),
        ansible_host_from=dict(type="list", elements="str", choices=list(ADDRESS_TYPES),
                               default=["InternalIP", "ExternalIP"]),
        vars_prefix=dict(type="str", default="vsphere_"),
        nodes_group=dict(type="str", default="k8s_nodes"),
        role_groups=dict(type="dict", default={"control_plane": "k8s_control_plane", "worker": "k8s_workers"}),
    )
    return spec


# Options of the constructed and inventory_cache fragments, checked by Ansible itself.
FRAGMENT_OPTIONS = ("plugin", "compose", "groups", "keyed_groups", "strict", "leading_separator", "use_extra_vars",
                    "use_vars_plugins", "cache", "cache_plugin", "cache_timeout", "cache_connection", "cache_prefix")


def validate_options(raw):
    """Check the file's options (the plugin's own; the constructed and cache ones are Ansible's): unknown keys,
    types, choices, required suboptions, and the environment fallbacks applied. Returns the validated options or
    raises ValueError with every problem in one message (no option value in it)."""
    spec = options_spec()
    known = set(spec) | set(FRAGMENT_OPTIONS) | {a for s in spec.values() for a in s.get("aliases", [])}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise ValueError("unknown option%s %s; the options are: %s." % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(set(spec) | set(FRAGMENT_OPTIONS)))))
    params = {k: v for k, v in raw.items() if k in spec and v is not None}
    missing = [k for k in ("hostname", "username", "password") if not params.get(k)]
    if missing:
        env = {"password": "VMWARE_PASSWORD", "hostname": "VMWARE_HOST", "username": "VMWARE_USER"}
        raise ValueError("no vCenter %s: set %s in the inventory file or the environment variable%s %s." % (
            " or ".join(missing), " and ".join(missing), "s" if len(missing) > 1 else "",
            " and ".join(env[k] for k in missing)))
    result = ArgumentSpecValidator(spec).validate(params)
    if result.error_messages:
        raise ValueError("; ".join(result.error_messages) + ".")
    p = result.validated_parameters
    if p["kubernetes"] is not None:
        # The nested Kubernetes options take their E(K8S_AUTH_*) fallbacks as the modules' do.
        sub = ArgumentSpecValidator(kubernetes_argument_spec()).validate(p["kubernetes"])
        if sub.error_messages:
            raise ValueError("kubernetes: " + "; ".join(sub.error_messages) + ".")
        p["kubernetes"] = sub.validated_parameters
    elif not (p["folder"] or p["name_patterns"] or p["tag"]):
        raise ValueError("nothing chooses the hosts: give kubernetes (the cluster's Nodes; {} takes K8S_AUTH_* from "
                         "the environment) or, on day 0, folder, name_patterns or tag.")
    for key in ("nodes_group", "vars_prefix"):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", p[key] or "x") or (key == "nodes_group" and not p[key]):
            raise ValueError("%s '%s' is not a valid variable or group name (letters, digits and _)." % (key, p[key]))
    bad_roles = sorted(set(p["role_groups"]) - {"control_plane", "worker"})
    if bad_roles:
        raise ValueError("role_groups: unknown role%s %s; the roles are control_plane and worker." % (
            "s" if len(bad_roles) > 1 else "", ", ".join(bad_roles)))
    try:
        select_addresses(None, [], {k: p[k] for k in NODES_OPTIONS})  # the CIDRs, before any request
    except AddressError as e:
        raise ValueError(str(e))
    return p


def secrets_of(params):
    """Every secret value the options hold (to keep them out of any message)."""
    found = set()
    if params.get("password"):
        found.add(str(params["password"]))
    kube = params.get("kubernetes") or {}
    if kube.get("api_key"):
        found.add(str(kube["api_key"]))
    if kube.get("kubeconfig") is not None:
        found |= kubeconfig_secrets(kube["kubeconfig"])
    return {s for s in found if s.strip()}


def scrub(text, secrets):
    text = str(text)
    for s in sorted(secrets, key=len, reverse=True):
        text = text.replace(s, "********")
    return text


def matches_any(name, patterns):
    return any(fnmatch.fnmatchcase(name or "", p) for p in patterns or [])


def node_role(labels=None, vm_name=None, control_plane_patterns=None):
    """control_plane or worker: from a Node's labels when there is a Node, else from the VM name's patterns."""
    if labels is not None:
        return "control_plane" if any(k in labels for k in CONTROL_PLANE_LABELS) else "worker"
    return "control_plane" if matches_any(vm_name, control_plane_patterns) else "worker"


def pick_ansible_host(addresses, order):
    """The first address of the first type in order that the node has, or None."""
    for kind in order:
        for a in addresses or []:
            if a.get("type") == kind and a.get("address"):
                return a["address"]
    return None


def first_address(addresses, kind):
    return next((a["address"] for a in addresses or [] if a.get("type") == kind), None)


def has_pvscsi(controllers):
    return any(c.get("type") == "pvscsi" for c in controllers or [])


def plain(value):
    """Only what JSON and the cache hold: dicts, lists, strings, numbers, booleans, None (pyVmomi enums become
    their text)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def host_record(entry, p, labels=None):
    """One host of the inventory from a node_vm_info entry: (inventory host name, variables, groups)."""
    role = node_role(labels if entry.get("kubernetes") is not None else None, entry.get("vm_name"),
                     p["control_plane_patterns"])
    name = entry.get("node_name") or entry.get("vm_name")
    facts = {k: v for k, v in entry.items() if k not in LEFT_OUT}
    facts["bios_uuid"] = facts.pop("uuid", None)
    facts["esxi_host"] = facts.pop("host", None)
    facts["node_name"] = entry.get("node_name") if entry.get("kubernetes") is not None else None
    facts["node_role"] = role
    facts["internal_ip"] = first_address(entry.get("addresses"), "InternalIP")
    facts["external_ip"] = first_address(entry.get("addresses"), "ExternalIP")
    facts["pvscsi"] = has_pvscsi(entry.get("scsi_controllers"))
    facts["ready_for_volumes"] = bool(entry.get("disk_enable_uuid")) and facts["pvscsi"]
    variables = {p["vars_prefix"] + k: plain(v) for k, v in sorted(facts.items())}
    ansible_host = pick_ansible_host(entry.get("addresses"), p["ansible_host_from"])
    if ansible_host:
        variables["ansible_host"] = ansible_host
    groups = [p["nodes_group"]]
    if p["role_groups"].get(role):
        groups.append(p["role_groups"][role])
    if entry.get("zone"):
        groups.append("zone_" + entry["zone"])
    if entry.get("region"):
        groups.append("region_" + entry["region"])
    return name, variables, groups


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "vsphere_k8s.cloud_provider.nodes"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith((".vsphere_k8s.yml", ".vsphere_k8s.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        raw = self.loader.load_from_file(path, cache="none")
        if not isinstance(raw, dict):
            raise AnsibleParserError("%s: the inventory file must be a mapping of options." % path)
        try:
            self._read_config_data(path)
        except AnsibleParserError as e:
            raise AnsibleParserError("%s: %s" % (path, _message(e)))
        # The options as Ansible resolved them (defaults, environment), then checked by the modules' rules.
        unknown = {k: v for k, v in raw.items() if k not in options_spec()}
        resolved = dict(unknown, **{k: self.get_option(k) for k in options_spec()})
        try:
            params = validate_options(resolved)
        except ValueError as e:
            raise AnsibleParserError("%s: %s" % (path, scrub(e, secrets_of(resolved))))
        secrets = secrets_of(params)

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        records = None
        if use_cache and cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                records = None
        if records is None:
            try:
                records = self._fetch(params)
            except AnsibleParserError as e:
                raise AnsibleParserError("%s: %s" % (path, scrub(_message(e), secrets)))
            except Exception as e:  # pylint: disable=broad-except
                raise AnsibleParserError("%s: %s" % (path, scrub(self._describe(e, params), secrets)))
            if use_cache:
                self._cache[cache_key] = records
        self._populate(records, params)

    # -- reading --------------------------------------------------------------------------------------------------
    def _describe(self, exc, params):
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
            describe_failure,
        )
        try:
            failure = describe_failure(exc, "reading the node VMs", None, params)
        except Exception:  # pylint: disable=broad-except
            failure = None
        if failure is not None:
            return failure[0]
        return "reading the node VMs failed: %s: %s" % (type(exc).__name__, exc)

    def _fetch(self, params):
        """[{name, vars, groups}] from vCenter (and the cluster): the plain data that is cached."""
        # Imported here: pyvmomi and the module code are needed only when the inventory is read, not cached.
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
            PYVMOMI_IMPORT_ERROR,
            VsphereClient,
            VsphereError,
        )
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_facts import describe, zone_tags
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.node_lookup import (
            NodeLookup,
            kube_node_summaries,
        )

        if PYVMOMI_IMPORT_ERROR:
            raise AnsibleParserError("the Python package pyvmomi is needed: pip install pyvmomi")
        nodes = None
        if params["kubernetes"] is not None:
            nodes = kube_node_summaries(_Shim(params))
        try:
            client = VsphereClient(params)
        except VsphereError as e:
            raise AnsibleParserError(str(e))
        with client:
            lookup = NodeLookup(client, params["datacenter"], params["folder"], with_ips=False, with_uuids=True).fetch()
            if nodes is not None:
                matches = lookup.run({}, nodes)
                labels = {m.moid: (m.kube_node or {}).get("labels") or {} for m in matches}
            else:
                chosen = self._day0(client, lookup, params)
                for moid, how in chosen:
                    lookup._one("vm", lookup.vms[moid].get("name"), [moid], how)  # pylint: disable=protected-access
                matches = lookup.run({})
                labels = {}
            tags = zone_tags(client, lookup, matches, params)
            records = []
            for m in matches:
                entry = describe(lookup, m, tags, params)
                name, variables, groups = host_record(entry, params, labels.get(m.moid))
                records.append(dict(name=name, vars=variables, groups=groups))
        if nodes is not None:
            found = {r["vars"][params["vars_prefix"] + "node_name"] for r in records}
            missing = sorted(n["name"] for n in nodes if n["name"] not in found)
            if missing:
                self.display.warning("No VM found for the Node%s %s: not in the inventory (is its VM in the folder or "
                                     "datacenter given?)." % ("s" if len(missing) > 1 else "", ", ".join(missing)))
        return records

    def _day0(self, client, lookup, params):
        """[(moid, how)] of the VMs the day-0 selectors choose (all of those given must agree)."""
        from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError

        chosen = set(lookup.vms)  # already narrowed by folder and datacenter
        how = "folder" if params["folder"] else "datacenter"
        if params["name_patterns"]:
            chosen = {m for m in chosen if matches_any(lookup.vms[m].get("name"), params["name_patterns"])}
            how = "name pattern"
        if params["tag"]:
            tagged = tagged_vms(client.rest(), params["tag"]["category"], params["tag"]["name"], VsphereError)
            chosen &= tagged
            how = "tag"
        return sorted((m, how) for m in chosen)

    # -- output -------------------------------------------------------------------------------------------------
    def _populate(self, records, params):
        strict = self.get_option("strict")
        for rec in records:
            host = self.inventory.add_host(rec["name"])
            for group in rec["groups"]:
                group = self._sanitize_group_name(group)
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            for key, value in rec["vars"].items():
                self.inventory.set_variable(host, key, value)
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            hostvars = self.inventory.get_host(host).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)


def tagged_vms(rest, category, name, error):
    """moids of the VMs carrying the tag category/name: a few REST calls for the tag (categories, the category's
    tags), one for its objects - none per VM."""
    from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.rest import TAGGING

    cats = rest.categories()
    if category not in cats:
        raise error("tag: no tag category '%s' in vCenter (known: %s)." % (category, ", ".join(sorted(cats)) or "none"))
    tags = rest.tags_in(cats[category]["id"])
    if name not in tags:
        raise error("tag: no tag '%s' in category '%s' (known: %s)." % (name, category, ", ".join(sorted(tags)) or "none"))
    tid = tags[name]["id"]
    objs = rest.call("POST", TAGGING + "/tag-association/id:%s?~action=list-attached-objects" % tid, {}) or []
    return {o.get("id") for o in objs if o.get("type") == "VirtualMachine"}


def _message(exc):
    return getattr(exc, "message", None) or str(exc)


class _ShimFailure(AnsibleParserError):
    pass


class _Shim:
    """What node_lookup's Kubernetes helpers need of a module: its options and a way to fail."""

    def __init__(self, params):
        self.params = params
        self.no_log_values = set()

    def fail_json(self, msg, **_kwargs):
        raise _ShimFailure(scrub(msg, self.no_log_values | secrets_of(self.params)))
