// Command lab-vcsim runs govmomi's vCenter simulator shaped like a small vSphere site that hosts a
// kubeadm-style Kubernetes cluster, and keeps a one-line-per-request trace so tests and benchmarks can
// count SOAP and REST calls.
//
// The shape (names are stable, tests rely on them):
//
//	datacenter DC0
//	  clusters zone-a, zone-b (3 hosts each), tagged k8s-zone/zone-a and k8s-zone/zone-b
//	  datacenter tagged k8s-region/region-1
//	  datastores LocalDS_0, LocalDS_1 (plain), LocalDS_2 inside StoragePod DatastoreCluster (Storage DRS, manual),
//	             LocalDS_3 inside datastore folder storage-tier, "nfs datastore 1" (a name with spaces)
//	  networks "VM Network" (internal) and DC0_DVPG0 (external)
//	  VM folder /DC0/vm/kubernetes with node VMs k8s-cp-1, k8s-worker-1 (zone-a), k8s-worker-2,
//	  k8s-worker-3 (zone-b); each has two NICs, a guest hostname and addresses on both networks
//	  background VMs DC0_C*_RP0_VM* (count set by -vms)
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	// Optional endpoints: SPBM, tagging (REST), CNS, vSAN, First Class Disks (vslm).
	_ "github.com/vmware/govmomi/cns/simulator"
	_ "github.com/vmware/govmomi/lookup/simulator"
	_ "github.com/vmware/govmomi/pbm/simulator"
	_ "github.com/vmware/govmomi/sts/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
	_ "github.com/vmware/govmomi/vsan/simulator"
	_ "github.com/vmware/govmomi/vslm/simulator"
)

// NodeVM describes one Kubernetes node VM of the lab.
type NodeVM struct {
	Name       string `json:"name"`
	Cluster    string `json:"cluster"`
	Host       int    `json:"-"`
	UUID       string `json:"uuid"`
	InternalIP string `json:"internal_ip"`
	ExternalIP string `json:"external_ip"`
	IPv6       string `json:"ipv6"`
	CPUs       int32  `json:"cpus"`
	MemoryMB   int64  `json:"memory_mb"`
	EnableUUID bool   `json:"disk_enable_uuid"`
}

var nodes = []NodeVM{
	{"k8s-cp-1", "zone-a", 0, "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e01", "10.0.0.11", "192.168.100.11", "fd00:10::11", 2, 4096, true},
	{"k8s-worker-1", "zone-a", 1, "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e02", "10.0.0.12", "192.168.100.12", "fd00:10::12", 4, 8192, true},
	{"k8s-worker-2", "zone-b", 0, "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e03", "10.0.0.13", "192.168.100.13", "fd00:10::13", 4, 8192, false},
	{"k8s-worker-3", "zone-b", 1, "4218e0a2-6b1c-4c5d-9e7f-0a1b2c3d4e04", "10.0.0.14", "192.168.100.14", "fd00:10::14", 4, 8192, false},
}

const (
	internalNet = "VM Network"
	externalNet = "DC0_DVPG0"
)

// tracer writes one JSON line per HTTP request: the SOAP method and its target, or the REST verb and path.
type tracer struct {
	mu     sync.Mutex
	on     atomic.Bool // off while the lab shapes its own inventory
	out    io.Writer
	next   http.Handler
	faults string // a JSON file {"SoapMethod": "FaultType", ...}: those methods answer with that fault
}

// faultXML is a vCenter SOAP fault whose detail pyvmomi reads as vim.fault.<type> (NoPermission and the like).
const faultXML = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s (injected by the lab)</faultstring>` +
	`<detail><%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`

// injected returns the fault type the lab's fault file sets for a SOAP method, or "".
func (t *tracer) injected(method string) string {
	if t.faults == "" {
		return ""
	}
	data, err := os.ReadFile(t.faults)
	if err != nil {
		return ""
	}
	var m map[string]string
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m[method]
}

var (
	soapMethod = regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9]+:)?([A-Za-z0-9_]+)`)
	soapThis   = regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?_this[^>]*type="([A-Za-z]+)"[^>]*>([^<]+)<`)
)

func (t *tracer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !t.on.Load() {
		t.next.ServeHTTP(w, r)
		return
	}
	entry := map[string]any{"ts": float64(time.Now().UnixNano()) / 1e9, "http": r.Method, "path": r.URL.Path}
	if r.Body != nil && r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if m := soapMethod.FindSubmatch(body); m != nil {
			entry["kind"] = "soap"
			entry["method"] = string(m[1])
			if th := soapThis.FindSubmatch(body); th != nil {
				entry["this"] = string(th[1]) + ":" + string(th[2])
			}
		}
	}
	if entry["kind"] == nil {
		entry["kind"] = "http"
		if q := r.URL.RawQuery; q != "" {
			entry["query"] = q
		}
	}
	fault := ""
	if method, ok := entry["method"].(string); ok {
		fault = t.injected(method)
		if fault != "" {
			entry["fault"] = fault
		}
	}
	line, _ := json.Marshal(entry)
	t.mu.Lock()
	_, _ = t.out.Write(append(line, '\n'))
	t.mu.Unlock()
	if fault != "" {
		detail := ""
		if fault == "NoPermission" {
			detail = `<object type="Folder">group-d1</object><privilegeId>System.Read</privilegeId>`
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, faultXML, fault, fault, fault, detail, fault)
		return
	}
	t.next.ServeHTTP(w, r)
}

func main() {
	listen := flag.String("l", "127.0.0.1:8989", "listen address")
	vms := flag.Int("vms", 40, "number of background VMs (in addition to the Kubernetes node VMs)")
	user := flag.String("username", "administrator@vsphere.local", "login user")
	pass := flag.String("password", "", "login password (required)")
	cert := flag.String("tlscert", "", "TLS certificate file")
	key := flag.String("tlskey", "", "TLS key file")
	tracePath := flag.String("trace-file", "", "request trace (one JSON line per request)")
	faultPath := flag.String("fault-file", "", "JSON {\"SoapMethod\": \"FaultType\"}: those methods fail with that fault")
	readyPath := flag.String("ready-file", "", "written (JSON) once the lab inventory is in place")
	rttPath := flag.String("rtt-file", "", "when set, clients reach the simulator through a link whose round-trip time (ms) this file holds")
	flag.Parse()

	if *pass == "" {
		log.Fatal("-password is required")
	}

	model := simulator.VPX()
	model.Datacenter = 1
	model.Cluster = 2
	model.ClusterHost = 3
	model.Host = 0
	model.Datastore = 4
	model.Pool = 0
	model.App = 0
	model.Pod = 0
	model.Portgroup = 1
	model.Folder = 0
	model.Machine = (*vms + 1) / 2 // per cluster root resource pool
	model.Autostart = false
	// Advertise a current vCenter API, so clients negotiate the type tables they use with vCenter 8.
	model.ServiceContent.About.ApiVersion = "8.0.3.0"
	model.ServiceContent.About.Version = "8.0.3"

	start := time.Now()
	if err := model.Create(); err != nil {
		log.Fatalf("model: %v", err)
	}
	defer model.Remove()
	installAuth(model, *user)
	installDss(model)
	model.Map().AddHandler(vmDefaults{})
	for _, e := range model.Map().All("VirtualMachine") {
		fixVM(e.(*simulator.VirtualMachine))
	}

	model.Service.RegisterEndpoints = true
	front := *listen
	if *rttPath != "" { // the simulator on a port of its own, the link with latency on the address asked for
		*listen = "127.0.0.1:0"
	}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	model.Service.TLS = new(tls.Config)
	if *cert != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatalf("tls: %v", err)
		}
		model.Service.TLS.Certificates = []tls.Certificate{c}
	}

	s := model.Service.NewServer()
	defer s.Close()
	s.Server.Config.Handler = withDiskUUIDs(model.Map(), fcdCapacity{next: requestFixups{next: s.Server.Config.Handler}, model: model}) // diskuuid.go, fcd.go
	var trace *tracer
	if *tracePath != "" {
		f, err := os.OpenFile(*tracePath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatalf("trace: %v", err)
		}
		defer f.Close()
		// Installed before any client connects: the server reads its handler per request.
		trace = &tracer{out: f, next: s.Server.Config.Handler, faults: *faultPath}
		s.Server.Config.Handler = trace
	}

	ctx := context.Background()
	info, err := shape(ctx, model, s.URL)
	if err != nil {
		log.Fatalf("shaping the lab inventory: %v", err)
	}
	if trace != nil {
		trace.on.Store(true)
	}
	info["url"] = s.URL.Host
	if *rttPath != "" {
		ln, err := net.Listen("tcp", front)
		if err != nil {
			log.Fatalf("delayed link: %v", err)
		}
		link := &delayedLink{front: ln, back: s.URL.Host, rttFile: *rttPath}
		go link.serve()
		info["url"] = front
		info["simulator"] = s.URL.Host
	}
	info["vms_total"] = len(model.Map().All("VirtualMachine"))
	info["seconds"] = time.Since(start).Seconds()
	if *readyPath != "" {
		b, _ := json.MarshalIndent(info, "", "  ")
		if err := os.WriteFile(*readyPath, b, 0o644); err != nil {
			log.Fatalf("ready file: %v", err)
		}
	}
	log.Printf("lab-vcsim ready on %s with %d VMs in %.1fs", s.URL.Host, info["vms_total"], info["seconds"])

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
}

// requestFixups reads requests as vCenter does where govmomi's decoder differs (see cnsRequestTypes).
type requestFixups struct{ next http.Handler }

func (f requestFixups) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/vsanHealth" && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		body = cnsRequestTypes(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	f.next.ServeHTTP(w, r)
}

// vmDefaults fills in what vCenter always sets and the simulator leaves empty (an empty enum makes
// pyvmomi's deserializer fail on the whole runtime/summary property).
type vmDefaults struct{}

func (vmDefaults) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LabHook", Value: "vm-defaults"}
}

func (vmDefaults) PutObject(_ *simulator.Context, obj mo.Reference) {
	if vm, ok := obj.(*simulator.VirtualMachine); ok {
		fixVM(vm)
	}
}

// UpdateObject keeps runtime.bootTime (the last power on) as vCenter does, and the datastore membership as vCenter does: after a reconfiguration, VirtualMachine.datastore
// lists exactly the datastores holding the VM's files (its home and every attached disk) and each of those
// Datastore.vm lists the VM. The simulator adds a disk's datastore to the VM but never the VM to the datastore,
// which hides a VM from anyone asking a datastore who uses it (and it never drops a datastore after a detach).
func (vmDefaults) UpdateObject(ctx *simulator.Context, obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok || vm.Config == nil {
		return
	}
	for _, c := range changes {
		if c.Name == "summary.runtime.bootTime" {
			// vCenter reports the last power on in runtime.bootTime too (the simulator only in the summary)
			vm.Runtime.BootTime = vm.Summary.Runtime.BootTime
		}
	}
	for _, c := range changes {
		if c.Name == "config.changeVersion" {
			syncDatastores(ctx, vm)
			return
		}
	}
}

func syncDatastores(ctx *simulator.Context, vm *mo.VirtualMachine) {
	byName := map[string]types.ManagedObjectReference{}
	for _, e := range ctx.Map.All("Datastore") {
		ds := e.(*simulator.Datastore)
		byName[ds.Name] = ds.Self
	}
	want := map[types.ManagedObjectReference]bool{}
	var order []types.ManagedObjectReference
	use := func(file string) {
		var p object.DatastorePath
		if !p.FromString(file) {
			return
		}
		if ref, ok := byName[p.Datastore]; ok && !want[ref] {
			want[ref] = true
			order = append(order, ref)
		}
	}
	use(vm.Config.Files.VmPathName)
	for _, d := range vm.Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
				use(b.GetVirtualDeviceFileBackingInfo().FileName)
			}
		}
	}
	if len(order) == 0 {
		return
	}
	vm.Datastore = order
	for _, e := range ctx.Map.All("Datastore") {
		ds := e.(*simulator.Datastore)
		if want[ds.Self] {
			ctx.Map.AddReference(ctx, ds, &ds.Vm, vm.Self)
		} else {
			ctx.Map.RemoveReference(ctx, ds, &ds.Vm, vm.Self)
		}
	}
}
func (vmDefaults) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

func fixVM(vm *simulator.VirtualMachine) {
	if vm.Runtime.BootTime == nil {
		vm.Runtime.BootTime = vm.Summary.Runtime.BootTime
	}
	if vm.Runtime.FaultToleranceState == "" {
		vm.Runtime.FaultToleranceState = types.VirtualMachineFaultToleranceStateNotConfigured
	}
	if vm.Summary.Runtime.FaultToleranceState == "" {
		vm.Summary.Runtime.FaultToleranceState = types.VirtualMachineFaultToleranceStateNotConfigured
	}
	if vm.Runtime.RecordReplayState == "" {
		vm.Runtime.RecordReplayState = types.VirtualMachineRecordReplayStateInactive
	}
	if vm.Summary.Runtime.RecordReplayState == "" {
		vm.Summary.Runtime.RecordReplayState = types.VirtualMachineRecordReplayStateInactive
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func wait(t *object.Task, err error) error {
	if err != nil {
		return err
	}
	return t.Wait(context.Background())
}

// shape turns the default model into the lab's site, through the API like an administrator would,
// with guest data set through vcsim's "SET." ExtraConfig keys.
func shape(ctx context.Context, model *simulator.Model, u *url.URL) (info map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return nil, err
	}
	defer c.Logout(ctx)
	finder := find.NewFinder(c.Client, true)
	dc := must(finder.Datacenter(ctx, "DC0"))
	finder.SetDatacenter(dc)
	folders := must(dc.Folders(ctx))

	// Clusters as zones.
	for i, zone := range []string{"zone-a", "zone-b"} {
		cl := must(finder.ClusterComputeResource(ctx, fmt.Sprintf("DC0_C%d", i)))
		if err := wait(cl.Rename(ctx, zone)); err != nil {
			return nil, err
		}
	}

	// A datastore cluster and a datastore folder.
	pod := must(folders.DatastoreFolder.CreateStoragePod(ctx, "DatastoreCluster"))
	ds2 := must(finder.Datastore(ctx, "LocalDS_2"))
	if err := wait(pod.MoveInto(ctx, []types.ManagedObjectReference{ds2.Reference()})); err != nil {
		return nil, err
	}
	// Storage DRS on, in manual mode: vCenter always reports the cluster's default automation (the simulator leaves
	// defaultVmBehavior empty).
	srm := object.NewStorageResourceManager(c.Client)
	if err := wait(srm.ConfigureStorageDrsForPod(ctx, pod, types.StorageDrsConfigSpec{PodConfigSpec: &types.StorageDrsPodConfigSpec{
		Enabled: types.NewBool(true), DefaultVmBehavior: string(types.StorageDrsPodConfigInfoBehaviorManual)}}, true)); err != nil {
		return nil, err
	}
	tier := must(folders.DatastoreFolder.CreateFolder(ctx, "storage-tier"))
	ds3 := must(finder.Datastore(ctx, "LocalDS_3"))
	if err := wait(tier.MoveInto(ctx, []types.ManagedObjectReference{ds3.Reference()})); err != nil {
		return nil, err
	}

	// A datastore whose name has spaces, as NFS exports often get, mounted on every host.
	spaceDir := must(os.MkdirTemp("", "lab-nfs-datastore-"))
	for _, h := range must(finder.HostSystemList(ctx, "*/*")) {
		dss := must(h.ConfigManager().DatastoreSystem(ctx))
		if _, err := dss.CreateLocalDatastore(ctx, "nfs datastore 1", spaceDir); err != nil {
			return nil, fmt.Errorf("datastore with spaces on %s: %w", h.Name(), err)
		}
	}

	// Node VMs.
	k8sFolder := must(folders.VmFolder.CreateFolder(ctx, "kubernetes"))
	ds0 := must(finder.Datastore(ctx, "LocalDS_0"))
	intNet := must(finder.Network(ctx, internalNet))
	extNet := must(finder.Network(ctx, externalNet))
	intBacking := must(intNet.EthernetCardBackingInfo(ctx))
	extBacking := must(extNet.EthernetCardBackingInfo(ctx))

	var created []*object.VirtualMachine
	for _, n := range nodes {
		cl := must(finder.ClusterComputeResource(ctx, n.Cluster))
		pool := must(cl.ResourcePool(ctx))
		hosts := must(cl.Hosts(ctx))
		host := hosts[n.Host]

		var devices object.VirtualDeviceList
		scsi := must(devices.CreateSCSIController("lsilogic"))
		devices = append(devices, scsi)
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), ds0.Reference(), "")
		disk.CapacityInKB = 16 * 1024 * 1024
		devices = append(devices, disk)
		devices = append(devices, must(devices.CreateEthernetCard("vmxnet3", intBacking)))
		devices = append(devices, must(devices.CreateEthernetCard("vmxnet3", extBacking)))
		deviceChange := must(devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd))
		for _, dc := range deviceChange {
			if d, ok := dc.GetVirtualDeviceConfigSpec().Device.(*types.VirtualDisk); ok && d != nil {
				dc.GetVirtualDeviceConfigSpec().FileOperation = types.VirtualDeviceConfigSpecFileOperationCreate
			}
		}
		var extra []types.BaseOptionValue
		if n.EnableUUID {
			extra = append(extra, &types.OptionValue{Key: "disk.EnableUUID", Value: "TRUE"})
		}
		spec := types.VirtualMachineConfigSpec{
			Name:         n.Name,
			GuestId:      "ubuntu64Guest",
			NumCPUs:      n.CPUs,
			MemoryMB:     n.MemoryMB,
			Uuid:         n.UUID,
			Version:      "vmx-19",
			Files:        &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
			DeviceChange: deviceChange,
			ExtraConfig:  extra,
		}
		task, err := k8sFolder.CreateVM(ctx, spec, pool, host)
		if err != nil {
			return nil, err
		}
		res, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", n.Name, err)
		}
		vm := object.NewVirtualMachine(c.Client, res.Result.(types.ManagedObjectReference))
		if err := wait(vm.PowerOn(ctx)); err != nil {
			return nil, err
		}
		guest := types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: "SET.guest.hostName", Value: n.Name},
			&types.OptionValue{Key: "SET.guest.ipAddress", Value: n.InternalIP},
			// open-vm-tools runs in a node's guest: vCenter reports it running (vcsim says not running).
			&types.OptionValue{Key: "SET.guest.toolsRunningStatus", Value: "guestToolsRunning"},
		}}
		if err := wait(vm.Reconfigure(ctx, guest)); err != nil {
			return nil, err
		}
		created = append(created, vm)
	}

	// The second NIC's addresses (and an IPv6 address on the first) have no SET. key: set them in the model.
	reg := model.Map()
	for i, vm := range created {
		n := nodes[i]
		obj := reg.Get(vm.Reference()).(*simulator.VirtualMachine)
		reg.WithLock(model.Service.Context, obj, func() {
			// NICs are in creation order: internal first, external second.
			nets := [][]string{{internalNet, n.InternalIP, n.IPv6}, {externalNet, n.ExternalIP}}
			for j := range obj.Guest.Net {
				if j < len(nets) {
					obj.Guest.Net[j].Network = nets[j][0]
					obj.Guest.Net[j].IpAddress = nets[j][1:]
				}
			}
		})
	}

	// Zone and region tags.
	rc := rest.NewClient(c.Client)
	if err := rc.Login(ctx, u.User); err != nil {
		return nil, fmt.Errorf("rest login: %w", err)
	}
	tm := tags.NewManager(rc)
	zoneCat := must(tm.CreateCategory(ctx, &tags.Category{Name: "k8s-zone", Cardinality: "SINGLE",
		AssociableTypes: []string{"ClusterComputeResource", "HostSystem", "Datacenter", "Folder", "VirtualMachine"}}))
	regionCat := must(tm.CreateCategory(ctx, &tags.Category{Name: "k8s-region", Cardinality: "SINGLE",
		AssociableTypes: []string{"ClusterComputeResource", "HostSystem", "Datacenter", "Folder", "VirtualMachine"}}))
	for _, zone := range []string{"zone-a", "zone-b"} {
		id := must(tm.CreateTag(ctx, &tags.Tag{Name: zone, CategoryID: zoneCat}))
		cl := must(finder.ClusterComputeResource(ctx, zone))
		if err := tm.AttachTag(ctx, id, cl); err != nil {
			return nil, err
		}
	}
	region := must(tm.CreateTag(ctx, &tags.Tag{Name: "region-1", CategoryID: regionCat}))
	if err := tm.AttachTag(ctx, region, dc); err != nil {
		return nil, err
	}

	return map[string]any{
		"datacenter":  "DC0",
		"clusters":    []string{"zone-a", "zone-b"},
		"datastores":  []string{"LocalDS_0", "LocalDS_1", "DatastoreCluster/LocalDS_2", "storage-tier/LocalDS_3"},
		"networks":    []string{internalNet, externalNet},
		"node_folder": "/DC0/vm/kubernetes",
		"nodes":       nodes,
		"zone_tags":   "k8s-zone",
		"region_tags": "k8s-region",
	}, nil
}
