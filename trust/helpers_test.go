package trust

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Organisation ids used across the tests.
const (
	orgFR  = "identity--11111111-1111-4111-8111-111111111111"
	orgDE  = "identity--22222222-2222-4222-8222-222222222222"
	orgIT  = "identity--33333333-3333-4333-8333-333333333333"
	orgHub = "identity--44444444-4444-4444-8444-444444444444"
	orgObs = "identity--55555555-5555-4555-8555-555555555555"
	orgOut = "identity--66666666-6666-4666-8666-666666666666" // not a member
)

// t0 is the tests' "now": keys are valid from a year before to a year after.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testFed is a federation: three authority members (2 of 3 must sign), three
// national CSIRTs, a hub and an observer, each with its own keys.
type testFed struct {
	auth []*Identity
	ids  map[string]*Identity // organisation id -> identity
	doc  *RegistryDocument
	raw  []byte
	reg  *Registry
}

func newTestFed(t testing.TB) *testFed {
	t.Helper()
	f := &testFed{ids: map[string]*Identity{}}
	var members []*AuthorityMember
	for i := range 3 {
		a, err := GenerateIdentity(EUPQBase, "")
		if err != nil {
			t.Fatal(err)
		}
		f.auth = append(f.auth, a)
		members = append(members, &AuthorityMember{Name: fmt.Sprintf("authority-%d", i+1), Keys: a.KeySet().Keys[:2]})
	}
	doc, err := NewRegistryDocument(2, members, t0.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		id, name, country string
		role              Role
		p                 Profile
	}{
		{orgFR, "CERT-FR", "FR", RoleNationalCSIRT, EUPQBase},
		{orgDE, "CERT-Bund", "DE", RoleNationalCSIRT, EUPQHigh},
		{orgIT, "CSIRT Italia", "IT", RoleNationalCSIRT, EUPQBase},
		{orgHub, "EU hub", "EU", RoleHub, EUPQBase},
		{orgObs, "Observer", "NO", RoleObserver, EUPQBase},
	} {
		id, err := GenerateIdentity(o.p, o.id)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[o.id] = id
		if err := doc.SetOrganization(&Organization{
			ID: o.id, Name: o.name, Country: o.country, Role: o.role,
			Nodes: []string{"https://" + o.country + ".node.example/"},
			Keys:  validKeys(id, t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		}, t0.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	f.doc = doc
	f.publish(t, f.auth[0], f.auth[1])
	return f
}

func validKeys(id *Identity, nb, na time.Time) []*PublicKey {
	var keys []*PublicKey
	for _, k := range id.KeySet().Keys {
		keys = append(keys, k.withValidity(nb, na))
	}
	return keys
}

// publish signs the document with signers and parses it as a Registry.
func (f *testFed) publish(t testing.TB, signers ...*Identity) {
	t.Helper()
	raw := f.sign(t, signers...)
	reg, err := ParseRegistry(raw)
	if err != nil {
		t.Fatal(err)
	}
	f.raw, f.reg = raw, reg
}

func (f *testFed) sign(t testing.TB, signers ...*Identity) []byte {
	t.Helper()
	for _, s := range signers {
		if err := f.doc.Sign(s); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := f.doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (f *testFed) verifier() *Verifier {
	v := NewVerifier(f.reg, DefaultPolicy())
	v.Now = func() time.Time { return t0 }
	return v
}

// indicator returns an unsigned indicator created by org with the marking.
func indicator(t testing.TB, org string, tlp stix.TLP, modified string) *stix.Object {
	t.Helper()
	markings := ""
	if tlp != stix.TLPUnmarked {
		markings = fmt.Sprintf(`,"object_marking_refs":[%q]`, tlp.MarkingID())
	}
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"C2 of campaign X","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-01T10:00:00Z","confidence":85,"x_score":1.50%s}`,
		stix.NewID("indicator"), modified, modified, org, markings)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustSign(t testing.TB, id *Identity, o *stix.Object) *stix.Object {
	t.Helper()
	s, err := id.Sign(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustParse(t testing.TB, raw string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}
