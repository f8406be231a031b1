# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory folders: find a folder path, creating what is missing."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import split_path

try:
    from pyVmomi import vim
except ImportError:
    pass


MAX_NAME = 80  # vSphere inventory names have at most 80 characters


def path_problem(spec, allow_root=False):
    """What is wrong with an inventory path, or None. Refused: non-text, empty, backslashes, control characters,
    empty segments (a//b), and '.' or '..' segments - vSphere has no relative paths, and a folder called '..'
    is never what was meant. A trailing slash is allowed; with allow_root, '/' is the root folder."""
    if not isinstance(spec, str):
        return "an inventory path must be text, got %s" % type(spec).__name__
    text = spec.strip()
    if not text:
        return "an empty inventory path was given"
    if text == "/":
        return None if allow_root else "'/' is the root folder, not a folder path"
    if "\\" in text:
        return ("'%s' holds a backslash: inventory paths use '/' (a backslash in a name is written %%5c)"
                % text)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "%r holds a control character (a line break or tab, for example)" % text
    segs = text.split("/")
    if segs[0] == "":
        segs = segs[1:]
    if segs and segs[-1] == "":
        segs = segs[:-1]
    if any(s.strip() == "" for s in segs):
        return "'%s' has an empty segment (write each folder name once between slashes)" % text
    bad = [s for s in segs if s.strip() in (".", "..")]
    if bad:
        return "'%s' has a '%s' segment: inventory paths are never relative; give the full path" % (text, bad[0])
    return None


def check_path(spec, option, allow_root=False):
    """Raise VsphereError naming the option when the path is malformed (see path_problem)."""
    problem = path_problem(spec, allow_root)
    if problem:
        raise VsphereError("%s: %s. Nothing was changed." % (option, problem))


def plan_folder(tree, spec, datacenter=None, kind="vm"):
    """(moid of the deepest existing folder, [names still to create], full path) for a folder path given as
    an inventory path (/DC0/vm/a/b) or relative to the datacenter's folder of that kind (a/b).
    A malformed path (see path_problem) or a new name longer than vSphere allows raises VsphereError."""
    check_path(spec, "folder %r" % (spec,))
    segs = split_path(spec)
    if spec.strip().startswith("/"):
        if len(segs) < 2:
            raise VsphereError("'%s' is not a folder path: it needs /<datacenter>/%s/..." % (spec, kind))
        datacenter = tree.datacenter("/" + segs[0])
        if segs[1] != kind:
            raise VsphereError("'%s' is not below the %s folder of datacenter %s." % (spec, kind, segs[0]))
        segs = segs[2:]
    elif datacenter is None:
        datacenter = tree.datacenter()
    current = tree.dc_folder(datacenter, kind)
    for i, name in enumerate(segs):
        child = [m for m, n in tree.nodes.items() if n["parent"] == current and n["name"] == name
                 and isinstance(n["obj"], vim.Folder)]
        if not child:
            long_names = [n for n in segs[i:] if len(n) > MAX_NAME]
            if long_names:
                raise VsphereError("Folder name '%s...' has %d characters; vSphere allows at most %d. Nothing was "
                                   "changed." % (long_names[0][:40], len(long_names[0]), MAX_NAME))
            return current, segs[i:], tree.path(current) + "/" + "/".join(segs[i:])
        current = child[0]
    return current, [], tree.path(current)


def ensure_folder(tree, spec, datacenter=None, kind="vm", check_mode=False):
    """The folder object (None in check mode when it would be created) and the paths created."""
    parent, missing = plan_folder(tree, spec, datacenter, kind)[:2]
    folder = tree.get(parent)["obj"]
    base = tree.path(parent)
    created = [base + "/" + "/".join(missing[:i + 1]) for i in range(len(missing))]
    if not missing or check_mode:
        return (None if missing else folder), created
    for name in missing:
        try:
            folder = folder.CreateFolder(name)
        except vim.fault.DuplicateName as e:
            folder = e.object
    return folder, created
