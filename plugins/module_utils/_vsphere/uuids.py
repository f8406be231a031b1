# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIOS UUIDs in every form users meet, and provider IDs."""

from __future__ import annotations

import re

PROVIDER_PREFIX = "vsphere://"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _dashed(hex32):
    return "%s-%s-%s-%s-%s" % (hex32[:8], hex32[8:12], hex32[12:16], hex32[16:20], hex32[20:])


def normalize_uuid(value):
    """Canonical lower-case 8-4-4-4-12 form of a BIOS UUID given as any of:

    - 4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01 (any case, with or without dashes or braces)
    - VMware-42 18 e0 a2 6b 1c 4c 5d-9e 7f 0a 1b 2c 3d 4e 01 (/sys/class/dmi/id/product_serial)
    - vsphere://4218E0A2-... (a Kubernetes providerID)

    Returns None when the value is not a UUID.
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    if text.startswith(PROVIDER_PREFIX):
        text = text[len(PROVIDER_PREFIX):]
    if text.startswith("vmware-"):
        text = text[len("vmware-"):]
    hex32 = re.sub(r"[\s{}\-]", "", text)
    if not _HEX32.match(hex32):
        return None
    return _dashed(hex32)


def byte_swap(uuid):
    """Swap the byte order of the first three groups: how older hardware versions report product_uuid
    (56492e42-... for 422e4956-...). Applying it twice gives the UUID back."""
    u = normalize_uuid(uuid)
    if u is None:
        return None
    a, b, c, rest = u[:8], u[9:13], u[14:18], u[19:]

    def rev(group):
        return "".join(reversed([group[i:i + 2] for i in range(0, len(group), 2)]))

    return "%s-%s-%s-%s" % (rev(a), rev(b), rev(c), rest)


def provider_id(uuid):
    """The providerID the out-of-tree cloud provider sets: vsphere://<lower-case BIOS UUID>."""
    u = normalize_uuid(uuid)
    return PROVIDER_PREFIX + u if u else None


def uuid_from_provider_id(value):
    text = (value or "").strip()
    if not text.lower().startswith(PROVIDER_PREFIX):
        return None
    return normalize_uuid(text)
