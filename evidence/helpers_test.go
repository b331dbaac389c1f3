package evidence

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

const (
	orgFR  = "identity--11111111-1111-4111-8111-111111111111" // the node that makes packages
	orgEC3 = "identity--77777777-7777-4777-8777-777777777777" // the authority
	incID  = "incident--0b7c3a1e-8f4e-4f5e-9d7a-2c1b3a4d5e6f"
)

// t0 is the tests' clock; keys are valid a year either side.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// world holds the parties of the tests: a node, a carrier without an
// organisation, an authority, and the registry that lists the node and
// the authority.
type world struct {
	maker, carrier, authority *trust.Identity
	reg                       *trust.Registry
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{}
	var err error
	if w.maker, err = trust.GenerateIdentity(trust.EUPQBase, orgFR); err != nil {
		t.Fatal(err)
	}
	if w.carrier, err = trust.GenerateIdentity(trust.EUPQBase, ""); err != nil {
		t.Fatal(err)
	}
	if w.authority, err = trust.GenerateIdentity(trust.EUPQHigh, orgEC3); err != nil {
		t.Fatal(err)
	}
	auth, err := trust.GenerateIdentity(trust.EUPQBase, "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority-1", Keys: auth.KeySet().SigningKeys()}}, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		id      *trust.Identity
		name    string
		country string
		role    trust.Role
	}{{w.maker, "CERT-FR", "FR", trust.RoleNationalCSIRT}, {w.authority, "Europol EC3", "EU", trust.RoleObserver}} {
		keys := o.id.KeySet().WithValidity(t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
		if err := doc.SetOrganization(&trust.Organization{ID: o.id.Organization(), Name: o.name, Country: o.country, Role: o.role, Keys: keys}, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := doc.Sign(auth); err != nil {
		t.Fatal(err)
	}
	raw, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if w.reg, err = trust.ParseRegistry(raw); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) authorityParty() Party {
	return Party{Organization: orgEC3, Name: "Europol EC3", Keys: w.authority.KeySet()}
}

func (w *world) carrierParty() Party {
	return Party{Name: "Officer Dupont", Keys: w.carrier.KeySet()}
}

func (w *world) opts(now time.Time) VerifyOptions {
	return VerifyOptions{Registry: w.reg, Now: now}
}

func mustObject(t testing.TB, raw string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// contents returns an incident with an indicator, a sighting, an opinion
// and one artefact.
func contents(t testing.TB, w *world) *Contents {
	t.Helper()
	inc := mustObject(t, `{"type":"incident","spec_version":"2.1","id":"`+incID+`","created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z","created_by_ref":"`+orgFR+`","name":"Wiper at a grid operator","object_marking_refs":["`+stix.TLPAmberID+`"]}`)
	inc, err := w.maker.Sign(inc)
	if err != nil {
		t.Fatal(err)
	}
	ind := mustObject(t, `{"type":"indicator","spec_version":"2.1","id":"indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-30T10:00:00Z"}`)
	sig := mustObject(t, `{"type":"sighting","spec_version":"2.1","id":"sighting--2d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T11:00:00.000Z","modified":"2026-10-30T11:00:00.000Z","sighting_of_ref":"indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","count":3}`)
	op := mustObject(t, `{"type":"opinion","spec_version":"2.1","id":"opinion--3d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-31T11:00:00.000Z","modified":"2026-10-31T11:00:00.000Z","opinion":"agree","explanation":"APT-X, from the wiper's code","object_refs":["`+incID+`"]}`)
	return &Contents{
		Incident:    incID,
		Objects:     []*stix.Object{inc, ind, sig},
		Attribution: []*stix.Object{op},
		Files: []File{
			{Name: "artefacts/wiper.bin", Kind: KindArtefact, Source: "/cases/wiper.bin", Data: []byte("MZ\x90\x00 not really a wiper")},
			{Name: "artefacts/notes.txt", Kind: KindArtefact, Source: "notes.txt", Data: []byte("seen at 09:12 on the historian")},
		},
	}
}

// chained returns a package made at t0 and carried maker → carrier →
// authority, each hand-over received, an hour apart.
func chained(t testing.TB, w *world) *Package {
	t.Helper()
	p, _, err := Create(w.maker, "CERT-FR", w.authorityParty(), contents(t, w), "request EC3-2026-117", t0)
	if err != nil {
		t.Fatal(err)
	}
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = p.HandOver(w.maker, w.carrierParty(), "courier to The Hague", t0.Add(time.Hour))
	step(err)
	_, err = p.Receive(w.carrier, t0.Add(2*time.Hour))
	step(err)
	_, err = p.HandOver(w.carrier, w.authorityParty(), "delivery to the case officer", t0.Add(3*time.Hour))
	step(err)
	_, err = p.Receive(w.authority, t0.Add(4*time.Hour))
	step(err)
	return p
}

// roundTrip writes and reads p, as a file would carry it.
func roundTrip(t testing.TB, p *Package) *Package {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// tarOf returns a tar archive of the named members, in order.
func tarOf(t testing.TB, members ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(m[1]))
	}
	tw.Close()
	return buf.Bytes()
}

// members returns the archive's members, in order.
func members(t testing.TB, plain []byte) [][2]string {
	t.Helper()
	var out [][2]string
	tr := tar.NewReader(bytes.NewReader(plain))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, [2]string{h.Name, string(b)})
	}
}
