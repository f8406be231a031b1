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
    description: V(present), or V(absent) to remove the role (and its permissions).
    type: str
    choices: [present, absent]
    default: present
  permissions:
    description: Where the role is granted.
    type: list
    elements: dict
    default: []
    suboptions:
      entity:
        description: The inventory path of the object, V(/) for the root folder (vCenter itself).
        type: str
        required: true
      principal:
        description: The user or group, with its domain.
        type: str
        required: true
      group:
        description: Whether the principal is a group.
        type: bool
        default: false
      propagate:
        description: Whether the permission applies to the object's children.
        type: bool
        default: true
  principal:
    description: With O(entities), the user or group the role is granted to (a shorter form of O(permissions)).
    type: str
  entities:
    description: Inventory paths the role is granted on for O(principal), with O(propagate) and O(group).
    type: list
    elements: str
    default: []
  propagate:
    description: With O(entities), whether the permissions apply to the objects' children.
    type: bool
    default: true
  group:
    description: With O(entities), whether O(principal) is a group.
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.argument_spec import (
    vsphere_argument_spec,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.connection import (
    VsphereError,
    vsphere_client,
    vsphere_errors,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.inventory import (
    InventoryTree,
    split_path,
)
from ansible_collections.vsphere_k8s.cloud_provider.plugins.module_utils._vsphere.properties import collect_objects

try:
    from pyVmomi import vim
except ImportError:
    pass

SYSTEM = {"System.Anonymous", "System.View", "System.Read"}


def entity(client, tree, path):
    if path.strip() in ("", "/"):
        return client.content.rootFolder
    segs = split_path(path)
    for moid, node in tree.nodes.items():
        if tree.segments(moid) == segs:
            return node["obj"]
    raise VsphereError("No inventory object at %s (give its full path, such as /DC0/datastore/LocalDS_0)." % path)


def main():
    module = AnsibleModule(
        argument_spec=vsphere_argument_spec(
            name=dict(type="str", required=True),
            privileges=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            permissions=dict(type="list", elements="dict", default=[], options=dict(
                entity=dict(type="str", required=True), principal=dict(type="str", required=True),
                group=dict(type="bool", default=False), propagate=dict(type="bool", default=True))),
            principal=dict(type="str"),
            entities=dict(type="list", elements="str", default=[]),
            propagate=dict(type="bool", default=True),
            group=dict(type="bool", default=False),
        ),
        required_by={"entities": "principal"},
        supports_check_mode=True,
    )
    p = module.params
    p["permissions"] = list(p["permissions"]) + [
        dict(entity=e, principal=p["principal"], group=p["group"], propagate=p["propagate"]) for e in p["entities"]]
    client = vsphere_client(module)
    result = dict(changed=False)
    with vsphere_errors(module, client, "managing role %s" % p["name"]):
        am = client.content.authorizationManager
        props = dict(collect_objects(client, [am], ["roleList", "privilegeList"])[0][1])
        # Every privilege vCenter defines; the Admin role holds them all (and is the only list some
        # simulators fill in).
        known = {priv.privId for priv in props.get("privilegeList") or []} | {
            x for r in props.get("roleList") or [] if r.name == "Admin" for x in r.privilege or []}
        unknown = sorted(set(p["privileges"]) - known)
        if unknown:
            raise VsphereError("Unknown privileges: %s. Nothing was changed." % ", ".join(unknown))
        role = next((r for r in props.get("roleList") or [] if r.name == p["name"]), None)
        have = set(role.privilege or []) if role else set()
        want = set(p["privileges"]) | SYSTEM
        if p["state"] == "absent":
            if role is not None:
                result["changed"] = True
                if not module.check_mode:
                    am.RemoveAuthorizationRole(roleId=role.roleId, failIfUsed=False)
            module.exit_json(privileges=[], **result)
        tree = InventoryTree(client) if p["permissions"] else None
        targets = [(entity(client, tree, x["entity"]), x) for x in p["permissions"]]
        diff_before, diff_after = [], []
        if role is None or have != want:
            result["changed"] = True
            diff_before.append("role %s: %s" % (p["name"], ", ".join(sorted(have)) if role else "absent"))
            diff_after.append("role %s: %s" % (p["name"], ", ".join(sorted(want))))
            if not module.check_mode:
                if role is None:
                    am.AddAuthorizationRole(name=p["name"], privIds=sorted(p["privileges"]))
                    # The id from the role list, not from the call's answer (a simulator answers 0).
                    roles = dict(collect_objects(client, [am], ["roleList"])[0][1]).get("roleList") or []
                    role_id = next(r.roleId for r in roles if r.name == p["name"])
                else:
                    am.UpdateAuthorizationRole(roleId=role.roleId, newName=p["name"], privIds=sorted(p["privileges"]))
                    role_id = role.roleId
            else:
                role_id = role.roleId if role else -1
        else:
            role_id = role.roleId
        for obj, x in targets:
            current = am.RetrieveEntityPermissions(entity=obj, inherited=False) or []
            mine = [c for c in current if c.principal == x["principal"]]
            ok = mine and mine[0].roleId == role_id and bool(mine[0].propagate) == x["propagate"] and \
                bool(mine[0].group) == x["group"]
            if ok:
                continue
            result["changed"] = True
            was = "role %s" % mine[0].roleId if mine else "none"
            scope = "propagating" if x["propagate"] else "this object only"
            diff_before.append("%s on %s: %s" % (x["principal"], x["entity"], was))
            diff_after.append("%s on %s: role %s (%s)" % (x["principal"], x["entity"], p["name"], scope))
            if not module.check_mode:
                keep = [c for c in current if c.principal != x["principal"]]
                keep.append(vim.AuthorizationManager.Permission(
                    principal=x["principal"], group=x["group"], roleId=role_id, propagate=x["propagate"]))
                am.SetEntityPermissions(entity=obj, permission=keep)
    if module._diff and result["changed"]:
        result["diff"] = dict(before="\n".join(diff_before) + "\n", after="\n".join(diff_after) + "\n")
    module.exit_json(role_id=role_id, privileges=sorted(want), **result)


if __name__ == "__main__":
    main()
