package main

// ESXi writes a ddb.uuid line into every VMDK descriptor it creates (CreateVirtualDisk, CreateDisk, a VM's new
// disk): the disk UUID that QueryVirtualDiskUuid answers and a VM's disk backing reports. govmomi's simulator writes
// descriptors without it (its UUIDs are computed from the disk's datacenter and name when asked), so a client that
// reads the descriptor, as vCenter's datastore file service serves it, found no UUID there and had to ask again.
// withDiskUUIDs serves every descriptor the way ESXi wrote it: with ddb.uuid, the same UUID the simulator answers
// to QueryVirtualDiskUuid and puts in a VM's disk backing (a SHA-256 name UUID of datacenter reference + "[ds] path"),
// in ESXi's notation ("xx xx xx xx xx xx xx xx-xx xx xx xx xx xx xx xx"). A descriptor that has one is served as is.

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

func withDiskUUIDs(reg *simulator.Registry, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Method != http.MethodGet || !strings.HasPrefix(p, "/folder/") || !strings.HasSuffix(p, ".vmdk") ||
			strings.HasSuffix(p, "-flat.vmdk") || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		id := diskUUID(reg, r.URL) // before serving: the file service rewrites r.URL
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && bytes.HasPrefix(body, []byte("# Disk DescriptorFile")) &&
			!bytes.Contains(body, []byte("\nddb.uuid")) {
			if id != "" {
				if !bytes.HasSuffix(body, []byte("\n")) {
					body = append(body, '\n')
				}
				body = append(body, []byte("ddb.uuid = \""+id+"\"\n")...)
			}
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// diskUUID is the simulator's UUID of the disk a /folder URL names, in ESXi's descriptor notation ("" when the
// datacenter is unknown).
func diskUUID(reg *simulator.Registry, u *url.URL) string {
	q := u.Query()
	dcPath := strings.Trim(q.Get("dcPath"), "/")
	dcName := dcPath[strings.LastIndex(dcPath, "/")+1:]
	var dcRef string
	for _, e := range reg.All("Datacenter") {
		dc := e.(*simulator.Datacenter)
		if dcName == "" || dc.Name == dcName {
			dcRef = dc.Self.String()
			break
		}
	}
	if dcRef == "" {
		return ""
	}
	rel, err := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/folder/"))
	if err != nil {
		return ""
	}
	// As the simulator's virtualDiskUUID (internal.OID of the datacenter reference and the datastore path).
	id := uuid.NewHash(sha256.New(), uuid.NameSpaceOID, []byte(dcRef+"["+q.Get("dsName")+"] "+rel), 5)
	h := strings.ReplaceAll(id.String(), "-", "")
	var parts []string
	for i := 0; i < 32; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

// vCenter attaches a First Class Disk with the disk UUID its vmdk already has (what QueryVirtualDiskUuid answers for
// the file, the serial the guest sees and the CSI node plugin looks for); it does not make a new one. A new UUID on
// every attach would hide a volume rewrite that lost the disk's identity, so the lab's CNS attach uses this.

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
