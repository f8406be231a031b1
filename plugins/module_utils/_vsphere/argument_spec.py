# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere connection options, shared by every vSphere module (doc fragment: vsphere)."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback


def vsphere_argument_spec(**extra):
    """Return the connection argument spec, merged with a module's own options."""
    spec = dict(
        hostname=dict(type="str", required=True, fallback=(env_fallback, ["VMWARE_HOST"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        username=dict(type="str", required=True, aliases=["user"], fallback=(env_fallback, ["VMWARE_USER"])),
        password=dict(type="str", required=True, aliases=["pass", "pwd"], no_log=True,
                      fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        ca_bundle=dict(type="path", fallback=(env_fallback, ["VMWARE_CA_BUNDLE"])),
        proxy_host=dict(type="str", fallback=(env_fallback, ["VMWARE_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["VMWARE_PROXY_PORT"])),
        timeout=dict(type="int", default=120),
        session_reuse=dict(type="bool", default=False, fallback=(env_fallback, ["VMWARE_SESSION_REUSE"])),
    )
    spec.update(extra)
    return spec
