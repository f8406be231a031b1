# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage policies (SPBM) by name, through the PBM endpoint with the vCenter session."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.tls import side_channel_context

try:
    from pyVmomi import SoapStubAdapter, pbm
except ImportError:
    pass


def storage_policies(client):
    """{name: profile id} of the storage (requirement) profiles vCenter knows."""
    params = client.params
    session = client.session_id
    ctx = side_channel_context(params)
    stub = SoapStubAdapter(host=params["hostname"], port=params["port"], path="/pbm",
                           version="pbm.version.version11", sslContext=ctx,
                           requestContext={"vcSessionCookie": session},
                           httpConnectionTimeout=params.get("timeout") or None)
    content = pbm.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    pm = content.profileManager
    ids = pm.PbmQueryProfile(resourceType=pbm.profile.ResourceType(resourceType="STORAGE"),
                             profileCategory="REQUIREMENT")
    return {p.name: p.profileId.uniqueId for p in (pm.PbmRetrieveContent(profileIds=ids) if ids else [])}


def policy_id(client, name, cache=None):
    policies = storage_policies(client) if cache is None else cache
    if name not in policies:
        raise VsphereError("Storage policy '%s' does not exist. Existing policies: %s."
                           % (name, ", ".join(sorted(policies)) or "none"))
    return policies[name]
