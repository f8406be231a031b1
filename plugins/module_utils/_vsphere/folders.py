# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory folders: find a folder path, creating what is missing."""

from __future__ import annotations

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import split_path

try:
    from pyVmomi import vim
except ImportError:
    pass


def plan_folder(tree, spec, datacenter=None, kind="vm"):
    """(moid of the deepest existing folder, [names still to create], full path) for a folder path given as
    an inventory path (/DC0/vm/a/b) or relative to the datacenter's folder of that kind (a/b)."""
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
            return current, segs[i:], tree.path(current) + "/" + "/".join(segs)
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
