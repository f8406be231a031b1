package main

// The CNS simulator of govmomi records an attachment in a map and nothing else: CnsAttachVolume never adds a disk
// to the VM, fails the whole task (not the volume's result) with ResourceInUse when the volume is attached anywhere,
// even to the same VM, and answers with one fixed disk UUID; CnsDetachVolume never removes a disk nor clears the
// First Class Disk's consumer, so a detached FCD cannot be deleted. The vSphere CSI driver reads the VM's devices
// (a VirtualDisk whose vDiskId is the volume) to decide whether a volume is attached, so with the stock simulator
// its attacher retries forever. labCns answers both methods as vCenter does:
//
//   - attach adds a VirtualDisk backed by the FCD's vmdk, with vDiskId = the FCD id, on the VM's first SCSI
//     controller, sets the FCD's consumer to the VM and answers with the disk's backing UUID; attaching again to
//     the same VM is a success with the same UUID; attaching to another VM is a ResourceInUse fault in that
//     volume's result (the task itself succeeds, as with vCenter);
//   - detach removes that disk from the VM (the vmdk stays: it is the FCD) and clears the FCD's consumer; a volume
//     attached nowhere is detached already (success); an unknown volume is NotFound in the volume's result.

import (
	"bytes"
	"regexp"
	"sort"

	"github.com/google/uuid"

	"github.com/vmware/govmomi/cns"
	"github.com/vmware/govmomi/cns/methods"
	cnssim "github.com/vmware/govmomi/cns/simulator"
	cnstypes "github.com/vmware/govmomi/cns/types"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	vim25methods "github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func init() {
	// Registered after the CNS simulator's own endpoint (imported packages initialize first): the same path, the
	// same managed object reference, so this manager replaces the stock one.
	simulator.RegisterEndpoint(func(s *simulator.Service, r *simulator.Registry) {
		if !r.IsVPX() {
			return
		}
		stock := cnssim.New().Get(cns.CnsVolumeManagerInstance).(*cnssim.CnsVolumeManager)
		reg := simulator.NewRegistry()
		reg.Namespace = cns.Namespace
		reg.Path = cns.Path
		reg.Put(&labCns{CnsVolumeManager: stock})
		s.RegisterSDK(reg)
	})
}

type labCns struct {
	*cnssim.CnsVolumeManager
}

// fcdOf finds a First Class Disk by id in the VStorageObjectManager's catalog.
func fcdOf(ctx *simulator.Context, id string) (*simulator.VStorageObject, types.ManagedObjectReference) {
	for ds, objs := range ctx.Map.VStorageObjectManager().Catalog() {
		for key, val := range objs {
			if key.Id == id {
				return val, ds
			}
		}
	}
	return nil, types.ManagedObjectReference{}
}

// diskOf is the VM's VirtualDisk whose vDiskId is the FCD id, or nil.
func diskOf(ctx *simulator.Context, vm *simulator.VirtualMachine, id string) (disk *types.VirtualDisk, scsi int32) {
	scsi = -1
	ctx.WithLock(vm, func() {
		devices := object.VirtualDeviceList(vm.Config.Hardware.Device)
		for _, d := range devices {
			if v, ok := d.(*types.VirtualDisk); ok && v.VDiskId != nil && v.VDiskId.Id == id {
				c := *v
				disk = &c
			}
			if c, ok := d.(types.BaseVirtualSCSIController); ok && scsi < 0 {
				scsi = c.GetVirtualSCSIController().Key
			}
		}
	})
	return disk, scsi
}

func backingUUID(d *types.VirtualDisk) string {
	if b, ok := d.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
		return b.Uuid
	}
	return ""
}

// reconfigure runs ReconfigVM_Task on the VM inside the simulator and waits for it.
func reconfigure(ctx *simulator.Context, vm *simulator.VirtualMachine, change types.BaseVirtualDeviceConfigSpec) types.BaseMethodFault {
	val := vm.ReconfigVMTask(ctx, &types.ReconfigVM_Task{
		This: vm.Self,
		Spec: types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{change}},
	})
	task := ctx.Map.Get(val.(*vim25methods.ReconfigVM_TaskBody).Res.Returnval).(*simulator.Task)
	task.Wait()
	if task.Info.Error != nil {
		return task.Info.Error.Fault
	}
	return nil
}

func refund(ctx *simulator.Context, ref types.ManagedObjectReference, bytes int64) {
	ds, ok := ctx.Map.Get(ref).(*simulator.Datastore)
	if !ok {
		return
	}
	ctx.WithLock(ds, func() {
		ds.Summary.FreeSpace += bytes
		ds.Info.GetDatastoreInfo().FreeSpace = ds.Summary.FreeSpace
	})
}

func setConsumer(ctx *simulator.Context, fcd *simulator.VStorageObject, vm *simulator.VirtualMachine) {
	ctx.WithLock(ctx.Map.VStorageObjectManager(), func() {
		if vm == nil {
			fcd.Config.ConsumerId = nil
		} else {
			fcd.Config.ConsumerId = []types.ID{{Id: vm.Config.Uuid}}
		}
	})
}

// attachedTo is the VM (among all VMs) that has a disk with this vDiskId.
func attachedTo(ctx *simulator.Context, id string) *simulator.VirtualMachine {
	for _, e := range ctx.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		if d, _ := diskOf(ctx, vm, id); d != nil {
			return vm
		}
	}
	return nil
}

func (m *labCns) attachOne(ctx *simulator.Context, spec cnstypes.CnsVolumeAttachDetachSpec) cnstypes.BaseCnsVolumeOperationResult {
	res := &cnstypes.CnsVolumeAttachResult{CnsVolumeOperationResult: cnstypes.CnsVolumeOperationResult{VolumeId: spec.VolumeId}}
	id := spec.VolumeId.Id
	vm, ok := ctx.Map.Get(spec.Vm).(*simulator.VirtualMachine)
	if !ok {
		res.Fault = &types.LocalizedMethodFault{Fault: &types.ManagedObjectNotFound{Obj: spec.Vm},
			LocalizedMessage: "The object '" + spec.Vm.String() + "' has already been deleted or has not been completely created"}
		return res
	}
	fcd, _ := fcdOf(ctx, id)
	if fcd == nil {
		res.Fault = &types.LocalizedMethodFault{Fault: new(types.NotFound), LocalizedMessage: "The object or item referred to could not be found."}
		return res
	}
	if d, _ := diskOf(ctx, vm, id); d != nil { // the same VM: idempotent
		res.DiskUUID = backingUUID(d)
		return res
	}
	if other := attachedTo(ctx, id); other != nil {
		res.Fault = &types.LocalizedMethodFault{
			Fault:            &types.ResourceInUse{Type: "VirtualDisk", Name: id},
			LocalizedMessage: "The resource '" + id + "' is in use.",
		}
		return res
	}
	_, scsi := diskOf(ctx, vm, id)
	if scsi < 0 {
		res.Fault = &types.LocalizedMethodFault{Fault: new(types.NotSupported),
			LocalizedMessage: "The VM " + vm.Name + " has no SCSI controller to attach the volume to."}
		return res
	}
	backing := fcd.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo)
	diskUUID := vmdkUUID(ctx, backing.FilePath, backing.Datastore) // the vmdk's own, as with vCenter (diskuuid.go)
	if diskUUID == "" {
		diskUUID = "6000C29" + uuid.NewString()[7:] // the form of vCenter's disk UUIDs
	}
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key:           -1,
			ControllerKey: scsi,
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: backing.FilePath},
				DiskMode:                     string(types.VirtualDiskModePersistent),
				ThinProvisioned:              types.NewBool(true),
				Uuid:                         diskUUID,
			},
		},
		CapacityInKB: fcd.Config.CapacityInMB * 1024,
		VDiskId:      &types.ID{Id: id},
	}
	if f := reconfigure(ctx, vm, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationAdd,
		Device:    disk,
	}); f != nil {
		res.Fault = &types.LocalizedMethodFault{Fault: f, LocalizedMessage: "attaching the volume failed"}
		return res
	}
	// The simulator takes an added disk's capacity off its datastore's free space, as for a new disk, and a removal
	// without a file operation never gives it back. With vCenter attaching an FCD does not change the datastore's
	// free space (the FCD takes its space when it is created): give it back.
	refund(ctx, backing.Datastore, disk.CapacityInKB*1024)
	setConsumer(ctx, fcd, vm)
	res.DiskUUID = diskUUID
	return res
}

func (m *labCns) detachOne(ctx *simulator.Context, spec cnstypes.CnsVolumeAttachDetachSpec) cnstypes.BaseCnsVolumeOperationResult {
	res := &cnstypes.CnsVolumeOperationResult{VolumeId: spec.VolumeId}
	id := spec.VolumeId.Id
	vm, ok := ctx.Map.Get(spec.Vm).(*simulator.VirtualMachine)
	if !ok {
		res.Fault = &types.LocalizedMethodFault{Fault: &types.ManagedObjectNotFound{Obj: spec.Vm},
			LocalizedMessage: "The object '" + spec.Vm.String() + "' has already been deleted or has not been completely created"}
		return res
	}
	fcd, _ := fcdOf(ctx, id)
	if fcd == nil {
		res.Fault = &types.LocalizedMethodFault{Fault: new(types.NotFound), LocalizedMessage: "The object or item referred to could not be found."}
		return res
	}
	disk, _ := diskOf(ctx, vm, id)
	if disk == nil { // not on this VM: detached already
		return res
	}
	// No file operation: the vmdk is the First Class Disk and outlives the attachment.
	if f := reconfigure(ctx, vm, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationRemove,
		Device:    disk,
	}); f != nil {
		res.Fault = &types.LocalizedMethodFault{Fault: f, LocalizedMessage: "detaching the volume failed"}
		return res
	}
	setConsumer(ctx, fcd, nil)
	return res
}

// batch runs one attach or detach per spec in a single CNS task, as vCenter does: one result per volume, a fault
// for the task only when no spec was given.
func (m *labCns) batch(vctx *simulator.Context, name, property string, specs []cnstypes.CnsVolumeAttachDetachSpec,
	one func(*simulator.Context, cnstypes.CnsVolumeAttachDetachSpec) cnstypes.BaseCnsVolumeOperationResult) types.ManagedObjectReference {
	task := simulator.CreateTask(m, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if len(specs) == 0 {
			return nil, &types.InvalidArgument{InvalidProperty: property}
		}
		results := make([]cnstypes.BaseCnsVolumeOperationResult, 0, len(specs))
		for _, spec := range specs {
			results = append(results, one(vctx, spec))
		}
		return &cnstypes.CnsVolumeOperationBatchResult{VolumeResults: results}, nil
	})
	return task.Run(vctx)
}

// CnsAttachVolume attaches each volume to its VM as vCenter does (see the top of this file).
func (m *labCns) CnsAttachVolume(ctx *simulator.Context, req *cnstypes.CnsAttachVolume) soap.HasFault {
	ref := m.batch(ctx.For(vim25.Path), "CnsAttachVolume", "CnsAttachVolumeSpec", req.AttachSpecs, m.attachOne)
	return &methods.CnsAttachVolumeBody{Res: &cnstypes.CnsAttachVolumeResponse{Returnval: ref}}
}

// CnsDetachVolume detaches each volume from its VM as vCenter does (see the top of this file).
func (m *labCns) CnsDetachVolume(ctx *simulator.Context, req *cnstypes.CnsDetachVolume) soap.HasFault {
	ref := m.batch(ctx.For(vim25.Path), "CnsDetachVolume", "CnsDetachVolumeSpec", req.DetachSpecs, m.detachOne)
	return &methods.CnsDetachVolumeBody{Res: &cnstypes.CnsDetachVolumeResponse{Returnval: ref}}
}

// CnsQueryVolume answers as vCenter does where the stock simulator does not: a query without a filter (or one whose
// filter the request sent without xsi:type, see cnsRequestTypes) selects every volume instead of crashing the
// handler, and the answer is paginated by the filter's cursor: volumes in a stable order (by id), at most
// cursor.limit of them from cursor.offset, and a cursor whose offset is where the next page starts and whose
// totalRecords is the number of volumes the filter selects.
func (m *labCns) CnsQueryVolume(ctx *simulator.Context, req *cnstypes.CnsQueryVolume) soap.HasFault {
	filter := cnstypes.CnsQueryFilter{}
	if req.Filter != nil {
		filter = *req.Filter.GetCnsQueryFilter()
	}
	cursor := filter.Cursor
	filter.Cursor = nil
	stock := m.CnsVolumeManager.CnsQueryVolume(ctx, &cnstypes.CnsQueryVolume{This: req.This, Filter: &filter})
	all := stock.(*methods.CnsQueryVolumeBody).Res.Returnval.Volumes
	sort.Slice(all, func(i, j int) bool { return all[i].VolumeId.Id < all[j].VolumeId.Id })
	total := int64(len(all))
	offset, limit := int64(0), total
	if cursor != nil {
		offset = cursor.Offset
		if cursor.Limit > 0 {
			limit = cursor.Limit
		}
	}
	if offset > total {
		offset = total
	}
	end := offset + limit
	if end > total {
		end = total
	}
	var page []labCnsVolume
	for _, v := range all[offset:end] {
		page = append(page, labCnsVolume{CnsVolume: v, BackingObjectDetails: v.BackingObjectDetails})
	}
	return &labCnsQueryVolumeBody{Res: &labCnsQueryVolumeResponse{Returnval: labCnsQueryResult{
		Volumes: page,
		Cursor:  cnstypes.CnsCursor{Offset: end, Limit: limit, TotalRecords: total},
	}}}
}

// labCnsVolume is a CnsVolume whose backingObjectDetails carries its xsi:type (CnsBlockBackingDetails, ...), as
// vCenter sends it: govmomi's type has no typeattr on that field, so a client reads the base type and, with the
// fields of the block details in it, cannot read the answer (pyVmomi fails on backingDiskId).
type labCnsVolume struct {
	cnstypes.CnsVolume
	BackingObjectDetails cnstypes.BaseCnsBackingObjectDetails `xml:"backingObjectDetails,omitempty,typeattr"`
}

type labCnsQueryResult struct {
	types.DynamicData

	Volumes []labCnsVolume     `xml:"volumes,omitempty"`
	Cursor  cnstypes.CnsCursor `xml:"cursor"`
}

type labCnsQueryVolumeResponse struct {
	Returnval labCnsQueryResult `xml:"returnval"`
}

type labCnsQueryVolumeBody struct {
	Res    *labCnsQueryVolumeResponse `xml:"urn:vsan CnsQueryVolumeResponse,omitempty"`
	Fault_ *soap.Fault                `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

func (b *labCnsQueryVolumeBody) Fault() *soap.Fault { return b.Fault_ }

// cnsRequestTypes gives a CNS request's polymorphic parameters the xsi:type of their declared type when the client
// left it out. vCenter reads an element without xsi:type as the declared type (pyVmomi sends none when the value is
// of exactly that type); govmomi's decoder drops such an element, so CnsQueryVolume got no filter at all.
var cnsFilterTag = regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?CnsQueryVolume\b[^>]*>(?:.|\n)*?(<(?:[A-Za-z0-9]+:)?filter\b)([^>]*)>`)

func cnsRequestTypes(body []byte) []byte {
	if !bytes.Contains(body, []byte("CnsQueryVolume")) {
		return body
	}
	m := cnsFilterTag.FindSubmatchIndex(body)
	if m == nil || bytes.Contains(body[m[4]:m[5]], []byte(":type=")) {
		return body
	}
	out := append([]byte(nil), body[:m[3]]...)
	out = append(out, []byte(` xmlns:labxsi="http://www.w3.org/2001/XMLSchema-instance" labxsi:type="CnsQueryFilter"`)...)
	out = append(out, body[m[3]:]...)
	return out
}
