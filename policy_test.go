package rampart_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

const (
	orgNode  = "identity--11111111-1111-4111-8111-111111111111" // the node's own
	orgConst = "identity--22222222-2222-4222-8222-222222222222" // a constituent
	orgPart  = "identity--33333333-3333-4333-8333-333333333333" // a partner
	orgDE    = "identity--44444444-4444-4444-8444-444444444444" // another member state
	orgIT    = "identity--55555555-5555-4555-8555-555555555555" // another member state
)

var policy = rampart.Policy{Organization: orgNode}

var readers = map[string]rampart.Reader{
	"own":         {Organization: orgNode, Relation: rampart.RelationOwn},
	"constituent": {Organization: orgConst, Relation: rampart.RelationConstituent},
	"partner":     {Organization: orgPart, Relation: rampart.RelationPartner},
	"peer DE":     {Organization: orgDE, Relation: rampart.RelationPeer},
}

// obj returns an indicator created by creator with a TLP marking (none for
// TLPUnmarked) and extra members.
func obj(t *testing.T, n int, creator string, tlp stix.TLP, extra string) *stix.Object {
	t.Helper()
	marking := ""
	if tlp != stix.TLPUnmarked {
		marking = fmt.Sprintf(`,"object_marking_refs":[%q]`, tlp.MarkingID())
	}
	by := ""
	if creator != "" {
		by = fmt.Sprintf(`,"created_by_ref":%q`, creator)
	}
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s%s%s}`, n, n, by, marking, extra))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func addressedTo(orgs ...string) string {
	q := make([]string, len(orgs))
	for i, o := range orgs {
		q[i] = `"` + o + `"`
	}
	return fmt.Sprintf(`,"extensions":{%q:{"extension_type":"property-extension","recipients":[%s]}}`, stix.RecipientsExtensionID, strings.Join(q, ","))
}

func TestPolicyDecide(t *testing.T) {
	granularRed := fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["pattern"]}]`, stix.TLPRed.MarkingID())
	for _, tc := range []struct {
		name string
		o    *stix.Object
		refs []*stix.Object
		// who may read it (the others may not)
		want []string
	}{
		{"CLEAR", obj(t, 1, orgDE, stix.TLPClear, ""), nil, []string{"own", "constituent", "partner", "peer DE"}},
		{"GREEN", obj(t, 2, orgDE, stix.TLPGreen, ""), nil, []string{"own", "constituent", "partner", "peer DE"}},
		{"AMBER", obj(t, 3, orgDE, stix.TLPAmber, ""), nil, []string{"own", "constituent", "peer DE"}},
		{"AMBER by the node", obj(t, 4, orgNode, stix.TLPAmber, ""), nil, []string{"own", "constituent"}},
		{"unmarked", obj(t, 5, orgIT, stix.TLPUnmarked, ""), nil, []string{"own", "constituent"}},
		{"AMBER+STRICT", obj(t, 6, orgIT, stix.TLPAmberStrict, ""), nil, []string{"own"}},
		{"RED", obj(t, 7, orgNode, stix.TLPRed, ""), nil, []string{"own"}},
		{"RED of a constituent", obj(t, 8, orgConst, stix.TLPRed, ""), nil, []string{"own", "constituent"}},
		{"RED, no creator", obj(t, 9, "", stix.TLPRed, ""), nil, []string{"own"}},
		{"granular RED on GREEN", obj(t, 10, orgIT, stix.TLPGreen, granularRed), nil, []string{"own"}},
		{"GREEN addressed to the partner", obj(t, 11, orgNode, stix.TLPGreen, addressedTo(orgPart)), nil, []string{"own", "partner"}},
		{"RED addressed to the constituent", obj(t, 12, orgIT, stix.TLPRed, addressedTo(orgConst)), nil, []string{"constituent"}},
		{"RED addressed to DE", obj(t, 13, orgNode, stix.TLPRed, addressedTo(orgDE)), nil, []string{"own", "peer DE"}},
		{"malformed addressing", obj(t, 14, orgIT, stix.TLPClear, `,"extensions":{"`+stix.RecipientsExtensionID+`":{"extension_type":"property-extension","recipients":[]}}`), nil, nil},
		{"GREEN about RED", obj(t, 15, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 16, orgNode, stix.TLPRed, "")}, []string{"own"}},
		{"GREEN about AMBER", obj(t, 17, orgIT, stix.TLPGreen, ""), []*stix.Object{obj(t, 18, orgIT, stix.TLPAmber, "")}, []string{"own", "constituent"}},
		{"GREEN about GREEN", obj(t, 19, orgIT, stix.TLPGreen, ""), []*stix.Object{obj(t, 20, orgIT, stix.TLPGreen, "")}, []string{"own", "constituent", "partner", "peer DE"}},
	} {
		for name, r := range readers {
			d := policy.Decide(tc.o, r, tc.refs...)
			if want := slices.Contains(tc.want, name); d.Allow != want || d.AdminOnly {
				t.Errorf("%s read by %s: %+v, want allowed %v", tc.name, name, d, want)
			}
			admin := r
			admin.Admin = true
			if d := policy.Decide(tc.o, admin, tc.refs...); !d.Allow || d.AdminOnly == slices.Contains(tc.want, name) {
				t.Errorf("%s read by an administrator of %s: %+v", tc.name, name, d)
			}
		}
	}
}

func TestPolicyDistribute(t *testing.T) {
	members := []string{orgDE, orgIT}
	for _, tc := range []struct {
		name  string
		o     *stix.Object
		refs  []*stix.Object
		clear bool
		to    []string
	}{
		{"own CLEAR", obj(t, 1, orgNode, stix.TLPClear, ""), nil, true, nil},
		{"own GREEN", obj(t, 2, orgNode, stix.TLPGreen, ""), nil, true, nil},
		{"another's GREEN", obj(t, 3, orgDE, stix.TLPGreen, ""), nil, true, nil},
		{"own AMBER: every member state", obj(t, 4, orgNode, stix.TLPAmber, ""), nil, false, members},
		{"own unmarked: as AMBER", obj(t, 5, orgNode, stix.TLPUnmarked, ""), nil, false, members},
		{"another's AMBER: nowhere", obj(t, 6, orgDE, stix.TLPAmber, ""), nil, false, nil},
		{"own RED, no one named: nowhere", obj(t, 7, orgNode, stix.TLPRed, ""), nil, false, nil},
		{"own AMBER+STRICT, no one named", obj(t, 8, orgNode, stix.TLPAmberStrict, ""), nil, false, nil},
		{"own RED addressed to IT", obj(t, 9, orgNode, stix.TLPRed, addressedTo(orgIT)), nil, false, []string{orgIT}},
		{"own GREEN addressed to DE and self", obj(t, 10, orgNode, stix.TLPGreen, addressedTo(orgDE, orgNode)), nil, false, []string{orgDE}},
		{"another's RED addressed to IT", obj(t, 11, orgDE, stix.TLPRed, addressedTo(orgIT)), nil, false, nil},
		{"own GREEN about DE's AMBER: back to DE", obj(t, 12, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 13, orgDE, stix.TLPAmber, "")}, false, []string{orgDE}},
		{"own AMBER about DE's RED addressed here", obj(t, 14, orgNode, stix.TLPAmber, ""), []*stix.Object{obj(t, 15, orgDE, stix.TLPRed, addressedTo(orgNode))}, false, []string{orgDE}},
		{"own GREEN about own RED", obj(t, 16, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 17, orgNode, stix.TLPRed, "")}, false, nil},
		{"own GREEN about own AMBER", obj(t, 18, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 19, orgNode, stix.TLPAmber, "")}, false, members},
		{"own AMBER addressed to IT, about DE's AMBER", obj(t, 20, orgNode, stix.TLPAmber, addressedTo(orgIT)), []*stix.Object{obj(t, 21, orgDE, stix.TLPAmber, "")}, false, nil},
		{"own GREEN about DE's RED addressed to IT and here: IT and DE", obj(t, 25, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 26, orgDE, stix.TLPRed, addressedTo(orgIT, orgNode))}, false, []string{orgDE, orgIT}},
		{"own endorsement addressed to DE and IT, about DE's statement addressed to IT and here", obj(t, 27, orgNode, stix.TLPAmber, addressedTo(orgDE, orgIT)), []*stix.Object{obj(t, 28, orgDE, stix.TLPAmber, addressedTo(orgIT, orgNode))}, false, []string{orgDE, orgIT}},
		{"own GREEN about another's GREEN", obj(t, 22, orgNode, stix.TLPGreen, ""), []*stix.Object{obj(t, 23, orgDE, stix.TLPGreen, "")}, true, nil},
	} {
		// On its own markings, an object travels in clear exactly when
		// Distribute, without what it refers to, says so.
		if clear := policy.InClear(tc.o); clear != policy.Distribute(tc.o, members).Clear {
			t.Errorf("%s: InClear = %v", tc.name, clear)
		}
		d := policy.Distribute(tc.o, members, tc.refs...)
		if d.Clear != tc.clear || !slices.Equal(d.Recipients, tc.to) {
			t.Errorf("%s: %+v; want clear %v, recipients %v", tc.name, d, tc.clear, tc.to)
		}
		if d.Reason == "" {
			t.Errorf("%s: no reason", tc.name)
		}
	}
	// A node without an organisation shares CLEAR and GREEN alone.
	none := rampart.Policy{}
	if d := none.Distribute(obj(t, 24, "", stix.TLPAmber, ""), members); d.Clear || len(d.Recipients) > 0 {
		t.Errorf("a node without an organisation distributes AMBER: %+v", d)
	}
}

func TestPolicySealedEnvelope(t *testing.T) {
	o, err := stix.ParseObject([]byte(`{"type":"x-rampart-sealed","spec_version":"2.1","id":"x-rampart-sealed--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"` + orgDE + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range readers {
		if d := policy.Decide(o, r); d.Allow != (name == "own") {
			t.Errorf("an envelope read by %s: %+v", name, d)
		}
	}
	if d := policy.Distribute(o, []string{orgDE}); d.Clear || len(d.Recipients) > 0 {
		t.Errorf("Distribute of an envelope: %+v", d)
	}
}

func TestPolicyDerived(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     *stix.Object
		level stix.TLP
		to    []string
	}{
		{"another's GREEN", obj(t, 1, orgDE, stix.TLPGreen, ""), stix.TLPGreen, nil},
		{"another's AMBER: back to it", obj(t, 2, orgDE, stix.TLPAmber, ""), stix.TLPAmber, []string{orgDE}},
		{"another's unmarked: AMBER, back to it", obj(t, 3, orgDE, stix.TLPUnmarked, ""), stix.TLPAmber, []string{orgDE}},
		{"another's RED addressed here: back to it", obj(t, 4, orgDE, stix.TLPRed, addressedTo(orgNode, orgIT)), stix.TLPRed, []string{orgDE}},
		{"another's GREEN addressed here: back to it", obj(t, 5, orgDE, stix.TLPGreen, addressedTo(orgNode)), stix.TLPGreen, []string{orgDE}},
		{"own AMBER: as the source", obj(t, 6, orgNode, stix.TLPAmber, ""), stix.TLPAmber, nil},
		{"own RED: as the source, named to no one", obj(t, 7, orgNode, stix.TLPRed, ""), stix.TLPRed, nil},
		{"own RED addressed to DE", obj(t, 8, orgNode, stix.TLPRed, addressedTo(orgDE)), stix.TLPRed, []string{orgDE}},
		{"AMBER of no one: stays here", obj(t, 9, "", stix.TLPAmber, ""), stix.TLPAmber, []string{orgNode}},
	} {
		level, to := policy.Derived(tc.o)
		if level != tc.level || !slices.Equal(to, tc.to) {
			t.Errorf("%s: Derived = %s, %v; want %s, %v", tc.name, level, to, tc.level, tc.to)
		}
	}
}

// TestPolicyEscapedNames: granular markings and addressing restrict an
// object however its member names are spelt: an object whose
// "granular_markings" or recipients extension id is written with \u
// escapes goes to no peer in clear and is not read by a partner.
func TestPolicyEscapedNames(t *testing.T) {
	escape := func(raw, name string) string {
		t.Helper()
		quoted := `"` + name + `"`
		if !strings.Contains(raw, quoted) {
			t.Fatalf("%s not in %s", quoted, raw)
		}
		return strings.Replace(raw, quoted, fmt.Sprintf(`"\u%04x%s"`, name[0], name[1:]), 1)
	}
	granular := string(obj(t, 1, orgNode, stix.TLPClear, fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["pattern"]}]`, stix.TLPRed.MarkingID())).Raw)
	addressed := string(obj(t, 2, orgNode, stix.TLPClear, addressedTo(orgIT)).Raw)
	for _, raw := range []string{escape(granular, "granular_markings"), escape(granular, "marking_ref"), escape(addressed, stix.RecipientsExtensionID)} {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if policy.InClear(o) || policy.Distribute(o, []string{orgDE, orgIT}).Clear {
			t.Errorf("travels in clear: %s", raw)
		}
		for _, r := range []string{"partner", "peer DE"} {
			if d := policy.Decide(o, readers[r]); d.Allow {
				t.Errorf("%s reads %s: %s", r, raw, d.Reason)
			}
		}
	}
}
