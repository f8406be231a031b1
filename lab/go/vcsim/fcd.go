package main

// vCenter's RegisterDisk reads the disk's size from its vmdk: the First Class Disk it makes has the disk's capacity.
// The simulator's RegisterDisk records capacity 0, so every figure read from that FCD (RetrieveVStorageObject, the
// CNS volume a static PersistentVolume registers) says 0 MB. fcdCapacity gives each First Class Disk that has no
// capacity the size of its vmdk (the descriptor's extents) once a RegisterDisk call is answered.

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vmdk"
)

type fcdCapacity struct {
	next  http.Handler
	model *simulator.Model
}

func (f fcdCapacity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	register := false
	if r.Method == http.MethodPost && r.URL.Path == "/sdk" && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		register = bytes.Contains(body, []byte("RegisterDisk"))
	}
	if !register {
		f.next.ServeHTTP(w, r)
		return
	}
	// The answer (the new FCD) is held until its capacity is filled in, so that it says the real size too.
	rec := &heldResponse{header: http.Header{}, status: http.StatusOK}
	f.next.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	if mb := f.fill(); mb > 0 {
		body = bytes.Replace(body, []byte("<capacityInMB>0</capacityInMB>"),
			[]byte("<capacityInMB>"+strconv.FormatInt(mb, 10)+"</capacityInMB>"), 1)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header         { return h.header }
func (h *heldResponse) Write(b []byte) (int, error) { return h.body.Write(b) }
func (h *heldResponse) WriteHeader(status int)      { h.status = status }

// vmdkCapacity is the capacity (bytes) the descriptor of a vmdk on a local datastore declares, or 0.
func vmdkCapacity(reg *simulator.Registry, ds types.ManagedObjectReference, filePath string) int64 {
	store, ok := reg.Get(ds).(*simulator.Datastore)
	var p object.DatastorePath
	if !ok || !p.FromString(filePath) {
		return 0
	}
	file, err := os.Open(path.Join(store.Summary.Url, p.Path))
	if err != nil {
		return 0
	}
	defer file.Close()
	desc, err := vmdk.ParseDescriptor(file)
	if err != nil {
		return 0
	}
	return desc.Capacity()
}

// fill gives every FCD without capacity its vmdk's; it answers the capacity (MB) of the last one it filled.
func (f fcdCapacity) fill() (filled int64) {
	reg := f.model.Map()
	vsom := reg.VStorageObjectManager()
	ctx := &simulator.Context{Map: reg}
	reg.WithLock(ctx, vsom, func() {
		for ds, objs := range vsom.Catalog() {
			for _, obj := range objs {
				if obj.Config.CapacityInMB != 0 {
					continue
				}
				if b, ok := obj.Config.Backing.(*types.BaseConfigInfoDiskFileBackingInfo); ok {
					obj.Config.CapacityInMB = vmdkCapacity(reg, ds, b.FilePath) / (1024 * 1024)
					filled = obj.Config.CapacityInMB
				}
			}
		}
	})
	return filled
}
