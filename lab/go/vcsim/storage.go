package main

// govmomi's HostDatastoreSystem has no RemoveDatastore: a datastore, once mounted on a host, stays mounted on it, so
// a datastore missing from some hosts of a cluster (an NFS export mounted on some hosts only, the classic cause of
// "datastore not accessible to all nodes") cannot be shown. labDss adds it as vCenter does: RemoveDatastore unmounts
// the datastore from that host only. The host no longer lists it, the datastore's host mounts no longer list the
// host, the host's cluster no longer lists the datastore when no other host of the cluster mounts it, and a
// datastore that no host mounts any more leaves the inventory. A datastore that holds files of a VM registered on
// that host is in use (ResourceInUse). CreateLocalDatastore (or CreateNasDatastore) with the same name mounts it
// again on the host (and answers the datastore: the simulator answers an empty reference for a datastore it mounts
// on one more host).

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type labDss struct {
	*simulator.HostDatastoreSystem
}

// Get lets the PropertyCollector read the managed object's properties.
func (d *labDss) Get() mo.Reference {
	return &d.HostDatastoreSystem.HostDatastoreSystem
}

func removeRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range list {
		if r != ref {
			out = append(out, r)
		}
	}
	return out
}

// RemoveDatastore unmounts the datastore from this host (see the top of this file).
func (d *labDss) RemoveDatastore(ctx *simulator.Context, req *types.RemoveDatastore) soap.HasFault {
	body := new(methods.RemoveDatastoreBody)
	ds, ok := ctx.Map.Get(req.Datastore).(*simulator.Datastore)
	mounted := false
	for _, r := range d.Datastore {
		mounted = mounted || r == req.Datastore
	}
	if !ok || !mounted {
		body.Fault_ = simulator.Fault("", &types.NotFound{})
		return body
	}
	hostRef := d.Host.Self
	for _, vmRef := range ds.Vm {
		if vm, ok := ctx.Map.Get(vmRef).(*simulator.VirtualMachine); ok && vm.Runtime.Host != nil && *vm.Runtime.Host == hostRef {
			body.Fault_ = simulator.Fault("", &types.ResourceInUse{Type: "Datastore", Name: ds.Name})
			return body
		}
	}
	host := ctx.Map.Get(hostRef).(*simulator.HostSystem)
	d.Datastore = removeRef(d.Datastore, req.Datastore)
	ctx.Map.AtomicUpdate(ctx, host, []types.PropertyChange{{Name: "datastore", Val: removeRef(host.Datastore, req.Datastore)}})
	var left []types.DatastoreHostMount
	for _, m := range ds.Host {
		if m.Key != hostRef {
			left = append(left, m)
		}
	}
	ctx.Map.AtomicUpdate(ctx, ds, []types.PropertyChange{{Name: "host", Val: left}})
	// the host's cluster keeps the datastore while another of its hosts mounts it
	if host.Parent != nil {
		if cr, ok := ctx.Map.Get(*host.Parent).(mo.Entity); ok {
			var hosts []types.ManagedObjectReference
			var dsList *[]types.ManagedObjectReference
			switch c := cr.(type) {
			case *simulator.ClusterComputeResource:
				hosts, dsList = c.Host, &c.Datastore
			case *mo.ComputeResource:
				hosts, dsList = c.Host, &c.Datastore
			}
			still := false
			for _, m := range left {
				for _, h := range hosts {
					still = still || m.Key == h
				}
			}
			if dsList != nil && !still {
				ctx.Map.RemoveReference(ctx, cr, dsList, req.Datastore)
			}
		}
	}
	if len(left) == 0 {
		if folder, ok := ctx.Map.Get(*ds.Parent).(*simulator.Folder); ok {
			ctx.Map.RemoveReference(ctx, folder, &folder.ChildEntity, ds.Self)
		}
		ctx.Map.Remove(ctx, ds.Self)
	}
	body.Res = new(types.RemoveDatastoreResponse)
	return body
}

// CreateLocalDatastore mounts the datastore and answers it: mounting an existing datastore on one more host, the
// simulator answers an empty reference (vCenter answers the datastore).
func (d *labDss) CreateLocalDatastore(ctx *simulator.Context, req *types.CreateLocalDatastore) soap.HasFault {
	body := d.HostDatastoreSystem.CreateLocalDatastore(ctx, req).(*methods.CreateLocalDatastoreBody)
	if body.Res != nil && body.Res.Returnval.Value == "" {
		if e := ctx.Map.FindByName(req.Name, d.Datastore); e != nil {
			body.Res.Returnval = e.Reference()
		}
	}
	return body
}

// installDss gives every host's HostDatastoreSystem the lab's RemoveDatastore.
func installDss(model *simulator.Model) {
	reg := model.Map()
	for _, e := range reg.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		if h.ConfigManager.DatastoreSystem == nil {
			continue
		}
		if stock, ok := reg.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem); ok {
			reg.Put(&labDss{HostDatastoreSystem: stock})
		}
	}
}
