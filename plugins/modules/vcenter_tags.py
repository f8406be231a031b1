#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vcenter_tags
short_description: Zone and region tag categories, tags, and the objects they are attached to
version_added: 0.1.0
description:
  - Ensures tag categories (such as the C([Labels] zone) and C(region) categories of the cloud provider), their tags,
    and that each tag is attached to the given inventory objects (clusters, hosts, datacenters).
  - Adds what is missing; never detaches or deletes.
  - Every item of O(categories) and O(tags) is checked first (choices, types, unknown keys, empty names, malformed
    or unknown inventory paths, unknown categories); an error names the item and nothing is changed.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  categories:
    description: Tag categories.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: The category name (not empty)., type: str, required: true}
      cardinality: {description: How many tags of the category one object may carry., type: str, choices: [SINGLE, MULTIPLE], default: SINGLE}
      associable_types:
        description: Object types the category's tags may be attached to; empty for all.
        type: list
        elements: str
        default: []
        choices: [ClusterComputeResource, Datacenter, Datastore, StoragePod, DistributedVirtualPortgroup,
                  DistributedVirtualSwitch, VmwareDistributedVirtualSwitch, Folder, HostSystem, Network,
                  HostNetwork, OpaqueNetwork, ResourcePool, VirtualApp, VirtualMachine, com.vmware.content.Library,
                  com.vmware.content.library.Item]
  tags:
    description: Tags and where they are attached.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: The tag name (not empty)., type: str, required: true}
      category: {description: Its category (created by O(categories) or existing)., type: str, required: true}
      attach_to:
        description: Inventory paths of the objects that carry the tag, such as V(/DC0/host/zone-a).
        type: list
        elements: str
        default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
attributes:
  check_mode:
    support: full
  diff_mode:
    support: partial
    details:
      - The diff lists the categories and tags created and the attachments made; it shows no before state.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Zones on clusters, the region on the datacenter
  vsphere_k8s.cloud_provider.vcenter_tags:
    categories:
      - {name: k8s-zone}
      - {name: k8s-region}
    tags:
      - {name: zone-a, category: k8s-zone, attach_to: [/DC0/host/zone-a]}
      - {name: region-1, category: k8s-region, attach_to: [/DC0]}
"""

RETURN = r"""
changes:
  description: What was (or would be) created or attached.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._items import item_label, validate_items
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import path_problem
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import (
    InventoryTree,
    split_path,
)


ASSOCIABLE_TYPES = ["ClusterComputeResource", "Datacenter", "Datastore", "StoragePod", "DistributedVirtualPortgroup",
                    "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch", "Folder", "HostSystem", "Network",
                    "HostNetwork", "OpaqueNetwork", "ResourcePool", "VirtualApp", "VirtualMachine",
                    "com.vmware.content.Library", "com.vmware.content.library.Item"]
CATEGORY = dict(name=dict(type="str", required=True),
                cardinality=dict(type="str", choices=["SINGLE", "MULTIPLE"], default="SINGLE"),
                associable_types=dict(type="list", elements="str", default=[], choices=ASSOCIABLE_TYPES))
TAG = dict(name=dict(type="str", required=True), category=dict(type="str", required=True),
           attach_to=dict(type="list", elements="str", default=[]))


def _key(path):
    return "/" + "/".join(split_path(path))


def check_items(p):
    """(categories, tags, errors): every item through its argument spec, then names and paths. Pure."""
    cats, errors = validate_items(p.get("categories"), CATEGORY, option="categories", label=item_label("name"))
    tags, tag_errors = validate_items(p.get("tags"), TAG, option="tags", label=item_label("name"))
    errors += tag_errors
    for option, items, keys in (("categories", cats, ("name",)), ("tags", tags, ("name", "category"))):
        for i, item in enumerate(items):
            for key in keys:
                if not item[key].strip():
                    errors.append("%s[%d]: %s is empty" % (option, i, key))
                elif item[key] != item[key].strip() or any(ord(c) < 32 for c in item[key]):
                    errors.append("%s[%d]: %s %r has leading or trailing spaces or control characters"
                                  % (option, i, key, item[key]))
    seen = {}
    for i, c in enumerate(cats):
        if c["name"] in seen and seen[c["name"]] != c:
            errors.append("categories[%d] (%s): given twice with different settings" % (i, c["name"]))
        seen[c["name"]] = c
    for i, t in enumerate(tags):
        for path in t["attach_to"]:
            problem = path_problem(path)
            if problem:
                errors.append("tags[%d] (%s): attach_to: %s" % (i, t["name"], problem))
    return cats, tags, errors


class Writer:
    """Each change through one place: a failure after a change says what was already done, with changed: true
    (a failure before any change is left to vsphere_errors)."""

    def __init__(self, module):
        self.module, self.done = module, []

    def __call__(self, what, call, *args):
        try:
            out = call(*args)
        except VsphereError as e:
            self.fail(what, e)
        self.done.append(what)
        return out

    def fail(self, what, e):
        self.module.fail_json(msg="%s failed: %s %s" % (what, e, (
            "Already done: %s." % "; ".join(self.done)) if self.done else "Nothing was changed."),
            changed=bool(self.done), changes=self.done)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.done and isinstance(exc, (VsphereError, OSError)):
            self.fail("managing tags", exc)
        return False


def resolve_targets(tree, tags):
    """{normalized path: object} of every attach_to path; raises naming every path that is not in the inventory."""
    targets, missing = {}, []
    for t in tags:
        for path in t["attach_to"]:
            obj = tree.at_path(path)
            if obj is None:
                missing.append(path)
            else:
                targets[_key(path)] = obj
    if missing:
        raise VsphereError("No inventory object at %s (give full paths, such as /DC0/host/DC0_C0). Nothing was "
                           "changed." % ", ".join(sorted(set(missing))))
    return targets


def ensure_categories(module, rest, categories, tags, write, changes):
    """{name: category} with the categories asked for created (an id of None: would be, in check mode)."""
    cats = rest.categories()
    unknown = sorted({t["category"] for t in tags} - set(cats) - {c["name"] for c in categories})
    if unknown:
        raise VsphereError("Tag categories %s do not exist and are not in categories. Nothing was changed."
                           % ", ".join(unknown))
    for c in categories:
        if c["name"] not in cats:
            changes.append("category %s created" % c["name"])
            cats[c["name"]] = {"id": None if module.check_mode else write(
                "category %s created" % c["name"], rest.create_category, c["name"], c["cardinality"],
                c["associable_types"]), "name": c["name"]}
    return cats


def ensure_tags(module, rest, tags, cats, targets, write, changes):
    """Create the tags that are missing and attach each to its objects (one read of the attachments)."""
    attached = rest.attached_tag_ids(list(targets.values()))
    tags_of = {}
    for t in tags:
        cat = cats[t["category"]]
        if cat["id"] not in tags_of:
            tags_of[cat["id"]] = rest.tags_in(cat["id"]) if cat["id"] else {}
        tag = tags_of[cat["id"]].get(t["name"])
        tag_id = tag["id"] if tag else None
        if tag is None:
            changes.append("tag %s/%s created" % (t["category"], t["name"]))
            if not module.check_mode:
                tag_id = write("tag %s/%s created" % (t["category"], t["name"]), rest.create_tag, t["name"],
                               cat["id"])
                tags_of[cat["id"]][t["name"]] = {"id": tag_id, "name": t["name"]}
        for path in t["attach_to"]:
            obj = targets[_key(path)]
            if tag_id is None or tag_id not in attached.get(obj._moId, set()):
                changes.append("tag %s/%s attached to %s" % (t["category"], t["name"], path))
                if not module.check_mode:
                    write("tag %s/%s attached to %s" % (t["category"], t["name"], path), rest.attach, tag_id, obj)
                    attached.setdefault(obj._moId, set()).add(tag_id)


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            # Items are checked by validate_items with CATEGORY and TAG (see check_items).
            categories=dict(type="list", elements="dict", default=[]),
            tags=dict(type="list", elements="dict", default=[]),
        ),
        vsphere=True, supports_check_mode=True,
    )
    changes = []
    write = Writer(module)
    categories, tags, errors = check_items(module.params)
    if errors:
        module.fail_json(msg="Invalid categories or tags, nothing was changed: %s" % "; ".join(errors))
    with module.errors("managing tags"), write:
        targets = resolve_targets(InventoryTree(module.vsphere).fetch(), tags)
        rest = module.vsphere.rest()
        cats = ensure_categories(module, rest, categories, tags, write, changes)
        ensure_tags(module, rest, tags, cats, targets, write, changes)
    result = dict(changed=bool(changes), changes=changes)
    if module._diff and changes:
        result["diff"] = dict(before="", after="\n".join(changes) + "\n")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
