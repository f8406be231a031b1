package main

// govmomi's PBM simulator answers PbmCheckCompatibility with every datastore of the inventory, whatever the policy
// and the hubs asked about: a storage policy never lacks a compatible datastore. labPlacement answers as vCenter does
// for tag-based placement, the rules a site writes itself:
//
//   - only the hubs asked about (hubsToSearch; all datastores when none) are answered, each once;
//   - a policy complies on a datastore when one of its rule sets (sub-profiles) does: every capability of the rule
//     set must hold; a capability of the tag namespace (http://www.vmware.com/storage/tag, id = the tag category)
//     holds when the datastore carries one of the tags listed (operator NOT: none of them);
//   - a datastore that does not comply is answered with an error, as vCenter does.
//
// Capabilities of other namespaces (vSAN, data services) are not modelled: they hold everywhere, as before.

import (
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"sync"

	"github.com/vmware/govmomi/pbm/methods"
	pbmsim "github.com/vmware/govmomi/pbm/simulator"
	pbmtypes "github.com/vmware/govmomi/pbm/types"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const tagNamespace = "http://www.vmware.com/storage/tag"

// tagLookup is what the vAPI simulator's handler offers for use inside the simulator.
type tagLookup interface {
	AttachedTags(types.ManagedObjectReference) ([]string, types.BaseMethodFault)
	GetTagCategoryAndName(string) (string, string, types.BaseMethodFault)
}

func init() {
	simulator.RegisterEndpoint(func(s *simulator.Service, r *simulator.Registry) {
		if !r.IsVPX() {
			return
		}
		reg := pbmsim.New()
		var pm *pbmsim.ProfileManager
		var solver *pbmsim.PlacementSolver
		for _, ref := range []types.ManagedObjectReference{
			{Type: "PbmProfileProfileManager", Value: "ProfileManager"},
			{Type: "PbmPlacementSolver", Value: "placementSolver"},
		} {
			switch o := reg.Get(ref).(type) {
			case *pbmsim.ProfileManager:
				pm = o
			case *pbmsim.PlacementSolver:
				solver = o
			}
		}
		if pm == nil || solver == nil {
			return // another govmomi layout: keep the stock endpoint
		}
		reg.Put(&labPlacement{PlacementSolver: solver, profiles: pm, service: s})
		s.RegisterSDK(reg)
	})
}

type labPlacement struct {
	*pbmsim.PlacementSolver
	profiles *pbmsim.ProfileManager
	service  *simulator.Service
}

// tagsOf is {category name: {tag name}} of the tags attached to ref.
func (m *labPlacement) tagsOf(ref types.ManagedObjectReference) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	if m.service.ServeMux == nil {
		return out
	}
	h, _ := m.service.ServeMux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/rest/com/vmware/cis/tagging/tag"}})
	lookup, ok := h.(tagLookup)
	if !ok {
		return out
	}
	if l, ok := h.(sync.Locker); ok {
		l.Lock()
		defer l.Unlock()
	}
	categories := reflect.ValueOf(h).Elem().FieldByName("Category")
	ids, _ := lookup.AttachedTags(ref)
	for _, id := range ids {
		catID, name, fault := lookup.GetTagCategoryAndName(id)
		if fault != nil {
			continue
		}
		catName := catID
		if categories.IsValid() && categories.Kind() == reflect.Map {
			if c := categories.MapIndex(reflect.ValueOf(catID)); c.IsValid() {
				if cat, ok := c.Interface().(*tags.Category); ok {
					catName = cat.Name
				}
			}
		}
		if out[catName] == nil {
			out[catName] = map[string]bool{}
		}
		out[catName][name] = true
	}
	return out
}

func stringsOf(v types.AnyType) []string {
	switch x := v.(type) {
	case pbmtypes.PbmCapabilityDiscreteSet:
		return stringsOf(&x)
	case *pbmtypes.PbmCapabilityDiscreteSet:
		var out []string
		for _, e := range x.Values {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// capabilityHolds: a tag capability holds when one constraint has every property satisfied by the datastore's tags.
func capabilityHolds(c pbmtypes.PbmCapabilityInstance, dsTags map[string]map[string]bool) bool {
	if c.Id.Namespace != tagNamespace {
		return true
	}
	have := dsTags[c.Id.Id]
	for _, con := range c.Constraint {
		ok := true
		for _, p := range con.PropertyInstance {
			any := false
			for _, t := range stringsOf(p.Value) {
				if have[t] {
					any = true
				}
			}
			if p.Operator == "NOT" {
				any = !any
			}
			ok = ok && any
		}
		if ok {
			return true
		}
	}
	return len(c.Constraint) == 0
}

func complies(profile pbmtypes.BasePbmProfile, dsTags map[string]map[string]bool) bool {
	cp, ok := profile.(*pbmtypes.PbmCapabilityProfile)
	if !ok {
		return true
	}
	sub, ok := cp.Constraints.(*pbmtypes.PbmCapabilitySubProfileConstraints)
	if !ok || len(sub.SubProfiles) == 0 {
		return true
	}
	for _, rs := range sub.SubProfiles {
		all := true
		for _, c := range rs.Capability {
			all = all && capabilityHolds(c, dsTags)
		}
		if all {
			return true
		}
	}
	return false
}

// PbmCheckCompatibility answers the hubs asked about by the policy's tag rules (see the top of this file).
func (m *labPlacement) PbmCheckCompatibility(ctx *simulator.Context, req *pbmtypes.PbmCheckCompatibility) soap.HasFault {
	body := new(methods.PbmCheckCompatibilityBody)
	res := m.profiles.PbmRetrieveContent(&pbmtypes.PbmRetrieveContent{ProfileIds: []pbmtypes.PbmProfileId{req.Profile}})
	rc := res.(*methods.PbmRetrieveContentBody)
	if rc.Fault_ != nil || rc.Res == nil || len(rc.Res.Returnval) == 0 {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "profile"})
		return body
	}
	profile := rc.Res.Returnval[0]
	vctx := ctx.For(vim25.Path)
	hubs := req.HubsToSearch
	if len(hubs) == 0 {
		for _, ds := range vctx.Map.All("Datastore") {
			hubs = append(hubs, pbmtypes.PbmPlacementHub{HubType: "Datastore", HubId: ds.Reference().Value})
		}
		sort.Slice(hubs, func(i, j int) bool { return hubs[i].HubId < hubs[j].HubId })
	}
	seen := map[pbmtypes.PbmPlacementHub]bool{}
	body.Res = new(pbmtypes.PbmCheckCompatibilityResponse)
	for _, hub := range hubs {
		if seen[hub] {
			continue
		}
		seen[hub] = true
		ref := types.ManagedObjectReference{Type: hub.HubType, Value: hub.HubId}
		if vctx.Map.Get(ref) == nil {
			continue
		}
		r := pbmtypes.PbmPlacementCompatibilityResult{Hub: hub}
		if !complies(profile, m.tagsOf(ref)) {
			r.Error = []types.LocalizedMethodFault{{
				Fault:            &pbmtypes.PbmFault{},
				LocalizedMessage: "Datastore does not match current VM policy",
			}}
		}
		body.Res.Returnval = append(body.Res.Returnval, r)
	}
	return body
}
