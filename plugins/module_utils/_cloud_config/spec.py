# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of a cloud config, shared by the cloud_config module and filter: every key typed, every
secret no_log, nothing unknown dropped silently. And the scrubbing of secrets from any text that leaves."""

from __future__ import annotations

import base64
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import MASK

VCENTER = dict(server=dict(type="str", required=True), port=dict(type="int"), user=dict(type="str"),
               password=dict(type="str", no_log=True), datacenters=dict(type="list", elements="str"),
               thumbprint=dict(type="str"), ca_file=dict(type="str"), insecure=dict(type="bool"),
               soap_roundtrip_count=dict(type="int"),
               ip_family=dict(type="list", elements="str", choices=["ipv4", "ipv6"]),
               target_vsan_file_share_clusters=dict(type="list", elements="str"),
               migration_datastore_url=dict(type="str"))
WORKSPACE = dict(server=dict(type="str"), datacenter=dict(type="str"), folder=dict(type="str"),
                 default_datastore=dict(type="str"), resourcepool_path=dict(type="str"))
LABELS = dict(zone=dict(type="str"), region=dict(type="str"))
NODES = dict((key, dict(type="list", elements="str")) for key in (
    "internal_network_subnet_cidr", "external_network_subnet_cidr", "internal_vm_network_name",
    "external_vm_network_name", "exclude_internal_network_subnet_cidr", "exclude_external_network_subnet_cidr"))
# The in-tree provider compares the type exactly (vclib.CheckControllerSupported): no other spelling works.
DISK = dict(scsicontrollertype=dict(type="str", choices=["pvscsi", "lsiLogic-sas", "lsiLogic"]))
NETWORK = dict(public_network=dict(type="str"))
# The CSI driver's [Global] intervals and limits: (option, key). 0 means the driver's default, so it is left out.
CSI_GLOBAL_INTS = (
    ("cnsregistervolumes_cleanup_intervalinmin", "cnsregistervolumes-cleanup-intervalinmin"),
    ("cnspvcprotection_cleanup_intervalinmin", "cnspvcprotection-cleanup-intervalinmin"),
    ("volumemigration_cr_cleanup_intervalinmin", "volumemigration-cr-cleanup-intervalinmin"),
    ("csi_auth_check_intervalinmin", "csi-auth-check-intervalinmin"),
    ("cnsvolumeoperationrequest_cleanup_intervalinmin", "cnsvolumeoperationrequest-cleanup-intervalinmin"),
    ("csi_fetch_preferred_datastores_intervalinmin", "csi-fetch-preferred-datastores-intervalinmin"),
    ("query_limit", "query-limit"),
    ("list_volume_threshold", "list-volume-threshold"),
)
CSI_SNAPSHOT_KEYS = (
    ("global_max_snapshots_per_block_volume", "global-max-snapshots-per-block-volume"),
    ("granular_max_snapshots_per_block_volume_vsan", "granular-max-snapshots-per-block-volume-vsan"),
    ("granular_max_snapshots_per_block_volume_vvol", "granular-max-snapshots-per-block-volume-vvol"),
)
NET_PERMISSION = dict(name=dict(type="str", required=True), ips=dict(type="str"),
                      permissions=dict(type="str", choices=["READ_WRITE", "READ_ONLY", "NO_ACCESS"]),
                      rootsquash=dict(type="bool"))
TOPOLOGY_CATEGORY = dict(category=dict(type="str", required=True), label=dict(type="str", required=True))
CSI = dict(topology_categories=dict(type="list", elements="str"), migration_datastore_url=dict(type="str"),
           supervisor_id=dict(type="str"), cluster_distribution=dict(type="str"),
           net_permissions=dict(type="list", elements="dict", options=NET_PERMISSION),
           topology_category_labels=dict(type="list", elements="dict", options=TOPOLOGY_CATEGORY),
           snapshot=dict(type="dict", options=dict((k, dict(type="int")) for k, _key in CSI_SNAPSHOT_KEYS)),
           **dict((k, dict(type="int")) for k, _key in CSI_GLOBAL_INTS))
# The out-of-tree provider's Load Balancer and Routes interfaces, through NSX-T (k8s.io/cloud-provider-vsphere
# v1.36.0 pkg/cloudprovider/vsphere/loadbalancer/config, pkg/nsxt/config, pkg/cloudprovider/vsphere/route/config):
# (option, INI key, YAML key).
LB_CLASS_KEYS = (
    ("ip_pool_name", "ip-pool-name", "ipPoolName"),
    ("ip_pool_id", "ip-pool-id", "ipPoolId"),
    ("tcp_app_profile_name", "tcp-app-profile-name", "tcpAppProfileName"),
    ("tcp_app_profile_path", "tcp-app-profile-path", "tcpAppProfilePath"),
    ("udp_app_profile_name", "udp-app-profile-name", "udpAppProfileName"),
    ("udp_app_profile_path", "udp-app-profile-path", "udpAppProfilePath"),
)
LB_KEYS = (
    ("size", "size", "size"),
    ("lb_service_id", "lb-service-id", "lbServiceId"),
    ("tier1_gateway_path", "tier1-gateway-path", "tier1GatewayPath"),
    ("snat_disabled", "snat-disabled", "snatDisabled"),
)
# loadbalancer/config/consts_and_errors.go LoadBalancerSizes (the NSX-T model's LBService_SIZE_*).
LB_SIZES = ["SMALL", "MEDIUM", "LARGE", "XLARGE", "DLB"]
NSXT_KEYS = (
    ("host", "host", "host"),
    ("user", "user", "user"),
    ("password", "password", "password"),
    ("insecure", "insecure-flag", "insecureFlag"),
    ("remote_auth", "remote-auth", "remoteAuth"),
    ("secret_name", "secret-name", "secretName"),
    ("secret_namespace", "secret-namespace", "secretNamespace"),
    ("vmc_access_token", "vmc-access-token", "vmcAccessToken"),
    ("vmc_auth_host", "vmc-auth-host", "vmcAuthHost"),
    ("client_auth_cert_file", "client-auth-cert-file", "clientAuthCertFile"),
    ("client_auth_key_file", "client-auth-key-file", "clientAuthKeyFile"),
    ("ca_file", "ca-file", "caFile"),
)
LB_CLASS_OPTIONS = dict((k, dict(type="str")) for k, _ini, _yaml in LB_CLASS_KEYS)
LOAD_BALANCER = dict(size=dict(type="str", choices=LB_SIZES), lb_service_id=dict(type="str"),
                     tier1_gateway_path=dict(type="str"), snat_disabled=dict(type="bool"),
                     tags=dict(type="dict"), **LB_CLASS_OPTIONS)
LOAD_BALANCER_CLASS = dict(name=dict(type="str", required=True), **LB_CLASS_OPTIONS)
NSXT = dict(host=dict(type="str"), credentials=dict(type="str", choices=["inline", "secret"], default="inline"),
            user=dict(type="str"), password=dict(type="str", no_log=True), insecure=dict(type="bool"),
            remote_auth=dict(type="bool"), secret_name=dict(type="str", no_log=False),
            secret_namespace=dict(type="str", no_log=False), vmc_access_token=dict(type="str", no_log=True),
            vmc_auth_host=dict(type="str"), client_auth_cert_file=dict(type="str"),
            client_auth_key_file=dict(type="str", no_log=False), ca_file=dict(type="str"))
ROUTE = dict(router_path=dict(type="str", required=True))
CONFIG = dict(
    vcenters=dict(type="list", elements="dict", options=VCENTER, required=True),
    credentials=dict(type="str", choices=["inline", "secret"], default="inline"),
    secret_name=dict(type="str", no_log=False), secret_namespace=dict(type="str", no_log=False),
    port=dict(type="int"), insecure=dict(type="bool"), ca_file=dict(type="str"), thumbprint=dict(type="str"),
    soap_roundtrip_count=dict(type="int"), ip_family=dict(type="list", elements="str", choices=["ipv4", "ipv6"]),
    secrets_directory=dict(type="str", no_log=False), api_disable=dict(type="bool"), api_binding=dict(type="str"),
    cluster_id=dict(type="str"),
    workspace=dict(type="dict", options=WORKSPACE), labels=dict(type="dict", options=LABELS),
    nodes=dict(type="dict", options=NODES), disk=dict(type="dict", options=DISK),
    network=dict(type="dict", options=NETWORK), csi=dict(type="dict", options=CSI),
    load_balancer=dict(type="dict", options=LOAD_BALANCER),
    load_balancer_classes=dict(type="list", elements="dict", options=LOAD_BALANCER_CLASS),
    nsxt=dict(type="dict", options=NSXT), route=dict(type="dict", options=ROUTE),
)
SECRET_KEYS = ("password",)
NSXT_SECRET_KEYS = ("password", "vmc_access_token")


def secrets_of(config):
    """Every secret a config holds (the vCenter and NSX-T passwords, the VMC access token), as given. Tolerates any shape."""
    out = set()
    vcs = config.get("vcenters") if isinstance(config, dict) else None
    for vc in vcs if isinstance(vcs, list) else []:
        if isinstance(vc, dict):
            for key in SECRET_KEYS:
                if vc.get(key) not in (None, ""):
                    out.add(str(vc[key]))
    nsxt = config.get("nsxt") if isinstance(config, dict) else None
    for key in NSXT_SECRET_KEYS if isinstance(nsxt, dict) else ():
        if nsxt.get(key) not in (None, ""):
            out.add(str(nsxt[key]))
    return out


def secret_forms(secret):
    """The ways a secret can show up in text: as is, escaped (repr, JSON, gcfg), base64, line by line."""
    forms = {secret, repr(secret)[1:-1], secret.replace("\\", "\\\\").replace('"', '\\"'),
             base64.b64encode(secret.encode("utf-8")).decode()}
    forms.update(part for part in re.split(r"[\r\n]+", secret) if len(part) >= 3)
    return {f for f in forms if f}


def scrub(text, secrets):
    """text with every form of every secret replaced by the mask (longest first)."""
    text = "%s" % (text,)
    forms = set()
    for s in secrets or ():
        forms |= secret_forms(s)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def check_config(config):
    """(validated config, errors): the same checks the module's argument spec makes, for the filter. Errors are
    scrubbed of the config's secrets."""
    if not isinstance(config, dict):
        return None, ["the configuration must be a dictionary, got %s" % type(config).__name__]
    result = ArgumentSpecValidator(CONFIG).validate(dict(config))
    secrets = secrets_of(config) | {str(v) for v in result._no_log_values}  # pylint: disable=protected-access
    errors = [scrub(msg, secrets) for msg in result.error_messages]
    return (None if errors else result.validated_parameters), errors
