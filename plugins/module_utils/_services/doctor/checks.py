# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every area's checks, in the order of the report."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor import (
    addresses,
    capacity,
    config,
    nodes,
    readiness,
    storage_classes,
    volumes,
    zones,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._services.doctor.model import (
    SEVERITIES,
    summarize,
)

CHECKS = (
    ("nodes", nodes.check),
    ("readiness", readiness.check),
    ("addresses", addresses.check),
    ("zones", zones.check),
    ("config", config.check),
    ("storage_classes", storage_classes.check),
    ("volumes", volumes.check),
    ("capacity", None),  # over the other findings (orphans)
)
AREAS = tuple(a for a, _f in CHECKS)


def run_checks(snap, areas=None):
    """Findings of the chosen areas (default: all), errors first, then by area order and object."""
    findings = []
    for area, fn in CHECKS:
        if areas and area not in areas:
            continue
        findings.extend(fn(snap) if fn is not None else capacity.check(snap, findings))
    order = {a: i for i, a in enumerate(AREAS)}
    findings.sort(key=lambda f: (order.get(f.area, 99), SEVERITIES.index(f.severity), f.check,
                                 str(f.object.get("name"))))
    return findings, summarize(findings)
