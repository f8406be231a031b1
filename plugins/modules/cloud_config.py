#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloud_config
short_description: Render vsphere.conf or csi-vsphere.conf, check it against vCenter, and write it to a node or to Kubernetes
version_added: 0.1.0
description:
  - Renders, from one structured O(config), the in-tree provider's C(vsphere.conf) (V(in_tree)), the out-of-tree
    provider's C(vsphere.conf) as INI (V(cpi_ini)) or YAML (V(cpi_yaml)), or the CSI driver's C(csi-vsphere.conf)
    (V(csi)). Every INI value is quoted the way gcfg reads it back - passwords with C("), C(\), C(;), C(#), spaces
    or non-ASCII characters included.
  - With O(validate), logs in to each vCenter with the given credentials and checks that the datacenters, the
    default datastore, the workspace folder and the resource pool exist, naming whatever is missing.
  - Writes the result to O(dest) on the host (mode 0600), and/or into Kubernetes (O(secret) for anything that holds
    credentials; O(configmap) only for credential-free configuration), and the providers' credentials Secret
    (O(credentials_secret)).
  - The same rendering is available to templates as the filter P(vsphere_k8s.cloud_provider.cloud_config#filter).
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  config:
    description: The configuration to render.
    type: dict
    required: true
    suboptions:
      vcenters:
        description: The vCenters (C([VirtualCenter "server"]) sections).
        type: list
        elements: dict
        required: true
        suboptions:
          server: {description: "The vCenter host name or address.", type: str, required: true}
          port: {description: "Its port.", type: int}
          user: {description: "The user the Kubernetes components log in as.", type: str}
          password: {description: "Its password (never logged; masked in the returned content).", type: str}
          datacenters:
            description: The datacenters the cluster uses. The providers split the list on commas, so a name with a comma is refused.
            type: list
            elements: str
          thumbprint:
            description:
              - The SHA-1 thumbprint of its certificate (else O(config.thumbprint)); written into its own section, as the
                in-tree provider does not fall back to C([Global]).
            type: str
          ca_file:
            description:
              - The CA bundle that signed its certificate (a path on the nodes), else O(config.ca_file).
              - The in-tree provider has one C(ca-file) for all vCenters (C([Global])); vCenters that differ in it are
                refused there.
            type: str
          insecure:
            description:
              - Skip certificate verification (labs only), else O(config.insecure).
              - The providers OR a vCenter's C(insecure-flag) with C([Global])'s, so each vCenter gets its own value and
                C([Global]) is true only when all are; the in-tree provider has only C([Global]) and refuses vCenters
                that differ.
            type: bool
          soap_roundtrip_count: {description: "C(soap-roundtrip-count) (C(soapRoundtripCount) in YAML; not for V(csi)).", type: int}
          ip_family:
            description: The out-of-tree provider's C(ip-family) of this vCenter, in priority order.
            type: list
            elements: str
            choices: [ipv4, ipv6]
          target_vsan_file_share_clusters:
            description: The CSI driver's C(targetvSANFileShareClusters) (a name with a comma is refused).
            type: list
            elements: str
          migration_datastore_url: {description: "The CSI driver's C(migration-datastore-url) of this vCenter.", type: str}
      credentials:
        description: V(inline) writes user and password into the file; V(secret) leaves them to a Secret.
        type: str
        choices: [inline, secret]
        default: inline
      secret_name: {description: "With credentials: secret, the credentials Secret's name.", type: str}
      secret_namespace: {description: "With credentials: secret, its namespace.", type: str}
      port: {description: "The default vCenter port (C([Global] port)).", type: int}
      insecure: {description: "C([Global] insecure-flag).", type: bool}
      ca_file: {description: "C([Global] ca-file).", type: str}
      thumbprint: {description: "C([Global] thumbprint).", type: str}
      soap_roundtrip_count: {description: "C([Global] soap-roundtrip-count).", type: int}
      ip_family: {description: "The out-of-tree provider's ip families, in priority order.", type: list, elements: str, choices: [ipv4, ipv6]}
      secrets_directory: {description: "The out-of-tree provider's C(secrets-directory) (C(secretsDirectory)).", type: str}
      api_disable: {description: "The out-of-tree provider's C(api-disable) (C(apiDisable)).", type: bool}
      api_binding: {description: "The out-of-tree provider's C(api-binding) (C(apiBinding)).", type: str}
      cluster_id: {description: "The CSI driver's cluster-id (at most 64 characters).", type: str}
      workspace:
        description:
          - In-tree C([Workspace]). The in-tree provider needs O(config.workspace.server) (one of the vCenters),
            O(config.workspace.datacenter) and O(config.workspace.folder).
        type: dict
        suboptions:
          server: {description: "The vCenter of the workspace.", type: str}
          datacenter: {description: "Its datacenter.", type: str}
          folder: {description: "The VM folder of the node VMs.", type: str}
          default_datastore: {description: "The default datastore of volumes (C(default-datastore)).", type: str}
          resourcepool_path: {description: "The resource pool of dummy VMs (C(resourcepool-path)).", type: str}
      labels:
        description: C([Labels]) - the tag categories of zones and regions.
        type: dict
        suboptions:
          zone: {description: "The zone tag category.", type: str}
          region: {description: "The region tag category.", type: str}
      nodes:
        description: The out-of-tree provider's C([Nodes]) keys (several values are joined with commas).
        type: dict
        suboptions:
          internal_network_subnet_cidr: {description: "C(internal-network-subnet-cidr).", type: list, elements: str}
          external_network_subnet_cidr: {description: "C(external-network-subnet-cidr).", type: list, elements: str}
          internal_vm_network_name: {description: "C(internal-vm-network-name).", type: list, elements: str}
          external_vm_network_name: {description: "C(external-vm-network-name).", type: list, elements: str}
          exclude_internal_network_subnet_cidr:
            description: C(exclude-internal-network-subnet-cidr).
            type: list
            elements: str
          exclude_external_network_subnet_cidr:
            description: C(exclude-external-network-subnet-cidr).
            type: list
            elements: str
      disk:
        description: In-tree C([Disk]).
        type: dict
        suboptions:
          scsicontrollertype:
            description: The SCSI controller type of volumes; the in-tree provider takes these exact spellings only.
            type: str
            choices: [pvscsi, lsiLogic-sas, lsiLogic]
      network:
        description: In-tree C([Network]).
        type: dict
        suboptions:
          public_network: {description: "C(public-network).", type: str}
      csi:
        description:
          - The CSI driver's keys. Its own checks are made before writing - 1 to 5 vCenters, several need topology
            categories, O(config.cluster_id) and O(config.csi.supervisor_id) at most 64 characters, users as
            C(user@domain) or C(DOMAIN\user), at most 5 topology categories and not together with O(config.labels).
          - The intervals and limits left out (or 0 upstream) take the driver's defaults.
        type: dict
        suboptions:
          topology_categories:
            description: C([Labels] topology-categories); defaults to the region and zone categories of O(config.labels).
            type: list
            elements: str
          migration_datastore_url: {description: "C(migration-datastore-url) of every vCenter without its own.", type: str}
          supervisor_id: {description: "C(supervisor-id).", type: str}
          cluster_distribution: {description: "C(cluster-distribution).", type: str}
          cnsregistervolumes_cleanup_intervalinmin: {description: "C(cnsregistervolumes-cleanup-intervalinmin).", type: int}
          cnspvcprotection_cleanup_intervalinmin: {description: "C(cnspvcprotection-cleanup-intervalinmin).", type: int}
          volumemigration_cr_cleanup_intervalinmin: {description: "C(volumemigration-cr-cleanup-intervalinmin).", type: int}
          csi_auth_check_intervalinmin: {description: "C(csi-auth-check-intervalinmin).", type: int}
          cnsvolumeoperationrequest_cleanup_intervalinmin:
            description: C(cnsvolumeoperationrequest-cleanup-intervalinmin).
            type: int
          csi_fetch_preferred_datastores_intervalinmin:
            description: C(csi-fetch-preferred-datastores-intervalinmin).
            type: int
          query_limit: {description: "C(query-limit).", type: int}
          list_volume_threshold: {description: "C(list-volume-threshold).", type: int}
          net_permissions:
            description: C([NetPermissions "name"]) sections (file volumes).
            type: list
            elements: dict
            suboptions:
              name: {description: "The section's name.", type: str, required: true}
              ips: {description: "C(ips) (the driver's default is C(*)).", type: str}
              permissions: {description: "C(permissions).", type: str, choices: [READ_WRITE, READ_ONLY, NO_ACCESS]}
              rootsquash: {description: "C(rootsquash).", type: bool}
          topology_category_labels:
            description: C([TopologyCategory "category"]) sections.
            type: list
            elements: dict
            suboptions:
              category: {description: "The tag category.", type: str, required: true}
              label:
                description: Its node label, in C(topology.csi.vmware.com), C(topology.kubernetes.io) or C(failure-domain.beta.kubernetes.io).
                type: str
                required: true
          snapshot:
            description: C([Snapshot]).
            type: dict
            suboptions:
              global_max_snapshots_per_block_volume: {description: "C(global-max-snapshots-per-block-volume).", type: int}
              granular_max_snapshots_per_block_volume_vsan:
                description: C(granular-max-snapshots-per-block-volume-vsan).
                type: int
              granular_max_snapshots_per_block_volume_vvol:
                description: C(granular-max-snapshots-per-block-volume-vvol).
                type: int
      load_balancer:
        description:
          - C([LoadBalancer]) / C(loadBalancer) of the out-of-tree provider's Load Balancer interface through NSX-T
            (cpi_ini and cpi_yaml only; needs O(config.nsxt)). Checked as upstream does - a service id or a tier-1
            gateway path, a TCP and a UDP profile, an IP pool (here or in a V(default) class).
        type: dict
        suboptions:
          size: {description: "C(size): the NSX-T load balancer service size.", type: str, choices: [SMALL, MEDIUM, LARGE, XLARGE, DLB]}
          lb_service_id: {description: "C(lb-service-id) / C(lbServiceId).", type: str}
          tier1_gateway_path: {description: "C(tier1-gateway-path) / C(tier1GatewayPath).", type: str}
          snat_disabled: {description: "C(snat-disabled) / C(snatDisabled).", type: bool}
          tags: {description: "C(tags): NSX-T tags added to the objects made (a JSON string in INI, a map in YAML).", type: dict}
          ip_pool_name: {description: "C(ip-pool-name) / C(ipPoolName): the NSX-T IP pool, by name.", type: str}
          ip_pool_id: {description: "C(ip-pool-id) / C(ipPoolId): the NSX-T IP pool, by id (wins over the name).", type: str}
          tcp_app_profile_name: {description: "C(tcp-app-profile-name) / C(tcpAppProfileName).", type: str}
          tcp_app_profile_path: {description: "C(tcp-app-profile-path) / C(tcpAppProfilePath).", type: str}
          udp_app_profile_name: {description: "C(udp-app-profile-name) / C(udpAppProfileName).", type: str}
          udp_app_profile_path: {description: "C(udp-app-profile-path) / C(udpAppProfilePath).", type: str}
      load_balancer_classes:
        description: C([LoadBalancerClass "name"]) / C(loadBalancerClass) - named variants services pick by annotation.
        type: list
        elements: dict
        suboptions:
          name: {description: The class name (unique)., type: str, required: true}
          ip_pool_name: {description: "C(ip-pool-name) / C(ipPoolName): the NSX-T IP pool, by name.", type: str}
          ip_pool_id: {description: "C(ip-pool-id) / C(ipPoolId): the NSX-T IP pool, by id (wins over the name).", type: str}
          tcp_app_profile_name: {description: "C(tcp-app-profile-name) / C(tcpAppProfileName).", type: str}
          tcp_app_profile_path: {description: "C(tcp-app-profile-path) / C(tcpAppProfilePath).", type: str}
          udp_app_profile_name: {description: "C(udp-app-profile-name) / C(udpAppProfileName).", type: str}
          udp_app_profile_path: {description: "C(udp-app-profile-path) / C(udpAppProfilePath).", type: str}
      nsxt:
        description:
          - C([NSXT]) / C(nsxt) - the NSX-T manager the Load Balancer and Routes interfaces use (cpi_ini and cpi_yaml only).
          - Credentials - O(config.nsxt.user) and O(config.nsxt.password), or a VMC token, or a client certificate,
            in the file (V(inline)); or (V(secret)) only C(secret-name)/C(secret-namespace) in the file, the Secret
            holding C(username) and C(password).
        type: dict
        suboptions:
          host: {description: "C(host): the NSX-T manager host (no scheme).", type: str}
          credentials: {description: Where the credentials are., type: str, choices: [inline, secret], default: inline}
          user: {description: "C(user).", type: str}
          password: {description: "C(password).", type: str}
          insecure: {description: "C(insecure-flag) / C(insecureFlag).", type: bool}
          remote_auth: {description: "C(remote-auth) / C(remoteAuth).", type: bool}
          secret_name: {description: "C(secret-name) / C(secretName), with O(config.nsxt.credentials=secret).", type: str}
          secret_namespace: {description: "C(secret-namespace) / C(secretNamespace).", type: str}
          vmc_access_token: {description: "C(vmc-access-token) / C(vmcAccessToken).", type: str}
          vmc_auth_host: {description: "C(vmc-auth-host) / C(vmcAuthHost), with a VMC token.", type: str}
          client_auth_cert_file: {description: "C(client-auth-cert-file) / C(clientAuthCertFile).", type: str}
          client_auth_key_file: {description: "C(client-auth-key-file) / C(clientAuthKeyFile).", type: str}
          ca_file: {description: "C(ca-file) / C(caFile).", type: str}
      route:
        description: C([Route]) / C(route) of the Routes interface through NSX-T (cpi_ini and cpi_yaml only).
        type: dict
        suboptions:
          router_path: {description: "C(router-path) / C(routerPath): the NSX-T tier-1 router's path.", type: str, required: true}
  format:
    description: What to render.
    type: str
    choices: [in_tree, cpi_ini, cpi_yaml, csi]
    required: true
  dest:
    description:
      - Write the file here (mode 0600, parent directories created), atomically - the new content goes to a temporary
        file created exclusively (never through an existing file or link) in the same directory, then renamed over
        O(dest).
      - A O(dest) that is a symbolic link is refused (nothing is written) - a file holding vCenter credentials is
        written only where it is named; give the link's target instead. So is a directory, or a path that cannot be
        written, with an error saying why.
    type: path
  secret:
    description: Write the file into this Secret (C(name), C(namespace), C(key)).
    type: dict
    suboptions:
      name: {description: "The Secret name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
      key: {description: "The data key.", type: str, required: true}
  configmap:
    description: Write the file into this ConfigMap; refused when the file holds credentials.
    type: dict
    suboptions:
      name: {description: "The ConfigMap name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
      key: {description: "The data key.", type: str, required: true}
  credentials_secret:
    description:
      - Also write the providers' credentials Secret (C(<server>.username), C(<server>.password)).
      - For a vCenter named by an IPv6 address (no Secret key can hold C(:)) the keys are the out-of-tree provider's
        other form, C(server_<id>), C(username_<id>), C(password_<id>), where C(<id>) is the address with C(-) for
        C(:); the in-tree provider has no such form, so it is refused there.
      - With O(config.nsxt.credentials=secret) and O(config.nsxt.user) and O(config.nsxt.password), also the NSX-T
        credentials Secret the file names (O(config.nsxt.secret_name) in O(config.nsxt.secret_namespace), keys
        C(username) and C(password)).
    type: dict
    suboptions:
      name: {description: "The Secret name.", type: str, required: true}
      namespace: {description: "Its namespace.", type: str, required: true}
  validate:
    description:
      - Log in to each vCenter and check the datacenters, datastore, folder and resource pool.
      - The login uses each vCenter's O(config.vcenters[].server), O(config.vcenters[].port), O(config.vcenters[].user),
        O(config.vcenters[].password), O(config.vcenters[].ca_file) and O(config.vcenters[].insecure) (or their
        O(config) defaults).
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.kubernetes.NESTED_OPTIONAL
attributes:
  check_mode:
    support: full
  diff_mode:
    support: partial
    details:
      - The file's diff shows the new content with passwords masked, and only C((absent)) or C((previous content))
        for what was there before (the old file may hold credentials); a ConfigMap or Secret is named as created or
        updated, not shown.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: The out-of-tree provider's config in the cluster, credentials in their own Secret
  vsphere_k8s.cloud_provider.cloud_config:
    format: cpi_yaml
    validate: true
    config:
      credentials: secret
      secret_name: vsphere-cloud-secret
      secret_namespace: kube-system
      vcenters:
        - {server: vcenter.example.com, user: k8s@vsphere.local, password: "{{ vault_pw }}", datacenters: [DC0]}
      labels: {zone: k8s-zone, region: k8s-region}
    configmap: {name: vsphere-cloud-config, namespace: kube-system, key: vsphere.conf}
    credentials_secret: {name: vsphere-cloud-secret, namespace: kube-system}
    kubernetes: {}

- name: The in-tree vsphere.conf on a node
  vsphere_k8s.cloud_provider.cloud_config:
    format: in_tree
    dest: /etc/kubernetes/vsphere.conf
    config: "{{ vsphere_config }}"
"""

RETURN = r"""
content:
  description: The rendered file, with passwords masked (as in the diff; no output or error holds a password).
  returned: always
  type: str
holds_credentials:
  description: Whether the file holds passwords.
  returned: always
  type: bool
validated:
  description: The vCenters checked (with validate).
  returned: always
  type: list
  elements: str
"""

import base64
import errno
import os
import stat
import tempfile

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.gcfg import GcfgError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.render import (
    ConfigError,
    credentials_secret_data,
    inline_credentials,
    name_problem,
    render_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.spec import (
    CONFIG,
    scrub,
    secret_forms,
    secrets_of,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._cloud_config.validate import (
    validate_config,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes import apply
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.argument_spec import (
    kubernetes_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule

TARGET = dict(name=dict(type="str", required=True), namespace=dict(type="str", required=True),
              key=dict(type="str", required=True, no_log=False))


def argument_spec():
    return dict(
        config=dict(type="dict", required=True, options=CONFIG),
        format=dict(type="str", required=True, choices=["in_tree", "cpi_ini", "cpi_yaml", "csi"]),
        dest=dict(type="path"),
        secret=dict(type="dict", options=TARGET, no_log=False),
        configmap=dict(type="dict", options=TARGET),
        credentials_secret=dict(type="dict", no_log=False, options=dict(
            name=dict(type="str", required=True), namespace=dict(type="str", required=True))),
        validate=dict(type="bool", default=False),
        kubernetes=dict(type="dict", options=kubernetes_argument_spec()),
    )


class Module(VsphereK8sModule):
    """AnsibleModule whose argument errors are all given: for a nested option Ansible's first error alone can be
    "dictionary requested, could not parse JSON or key=value", which names no option."""

    def fail_json(self, msg=None, **kwargs):  # pylint: disable=arguments-differ
        result = getattr(self, "validation_result", None)
        if result is not None and not getattr(self, "_started", False) and result.error_messages:
            msg = "; ".join(dict.fromkeys(result.error_messages))
        super().fail_json(msg=msg, **kwargs)


class WriteError(Exception):
    pass


def dest_problem(path):
    """Why dest cannot be written (before anything is), or None."""
    if not path or not path.strip():
        return "dest is empty: give a file path"
    if path.endswith(os.sep):
        return "dest %s ends with a slash: give a file path" % path
    if os.path.islink(path):
        return ("dest %s is a symbolic link: a file holding credentials is written only where it is named. Give "
                "the link's target (%s) as dest, or remove the link" % (path, os.path.realpath(path)))
    if os.path.isdir(path):
        return "dest %s is a directory: give the path of the file to write, such as %s" % (
            path, os.path.join(path, "vsphere.conf"))
    if os.path.exists(path) and not os.path.isfile(path):
        return "dest %s exists and is not a regular file" % path
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        return "dest %s is below %s, which is not a directory" % (path, parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return "dest %s cannot be written: directory %s is not writable by this user (become root?)" % (path, parent)
    return None


def read_current(path):
    """The current content of dest and whether its mode is 0600; (None, False) when absent."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        if e.errno == errno.ENOENT:
            return None, False
        raise WriteError("cannot read dest %s: %s" % (path, e.strerror or e))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise WriteError("dest %s is not a regular file" % path)
        return f.read().decode("utf-8", "replace"), (st.st_mode & 0o777) == 0o600


def write_file(path, content, check_mode):
    """Atomic, mode 0600, only when different. Returns (changed, before).

    The new content goes to a file created exclusively (mkstemp: O_CREAT|O_EXCL, mode 0600, a random name) in
    dest's directory, then is renamed over dest: nothing planted in the directory is opened or followed, and
    readers see the old file or the new one, never a part.
    """
    problem = dest_problem(path)
    if problem:
        raise WriteError(problem)
    before, mode_ok = read_current(path)
    if before == content and mode_ok:
        return False, before
    if check_mode:
        return True, before
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(content.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        # rename replaces dest itself: a link put there meanwhile is replaced, never followed.
        os.rename(tmp, path)
        tmp = None
    except OSError as e:
        raise WriteError("cannot write dest %s: %s" % (path, e.strerror or e))
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return True, before


def k8s_objects(p, content, holds):
    objs = []
    if p["secret"]:
        s = p["secret"]
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": s["name"], "namespace": s["namespace"]},
                     "data": {s["key"]: base64.b64encode(content.encode()).decode()}})
    if p["configmap"]:
        c = p["configmap"]
        objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": c["name"], "namespace": c["namespace"]},
                     "data": {c["key"]: content}})
    if p["credentials_secret"]:
        c = p["credentials_secret"]
        data = {k: base64.b64encode(v.encode()).decode()
                for k, v in credentials_secret_data(p["config"], p["format"]).items()}
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": c["name"], "namespace": c["namespace"]}, "data": data})
        nsxt = p["config"].get("nsxt") or {}
        if nsxt.get("credentials") == "secret" and nsxt.get("user") and nsxt.get("password") is not None:
            # The NSX-T credentials Secret the file names (pkg/nsxt: keys username and password).
            objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                         "metadata": {"name": nsxt["secret_name"], "namespace": nsxt["secret_namespace"]},
                         "data": {"username": base64.b64encode(nsxt["user"].encode()).decode(),
                                  "password": base64.b64encode(nsxt["password"].encode()).decode()}})
    return objs


def target_problems(p):
    """Kubernetes names of the targets, checked before anything is written."""
    problems = []
    for option in ("secret", "configmap", "credentials_secret"):
        t = p[option]
        if not t:
            continue
        problems.append(name_problem(t["name"], "%s.name" % option))
        problems.append(name_problem(t["namespace"], "%s.namespace" % option, "label"))
        if "key" in t:
            problems.append(name_problem(t["key"], "%s.key" % option, "key"))
    if p["credentials_secret"]:
        try:
            keys = credentials_secret_data(p["config"], p["format"])
        except ConfigError as e:
            return problems + [str(e).rstrip(".")]
        for key in keys:
            problems.append(name_problem(key, "credentials_secret key %s" % key, "key"))
    return [x for x in problems if x]


def render(module, fail):
    """(content, masked content, holds credentials, validated): every check made before anything is written."""
    p = module.params
    cfg, fmt = p["config"], p["format"]
    try:
        content = render_config(cfg, fmt)
        masked = render_config(cfg, fmt, mask=True)
    except (ConfigError, GcfgError) as e:
        fail("Nothing was written: %s" % e)
    module.no_log_values.add(base64.b64encode(content.encode("utf-8")).decode())
    holds = inline_credentials(cfg, fmt)
    problems = target_problems(p)
    if problems:
        fail("Nothing was written: %s." % "; ".join(problems))
    if p["configmap"] and holds:
        fail("Nothing was written: this %s file holds passwords, and a ConfigMap is readable by many; "
             "write it into a Secret, or use credentials: secret." % fmt)
    if (p["secret"] or p["configmap"] or p["credentials_secret"]) and p["kubernetes"] is None:
        fail("Writing into Kubernetes needs the kubernetes option ({} takes K8S_AUTH_*).")
    if p["dest"] is not None:
        problem = dest_problem(p["dest"])
        if problem:
            fail("Nothing was written: %s." % problem)
    validated = []
    if p["validate"]:
        problems, validated = validate_config(cfg, fmt)
        if problems:
            fail("Nothing was written: %s" % " ".join(problems), validated=validated)
    return content, masked, holds, validated


def write_dest(module, content, masked, diff, fail):
    """Write the file at dest (when given); returns whether it changed."""
    dest = module.params["dest"]
    if dest is None:
        return False
    try:
        file_changed, before = write_file(dest, content, module.check_mode)
    except WriteError as e:
        fail("Nothing was written: %s." % e)
    if file_changed:
        diff[0].append(("%s:\n%s" % (dest, "(absent)" if before is None else "(previous content)")))
        diff[1].append("%s:\n%s" % (dest, masked))
    return file_changed


def write_objects(module, objs, changed, diff, fail):
    """Apply the ConfigMap or Secrets; returns whether any changed. A failure says whether the file was written."""
    p = module.params
    try:
        for obj in objs:
            r = apply.ensure(module.kube, obj, module.check_mode)
            if r["changed"]:
                changed = True
                md = obj["metadata"]
                diff[1].append("%s %s/%s: %s" % (obj["kind"], md["namespace"], md["name"],
                                                 "updated" if r["before"] else "created"))
    except KubernetesError as e:
        fail("%s%s" % (str(e), " (the file at %s was written)" % p["dest"] if changed and p["dest"] else ""),
             changed=changed)
    return changed


def main():
    module = Module(argument_spec=argument_spec(), kubernetes="kubernetes", supports_check_mode=True)
    module._started = True  # pylint: disable=protected-access
    secrets = secrets_of(module.params["config"])
    for secret in secrets:
        # Every form a password can take in output (escaped, base64, one line of it) is masked by Ansible.
        module.no_log_values.update(secret_forms(secret))

    def fail(msg, **kw):
        module.fail_json(msg=scrub(msg, secrets), **kw)

    content, masked, holds, validated = render(module, fail)
    diff = ([], [])
    changed = write_dest(module, content, masked, diff, fail)
    objs = k8s_objects(module.params, content, holds)
    if objs:
        changed = write_objects(module, objs, changed, diff, fail)
    result = dict(changed=changed, content=masked, holds_credentials=holds, validated=validated)
    if module._diff and changed:
        result["diff"] = dict(before="\n".join(diff[0]) + "\n", after="\n".join(diff[1]) + "\n")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
