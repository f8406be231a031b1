package main

// vCenter attaches a First Class Disk with the disk UUID its vmdk already has (what QueryVirtualDiskUuid answers for
// the file, the serial the guest sees and the CSI node plugin looks for); it does not make a new one. A new UUID on
// every attach would hide a volume rewrite that lost the disk's identity, so the lab's CNS attach uses this.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// vmdkUUID is QueryVirtualDiskUuid of the file in the datacenter of its datastore, or "" when it cannot be read.
func vmdkUUID(ctx *simulator.Context, filePath string, ds types.ManagedObjectReference) string {
	req := &types.QueryVirtualDiskUuid{This: ctx.Map.VirtualDiskManager().Reference(), Name: filePath}
	for _, e := range ctx.Map.All("Datacenter") {
		dc := e.(*simulator.Datacenter)
		for _, ref := range dc.Datastore {
			if ref == ds {
				self := dc.Self
				req.Datacenter = &self
			}
		}
	}
	body, ok := ctx.Map.VirtualDiskManager().QueryVirtualDiskUuid(ctx, req).(*methods.QueryVirtualDiskUuidBody)
	if !ok || body.Res == nil {
		return ""
	}
	return body.Res.Returnval
}
