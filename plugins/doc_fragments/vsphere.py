# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.doc_fragments.kubernetes import nest


class ModuleDocFragment:
    # Matches plugins/module_utils/_vsphere/argument_spec.py: vsphere_argument_spec().
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - The vCenter host name or IP address.
      - Falls back to the environment variable E(VMWARE_HOST).
    type: str
    required: true
  port:
    description:
      - The vCenter HTTPS port.
      - Falls back to the environment variable E(VMWARE_PORT).
    type: int
    default: 443
  username:
    description:
      - The vCenter user, with its SSO domain, for example V(administrator@vsphere.local).
      - Falls back to the environment variable E(VMWARE_USER).
    type: str
    required: true
    aliases: [user]
  password:
    description:
      - The password of O(username). It is never logged nor returned.
      - Falls back to the environment variable E(VMWARE_PASSWORD).
    type: str
    required: true
    aliases: [pass, pwd]
  validate_certs:
    description:
      - Whether to verify the TLS certificate of vCenter.
      - Leave it on and use O(ca_bundle) for a vCenter signed by a private CA; turning it off exposes the
        credentials to whoever can intercept the connection.
      - Falls back to the environment variable E(VMWARE_VALIDATE_CERTS).
    type: bool
    default: true
  ca_bundle:
    description:
      - Path to a PEM file with the CA certificates that signed the certificate of vCenter.
      - Used only with O(validate_certs=true). Without it the system trust store is used.
      - Falls back to the environment variable E(VMWARE_CA_BUNDLE).
    type: path
  proxy_host:
    description:
      - An HTTP proxy to reach vCenter through (HTTP CONNECT).
      - Falls back to the environment variable E(VMWARE_PROXY_HOST).
    type: str
  proxy_port:
    description:
      - The port of O(proxy_host).
      - Falls back to the environment variable E(VMWARE_PROXY_PORT).
    type: int
  timeout:
    description:
      - Seconds to wait for vCenter to answer one request.
    type: int
    default: 120
  session_reuse:
    description:
      - Keep the vCenter session for the next tasks instead of logging out, so a play logs in once.
      - The session is kept in a file of the user's cache (C($XDG_CACHE_HOME/vsphere_k8s/sessions), else
        C(~/.cache/vsphere_k8s/sessions); the directory 0700, the file 0600) for this vCenter and user, and serves
        only the password that opened it, with vCenter's service content, so a task that finds it makes no
        request to resume it. vCenter checks it on the task's first call; a session it has dropped is replaced then
        by a new login and the call made again, and one unused for 10 minutes is logged out and replaced before use.
      - End the play with M(vsphere_k8s.cloud_provider.vcenter_session) O(vsphere_k8s.cloud_provider.vcenter_session#module:state=absent)
        to log it out; otherwise vCenter ends it after its own idle timeout (30 minutes by default), and
        it counts against vCenter's session limit until then.
      - Without it (the default) every task logs out the session it opened.
      - Falls back to the environment variable E(VMWARE_SESSION_REUSE).
    type: bool
    default: false
requirements:
  - pyvmomi >= 8.0.1.0
"""


ModuleDocFragment.NESTED = nest(ModuleDocFragment.DOCUMENTATION, "vcenter", [
    "How to reach vCenter, to check the objects against it. The keys are those of the vSphere modules of this",
    "collection, with the same E(VMWARE_*) environment fallbacks; V({}) takes them all from the environment.",
    "Without it nothing is checked against vSphere."])
