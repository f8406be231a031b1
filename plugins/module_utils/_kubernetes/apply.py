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


def ensure(kube, desired, check_mode=False):
    """Apply desired when the dry run differs from what is there.

    Returns dict(changed, before, after): before/after normalized, for diff mode. In check mode and when
    nothing changes, the only requests are a GET and a dry-run PATCH: nothing is written.
    """
    md = desired["metadata"]
    before = kube.get(desired["kind"], md["name"], md.get("namespace"))
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
