# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes Node objects as the vSphere cloud provider sees them."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._constants import (
    LEGACY_REGION_LABEL,
    LEGACY_ZONE_LABEL,
    REGION_LABEL,
    ZONE_LABEL,
)

UNINITIALIZED_TAINT = "node.cloudprovider.kubernetes.io/uninitialized"


def node_summary(node):
    md, spec, status = node.get("metadata", {}), node.get("spec", {}), node.get("status", {})
    labels = md.get("labels") or {}
    return dict(
        name=md.get("name"),
        provider_id=spec.get("providerID") or "",
        system_uuid=(status.get("nodeInfo") or {}).get("systemUUID") or "",
        addresses=status.get("addresses") or [],
        zone=labels.get(ZONE_LABEL) or labels.get(LEGACY_ZONE_LABEL),
        region=labels.get(REGION_LABEL) or labels.get(LEGACY_REGION_LABEL),
        uninitialized=any(t.get("key") == UNINITIALIZED_TAINT for t in spec.get("taints") or []),
        labels=labels,
    )
