# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pyvmomi values to plain JSON-able data."""

from __future__ import annotations

import datetime

try:
    from pyVmomi.VmomiSupport import DataObject, ManagedObject
except ImportError:
    pass


def to_data(value, depth=0):
    """Data objects become dicts, managed objects their moid, lists stay lists."""
    if depth > 12:
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, ManagedObject):
        return value._moId
    if isinstance(value, DataObject):
        out = {}
        for prop in value._GetPropertyList():
            v = getattr(value, prop.name, None)
            if v is not None and v != []:
                out[prop.name] = to_data(v, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [to_data(v, depth + 1) for v in value]
    if isinstance(value, type):
        return value.__name__
    return str(value)
