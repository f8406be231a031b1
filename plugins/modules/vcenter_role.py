#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vcenter_role
short_description: A vCenter role with exactly the given privileges, and the permissions that grant it
version_added: 0.1.0
description:
  - Creates or updates a role so that it holds the given privileges (vCenter always adds C(System.Anonymous),
    C(System.View) and C(System.Read)), and grants it to a user or group on inventory objects.
  - Unknown privilege ids and inventory paths are errors before anything changes.
  - vCenter's system roles (C(Admin), C(ReadOnly), C(NoAccess), C(Anonymous), C(View), and any role vCenter marks as
    a system role) are never removed or changed; they can be granted with O(permissions) or O(entities) when
    O(privileges) is left empty (or equals their privileges).
  - Used by the C(vcenter_prereqs) role for the least-privilege roles of the vSphere cloud provider and CSI driver.
author:
  - vsphere_k8s developers (@vsphere-k8s)
options:
  name:
    description: The role name.
    type: str
    required: true
  privileges:
    description: The privilege ids, such as V(Datastore.AllocateSpace).
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present), or V(absent) to remove the role (and its permissions).
      - A system role is never removed - V(absent) for one is an error and nothing is changed.
    type: str
    choices: [present, absent]
    default: present
  permissions:
    description:
      - Where the role is granted. Each item is checked (types, unknown keys, required keys) before anything
        changes; an error names the item.
      - O(principal), O(group) and O(propagate) given at the task level are the defaults of every item.
    type: list
    elements: dict
    default: []
    suboptions:
      entity:
        description: The inventory path of the object, V(/) for the root folder (vCenter itself).
        type: str
        required: true
      principal:
        description: The user or group, with its domain. Required unless O(principal) is given.
        type: str
      group:
        description: Whether the principal is a group. Defaults to O(group).
        type: bool
      propagate:
        description: Whether the permission applies to the object's children. Defaults to O(propagate).
        type: bool
  principal:
    description:
      - The user or group the role is granted to on O(entities) (a shorter form of O(permissions)), and the
        principal of every O(permissions) item that names none.
    type: str
  entities:
    description: Inventory paths the role is granted on for O(principal), with O(propagate) and O(group).
    type: list
    elements: str
    default: []
  propagate:
    description: Whether the permissions of O(entities) (and of O(permissions) items that do not say) apply to the
      objects' children.
    type: bool
    default: true
  group:
    description: Whether O(principal) (and the principal of O(permissions) items that do not say) is a group.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vsphere_k8s.cloud_provider.vsphere
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: The CSI driver's datastore role, granted on a datastore
  vsphere_k8s.cloud_provider.vcenter_role:
    name: manage-k8s-volumes
    privileges: [Datastore.AllocateSpace, Datastore.FileManagement]
    permissions:
      - {entity: /DC0/datastore/LocalDS_0, principal: "VSPHERE.LOCAL\\k8s-csi", propagate: false}

- name: One principal for several objects, one of them not propagating
  vsphere_k8s.cloud_provider.vcenter_role:
    name: manage-k8s-node-vms
    privileges: [VirtualMachine.Config.AddExistingDisk, VirtualMachine.Config.RemoveDisk]
    principal: k8s-cpi@vsphere.local
    permissions:
      - {entity: /DC0/host/DC0_C0}
      - {entity: /DC0/vm/kubernetes, propagate: false}

- name: Grant the system role ReadOnly (system roles are granted, never changed or removed)
  vsphere_k8s.cloud_provider.vcenter_role:
    name: ReadOnly
    principal: k8s-cpi@vsphere.local
    entities: [/DC0/datastore/DatastoreCluster]
"""

RETURN = r"""
role_id:
  description: The role id.
  returned: when present
  type: int
privileges:
  description: The role's privileges afterwards (with the System ones vCenter adds).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._errors import VsphereError, fault_message
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._items import item_label, validate_items
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._module import VsphereK8sModule
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.folders import path_problem
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import (
    InventoryTree,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect_objects

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass

SYSTEM = {"System.Anonymous", "System.View", "System.Read"}
SYSTEM_ROLES = ("Admin", "ReadOnly", "NoAccess", "Anonymous", "View")
PERMISSION = dict(entity=dict(type="str", required=True), principal=dict(type="str", required=True),
                  group=dict(type="bool", default=False), propagate=dict(type="bool", default=True))


def is_system_role(role):
    """vCenter's own roles: marked system, or a negative id (Admin -1, ReadOnly -2, View -3, Anonymous -4,
    NoAccess -5), or one of their names."""
    return bool(getattr(role, "system", False)) or (role.roleId is not None and role.roleId < 0) or \
        role.name in SYSTEM_ROLES


def permission_items(p, no_log_values=None):
    """The permissions to grant: O(permissions) items with the task's principal, group and propagate as their
    defaults, then one per O(entities). Returns (items, errors naming the item)."""
    base = dict(principal=p.get("principal"), group=p.get("group"), propagate=p.get("propagate"))
    items, errors = validate_items(p.get("permissions"), PERMISSION, base=base, option="permissions",
                                   label=item_label("entity"), no_log_values=no_log_values)
    for i, x in enumerate(items):
        if not (x["principal"] or "").strip():
            errors.append("permissions[%d] (%s): principal is empty" % (i, x["entity"]))
    items += [dict(entity=e, principal=p["principal"], group=p["group"], propagate=p["propagate"])
              for e in p.get("entities") or []]
    for where, x in [("entity %s" % x["entity"], x) for x in items]:
        problem = path_problem(x["entity"], allow_root=True)
        if problem:
            errors.append("%s: %s" % (where, problem))
    return items, errors


class Writer:
    """Each change to vCenter through one place: a vCenter fault after a change says what was already done, with
    changed: true (a failure before any change, or a broken connection, is left to vsphere_errors)."""

    def __init__(self, module):
        self.module, self.done = module, []

    def __call__(self, what, call, **kwargs):
        try:
            out = call(**kwargs)
        except (vmodl.MethodFault, VsphereError) as e:
            self.fail(what, e)
        self.done.append(what)
        return out

    def fail(self, what, e):
        reason = str(e) if not isinstance(e, vmodl.MethodFault) else "%s: %s" % (
            type(e).__name__.split(".")[-1], fault_message(e))
        self.module.fail_json(msg="%s failed: %s. %s" % (what, reason.rstrip("."), (
            "Already done: %s." % "; ".join(self.done)) if self.done else "Nothing was changed."),
            changed=bool(self.done), done=self.done)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # A broken connection is left to vsphere_errors: it says where, what the client changed and what was in
        # flight, with changed: true.
        if self.done and isinstance(exc, (vmodl.MethodFault, VsphereError)):
            self.fail("managing the role", exc)
        return False


def entity(client, tree, path):
    if path.strip() in ("", "/"):
        return client.content.rootFolder
    obj = tree.at_path(path)
    if obj is not None:
        return obj
    raise VsphereError("No inventory object at %s (give its full path, such as /DC0/datastore/LocalDS_0). "
                       "Nothing was changed." % path)


def validate(module):
    """The role name, privileges and permissions (before any request); returns the permission items."""
    p = module.params
    # Not required_by: entities defaults to [], which required_by counts as given (every task without principal,
    # the documented permissions form included, was refused).
    if p["entities"] and not (p["principal"] or "").strip():
        module.fail_json(msg="entities needs principal: the user or group the role is granted to on %s. Nothing was "
                             "changed." % ", ".join(p["entities"]))
    if not p["name"].strip():
        module.fail_json(msg="name is empty: give the role name. Nothing was changed.")
    if p["name"] != p["name"].strip() or any(ord(c) < 32 or ord(c) == 127 for c in p["name"]):
        module.fail_json(msg="name %r has leading or trailing spaces or control characters. Nothing was changed."
                             % p["name"][:80])
    empty = [i for i, x in enumerate(p["privileges"]) if not (x or "").strip()]
    if empty:
        module.fail_json(msg="privileges[%d] is empty: give privilege ids such as Datastore.AllocateSpace. "
                             "Nothing was changed." % empty[0])
    permissions, errors = permission_items(p, module.no_log_values)
    if errors:
        module.fail_json(msg="Invalid permissions, nothing was changed: %s" % "; ".join(errors))
    return permissions


def read_role(client, p):
    """(role or None, privileges it has, privileges wanted): raises on unknown privileges."""
    props = dict(collect_objects(client, [client.content.authorizationManager], ["roleList", "privilegeList"])[0][1])
    # Every privilege vCenter defines; the Admin role holds them all (and is the only list some simulators fill in).
    known = {priv.privId for priv in props.get("privilegeList") or []} | {
        x for r in props.get("roleList") or [] if r.name == "Admin" for x in r.privilege or []}
    unknown = sorted(set(p["privileges"]) - known)
    if unknown:
        raise VsphereError("Unknown privileges: %s. Nothing was changed." % ", ".join(unknown))
    role = next((r for r in props.get("roleList") or [] if r.name == p["name"]), None)
    return role, set(role.privilege or []) if role else set(), set(p["privileges"]) | SYSTEM


def remove_role(module, am, role, write):
    """state: absent (a system role is never removed); exits the module."""
    p = module.params
    if role is not None and is_system_role(role):
        raise VsphereError("Role %s is a vCenter system role (id %s): it is never removed. Nothing was "
                           "changed." % (role.name, role.roleId))
    if role is not None and not module.check_mode:
        write("removing role %s" % p["name"], am.RemoveAuthorizationRole, roleId=role.roleId, failIfUsed=False)
    module.exit_json(privileges=[], changed=role is not None)


def ensure_role(module, client, role, have, want, write, diff):
    """Create the role or set its privileges; returns its id (-1 for a role only planned, in check mode)."""
    p, am = module.params, client.content.authorizationManager
    if role is not None and have == want:
        return role.roleId
    diff[0].append("role %s: %s" % (p["name"], ", ".join(sorted(have)) if role else "absent"))
    diff[1].append("role %s: %s" % (p["name"], ", ".join(sorted(want))))
    if module.check_mode:
        return role.roleId if role else -1
    if role is not None:
        write("updating the privileges of role %s" % p["name"], am.UpdateAuthorizationRole,
              roleId=role.roleId, newName=p["name"], privIds=sorted(p["privileges"]))
        return role.roleId
    write("creating role %s" % p["name"], am.AddAuthorizationRole, name=p["name"], privIds=sorted(p["privileges"]))
    # The id from the role list, not from the call's answer (a simulator answers 0).
    roles = dict(collect_objects(client, [am], ["roleList"])[0][1]).get("roleList") or []
    return next(r.roleId for r in roles if r.name == p["name"])


def grant(module, am, targets, role_id, write, diff):
    """Set each permission that differs (keeping the other principals' ones); returns whether any did."""
    p, changed = module.params, False
    for obj, x in targets:
        current = am.RetrieveEntityPermissions(entity=obj, inherited=False) or []
        mine = [c for c in current if c.principal == x["principal"]]
        if mine and mine[0].roleId == role_id and bool(mine[0].propagate) == x["propagate"] and \
                bool(mine[0].group) == x["group"]:
            continue
        changed = True
        scope = "propagating" if x["propagate"] else "this object only"
        diff[0].append("%s on %s: %s" % (x["principal"], x["entity"], "role %s" % mine[0].roleId if mine else "none"))
        diff[1].append("%s on %s: role %s (%s)" % (x["principal"], x["entity"], p["name"], scope))
        if not module.check_mode:
            keep = [c for c in current if c.principal != x["principal"]]
            keep.append(vim.AuthorizationManager.Permission(
                principal=x["principal"], group=x["group"], roleId=role_id, propagate=x["propagate"]))
            write("granting role %s to %s on %s" % (p["name"], x["principal"], x["entity"]),
                  am.SetEntityPermissions, entity=obj, permission=keep)
    return changed


def main():
    module = VsphereK8sModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            privileges=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            # Items are checked by validate_items (the task's principal, group and propagate are their defaults).
            permissions=dict(type="list", elements="dict", default=[]),
            principal=dict(type="str"),
            entities=dict(type="list", elements="str", default=[]),
            propagate=dict(type="bool", default=True),
            group=dict(type="bool", default=False),
        ),
        vsphere=True, supports_check_mode=True,
    )
    p = module.params
    permissions = validate(module)
    write, diff = Writer(module), ([], [])
    with module.errors("managing role %s" % p["name"]), write:
        client = module.vsphere
        role, have, want = read_role(client, p)
        if p["state"] == "absent":
            remove_role(module, client.content.authorizationManager, role, write)
        if role is not None and is_system_role(role):
            if p["privileges"] and have != want:
                raise VsphereError("Role %s is a vCenter system role (id %s): its privileges are never changed. "
                                   "Leave privileges empty to grant it as it is, or give another role name. "
                                   "Nothing was changed." % (role.name, role.roleId))
            want = have
        tree = InventoryTree(client).fetch() if permissions else None
        targets = [(entity(client, tree, x["entity"]), x) for x in permissions]
        role_id = ensure_role(module, client, role, have, want, write, diff)
        granted = grant(module, client.content.authorizationManager, targets, role_id, write, diff)
    result = dict(changed=bool(diff[0]) or granted)
    if module._diff and result["changed"]:
        result["diff"] = dict(before="\n".join(diff[0]) + "\n", after="\n".join(diff[1]) + "\n")
    module.exit_json(role_id=role_id, privileges=sorted(want), **result)


if __name__ == "__main__":
    main()
