# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Idempotent server-side apply: a server-side dry run tells whether anything would change."""

from __future__ import annotations

import copy

VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid",
                     "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def normalize(obj):
    """The object without server bookkeeping and status, for comparing a before and an after."""
    if obj is None:
        return None
    out = copy.deepcopy(obj)
    out.pop("status", None)
    md = out.get("metadata", {})
    for key in VOLATILE_METADATA:
        md.pop(key, None)
    if not md.get("annotations"):
        md.pop("annotations", None)
    return out


_UNREAD = object()


def contains(live, desired):
    """Whether every field of desired has its value in live (lists item by item)."""
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(contains(live.get(k), v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(live) == len(desired) and all(
            contains(a, b) for a, b in zip(live, desired))
    return live == desired


def ensure(kube, desired, check_mode=False, current=_UNREAD):
    """Apply desired when it would change what is there.

    current: the live object when the caller has it already (from a LIST), None when it does not exist.
    An object that already holds every desired value costs no request; otherwise a server-side dry run
    decides, so defaults the server adds never count as changes. In check mode nothing is written.
    Returns dict(changed, before, after, object): before/after normalized, for diff mode.
    """
    md = desired["metadata"]
    before = kube.get(desired["kind"], md["name"], md.get("namespace")) if current is _UNREAD else current
    if before is not None and contains(before, desired):
        return dict(changed=False, before=normalize(before), after=normalize(before), object=before)
    preview = kube.apply(desired, dry_run=True)
    changed = normalize(before) != normalize(preview)
    after = preview
    if changed and not check_mode:
        after = kube.apply(desired)
    return dict(changed=changed, before=normalize(before), after=normalize(after), object=after)


def remove(kube, kind, name, namespace=None, check_mode=False):
    """Delete an object if it exists. Returns dict(changed, before)."""
    before = kube.get(kind, name, namespace)
    if before is None:
        return dict(changed=False, before=None)
    kube.delete(kind, name, namespace, dry_run=check_mode)
    return dict(changed=True, before=normalize(before))
