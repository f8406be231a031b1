# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Idempotent server-side apply: a server-side dry run tells whether anything would change."""

from __future__ import annotations

import copy
import re

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import KubernetesError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._kubernetes.client import FIELD_MANAGER

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


def _empty(value):
    return value is None or (not isinstance(value, bool) and value in ("", {}, []))


def contains(live, desired):
    """Whether every field of desired has its value in live (lists item by item).

    An empty map, list or string in desired matches a field the live object lacks: the API server drops them
    (omitempty), so they could never be read back. A non-empty live value still differs from an empty one.
    """
    if _empty(desired) and live is None:
        return True
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(contains(live.get(k), v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(live) == len(desired) and all(
            contains(a, b) for a, b in zip(live, desired))
    return live == desired


def _dropped(owned, desired):
    """Whether a field our manager owns (managedFields fieldsV1) is missing from desired: applying desired would
    remove it, so the object changes even when it holds every desired value."""
    if not isinstance(owned, dict):
        return False
    for key, sub in owned.items():
        if key.startswith("f:"):
            name = key[2:]
            if not isinstance(desired, dict) or name not in desired:
                return True
            if _dropped(sub, desired[name]):
                return True
        # "k:", "v:" and "i:" entries are list items: lists are compared whole by contains().
    return False


def owned_fields(live, manager=FIELD_MANAGER):
    """The fieldsV1 of live that manager applied, or None."""
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            return entry.get("fieldsV1")
    return None


def ensure(kube, desired, check_mode=False, current=_UNREAD):
    """Apply desired when it would change what is there.

    current: the live object when the caller has it already (from a LIST), None when it does not exist.
    An object that already holds every desired value, and no field this manager applied before that desired now
    leaves out (an apply would remove it), costs no request. An object that does not exist is created by one apply
    (it changes, whatever the server adds; in check mode a dry run gives what it would be). Otherwise a server-side
    dry run decides, so defaults the server adds never count as changes. In check mode nothing is written.
    Returns dict(changed, before, after, object): before/after normalized, for diff mode.
    """
    md = desired["metadata"]
    before = kube.get(desired["kind"], md["name"], md.get("namespace")) if current is _UNREAD else current
    if before is not None and contains(before, desired) and not _dropped(owned_fields(before), desired):
        return dict(changed=False, before=normalize(before), after=normalize(before), object=before)
    if before is None and not check_mode:
        after = kube.apply(desired)
        return dict(changed=True, before=None, after=normalize(after), object=after)
    try:
        preview = kube.apply(desired, dry_run=True)
    except KubernetesError as e:
        if not (check_mode and before is None and _namespace_missing(e, md.get("namespace"))):
            raise
        # Check mode on a fresh cluster: the object's namespace is created in a dry run too, so the server cannot
        # preview the object in it. It would be created: the object as given stands for what the server would make.
        return dict(changed=True, before=None, after=normalize(desired), object=desired)
    changed = normalize(before) != normalize(preview)
    after = preview
    if changed and not check_mode:
        after = kube.apply(desired)
    return dict(changed=changed, before=normalize(before), after=normalize(after), object=after)


def _namespace_missing(error, namespace):
    """Whether the server refused an object because its namespace does not exist (404 'namespaces "x" not found')."""
    return bool(namespace) and getattr(error, "status", None) == 404 and \
        ('namespaces "%s" not found' % namespace) in str(error)


def remove(kube, kind, name, namespace=None, check_mode=False, current=_UNREAD):
    """Delete an object if it exists. current: the live object when the caller has it already (from a LIST), None
    when it does not exist. Returns dict(changed, before)."""
    before = kube.get(kind, name, namespace) if current is _UNREAD else current
    if before is None:
        return dict(changed=False, before=None)
    kube.delete(kind, name, namespace, dry_run=check_mode)
    return dict(changed=True, before=normalize(before))


def _generate_name(name):
    """A generateName prefix for a throwaway dry-run copy of name (the server appends 5 characters)."""
    return re.sub(r"[^a-z0-9]+$", "", name[:50]) + "-"


class ReplaceError(Exception):
    """Replacing an object failed after the old one was deleted; restored tells whether it was put back."""

    def __init__(self, message, restored):
        super().__init__(message)
        self.restored = restored


def replace(kube, current, desired, check_mode=False):
    """Replace a cluster-scoped object whose immutable fields change: delete it and create desired.

    The new object is validated first by a server-side dry-run create under a generated name, so that a
    refused object (422) leaves the old one in place. If the create fails anyway after the delete, the old
    object is created again and ReplaceError says so. In check mode only the dry run is sent.
    Returns dict(changed, before, after, object) like ensure.
    """
    md = desired["metadata"]
    probe = copy.deepcopy(desired)
    probe["metadata"] = dict((k, v) for k, v in md.items() if k != "name")
    probe["metadata"]["generateName"] = _generate_name(md["name"])
    preview = kube.create(probe, dry_run=True)  # raises (e.g. 422) before anything is written
    preview = copy.deepcopy(preview) if isinstance(preview, dict) else copy.deepcopy(desired)
    preview.setdefault("metadata", {})
    preview["metadata"]["name"] = md["name"]
    preview["metadata"].pop("generateName", None)
    before = normalize(current)
    if check_mode:
        return dict(changed=True, before=before, after=normalize(preview), object=preview)
    kube.delete(desired["kind"], md["name"], md.get("namespace"))
    try:
        after = kube.apply(desired)
    except Exception as e:  # pylint: disable=broad-except
        old = normalize(current)
        try:
            kube.create(old)
        except Exception as restore_error:  # pylint: disable=broad-except
            raise ReplaceError("creating the new %s %s failed after the old one was deleted (%s), and restoring "
                               "the old one failed too (%s). Create it again from: %s" % (
                                   desired["kind"], md["name"], e, restore_error,
                                   old if desired["kind"] != "Secret" else "its former definition"), restored=False)
        raise ReplaceError("creating the new %s %s failed after the old one was deleted (%s); the old one was "
                           "restored unchanged. Fix the new definition and run again." % (
                               desired["kind"], md["name"], e), restored=True)
    return dict(changed=True, before=before, after=normalize(after), object=after)
