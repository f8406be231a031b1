package main

// govmomi's AuthorizationManager stores roles and permissions but answers HasUserPrivilegeOnEntities with "granted"
// for any user, entity and privilege, and its SetEntityPermissions replaces every permission of the entity (vCenter
// adds or updates the permissions of the principals given and keeps the others). A check of effective privileges
// then never finds a missing one. labAuth answers both as vCenter does:
//
//   - HasUserPrivilegeOnEntities computes the user's effective privileges on each entity from the stored permissions:
//     walking from the entity up its inventory parents, the first level with a permission that applies (on the entity
//     itself, or propagating from an ancestor) decides; at that level the user's own permissions win over its
//     groups' ones, several permissions of the same kind add up. A virtual machine inherits from both its folder and
//     its resource pool (the union of both). A role's privileges are its privilege list (every role holds System.Anonymous,
//     System.View and System.Read); the Admin role holds every privilege. Principals compare as vCenter does:
//     case-insensitively, DOMAIN\user and user@domain alike;
//   - SetEntityPermissions sets the permissions of the principals given and keeps the entity's others;
//   - AddAuthorizationRole answers the new role's id (the simulator answers none, which a client reads as 0: the id
//     of another role).
//
// Group membership: the lab's user is a member of the SSO group Administrators of its domain, which holds the Admin role
// on the root folder (as vCenter's administrator@vsphere.local does through its global permission).

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const adminRoleID = -1

// labGroups: normalized user -> the normalized groups it belongs to.
var labGroups = map[string][]string{}

type labAuth struct {
	*simulator.AuthorizationManager
}

// Get lets the PropertyCollector read the managed object's properties (roleList, privilegeList).
func (a *labAuth) Get() mo.Reference {
	return &a.AuthorizationManager.AuthorizationManager
}

// principal normalizes DOMAIN\user and user@domain to user@domain, lower case.
func principal(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if i := strings.Index(name, `\`); i >= 0 {
		return name[i+1:] + "@" + name[:i]
	}
	return name
}

func (a *labAuth) stored(ctx *simulator.Context, ref types.ManagedObjectReference) []types.Permission {
	body := a.AuthorizationManager.RetrieveEntityPermissions(ctx, &types.RetrieveEntityPermissions{Entity: ref})
	return body.(*methods.RetrieveEntityPermissionsBody).Res.Returnval
}

// SetEntityPermissions adds or updates the permissions of the principals given and keeps the entity's others.
func (a *labAuth) SetEntityPermissions(ctx *simulator.Context, req *types.SetEntityPermissions) soap.HasFault {
	if _, ok := ctx.Map.Get(req.Entity).(mo.Entity); !ok {
		return &methods.SetEntityPermissionsBody{Fault_: simulator.Fault("", &types.ManagedObjectNotFound{Obj: req.Entity})}
	}
	roles := map[int32]bool{}
	for _, r := range a.RoleList {
		roles[r.RoleId] = true
	}
	merged := append([]types.Permission(nil), a.stored(ctx, req.Entity)...)
	for _, p := range req.Permission {
		if !roles[p.RoleId] {
			return &methods.SetEntityPermissionsBody{Fault_: simulator.Fault("", &types.NotFound{})}
		}
		entity := req.Entity
		p.Entity = &entity
		replaced := false
		for i, old := range merged {
			if principal(old.Principal) == principal(p.Principal) && old.Group == p.Group {
				merged[i] = p
				replaced = true
			}
		}
		if !replaced {
			merged = append(merged, p)
		}
	}
	return a.AuthorizationManager.SetEntityPermissions(&types.SetEntityPermissions{This: req.This, Entity: req.Entity, Permission: merged})
}

// AddAuthorizationRole adds the role and answers its id, as vCenter does.
func (a *labAuth) AddAuthorizationRole(req *types.AddAuthorizationRole) soap.HasFault {
	body := a.AuthorizationManager.AddAuthorizationRole(req).(*methods.AddAuthorizationRoleBody)
	if body.Res != nil {
		for _, r := range a.RoleList {
			if r.Name == req.Name {
				body.Res.Returnval = r.RoleId
			}
		}
	}
	return body
}

// levels is the entity and its inventory parents, nearest first.
func levels(ctx *simulator.Context, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for {
		out = append(out, ref)
		e, ok := ctx.Map.Get(ref).(mo.Entity)
		if !ok || e.Entity().Parent == nil {
			return out
		}
		ref = *e.Entity().Parent
	}
}

// granted: the privileges the user holds through the first level of chain with a permission for it (nil: none).
func (a *labAuth) granted(ctx *simulator.Context, chain []types.ManagedObjectReference, user string) (all bool, privs map[string]bool) {
	groups := map[string]bool{}
	for _, g := range labGroups[user] {
		groups[g] = true
	}
	roles := map[int32][]string{}
	for _, r := range a.RoleList {
		roles[r.RoleId] = r.Privilege
	}
	for i, ref := range chain {
		var mine, theirs []types.Permission
		for _, p := range a.stored(ctx, ref) {
			if i > 0 && !p.Propagate {
				continue
			}
			who := principal(p.Principal)
			if !p.Group && who == user {
				mine = append(mine, p)
			} else if p.Group && groups[who] {
				theirs = append(theirs, p)
			}
		}
		if len(mine) == 0 {
			mine = theirs
		}
		if len(mine) == 0 {
			continue
		}
		privs = map[string]bool{}
		for _, p := range mine {
			if p.RoleId == adminRoleID {
				return true, nil
			}
			for _, id := range roles[p.RoleId] {
				privs[id] = true
			}
		}
		return false, privs
	}
	return false, map[string]bool{}
}

// HasUserPrivilegeOnEntities answers from the user's effective privileges on each entity (see the top of this file).
func (a *labAuth) HasUserPrivilegeOnEntities(ctx *simulator.Context, req *types.HasUserPrivilegeOnEntities) soap.HasFault {
	user := principal(req.UserName)
	var out []types.EntityPrivilege
	for _, e := range req.Entities {
		chains := [][]types.ManagedObjectReference{levels(ctx, e)}
		if vm, ok := ctx.Map.Get(e).(*simulator.VirtualMachine); ok && vm.ResourcePool != nil {
			chains = append(chains, levels(ctx, *vm.ResourcePool))
		}
		all, privs := false, map[string]bool{}
		for _, chain := range chains {
			every, some := a.granted(ctx, chain, user)
			all = all || every
			for id := range some {
				privs[id] = true
			}
		}
		ep := types.EntityPrivilege{Entity: e}
		for _, id := range req.PrivId {
			ep.PrivAvailability = append(ep.PrivAvailability, types.PrivilegeAvailability{PrivId: id, IsGranted: all || privs[id]})
		}
		out = append(out, ep)
	}
	return &methods.HasUserPrivilegeOnEntitiesBody{Res: &types.HasUserPrivilegeOnEntitiesResponse{Returnval: out}}
}

// installAuth replaces the model's AuthorizationManager by labAuth and makes user a member of its domain's
// Administrators group, which holds the Admin role on the root folder.
func installAuth(model *simulator.Model, user string) {
	reg := model.Map()
	ref := *model.ServiceContent.AuthorizationManager
	stock := reg.Get(ref).(*simulator.AuthorizationManager)
	reg.Put(&labAuth{AuthorizationManager: stock})
	u := principal(user)
	domain := "vsphere.local"
	if i := strings.Index(u, "@"); i >= 0 {
		domain = u[i+1:]
	}
	group := "administrators@" + domain
	labGroups[u] = append(labGroups[u], group)
	root := model.ServiceContent.RootFolder
	perms := append([]types.Permission(nil), (&labAuth{stock}).storedNoCtx(reg, root)...)
	perms = append(perms, types.Permission{Entity: &root, Principal: strings.ToUpper(domain) + `\Administrators`, Group: true,
		RoleId: adminRoleID, Propagate: true})
	stock.SetEntityPermissions(&types.SetEntityPermissions{This: ref, Entity: root, Permission: perms})
}

func (a *labAuth) storedNoCtx(reg *simulator.Registry, ref types.ManagedObjectReference) []types.Permission {
	ctx := &simulator.Context{Map: reg}
	return a.stored(ctx, ref)
}
