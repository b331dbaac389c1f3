package evidence

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

func TestPackageVerifiesAfterEveryHandOver(t *testing.T) {
	w := newWorld(t)
	p, m, err := Create(w.maker, "CERT-FR", w.authorityParty(), contents(t, w), "request EC3-2026-117", t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Members); got != 4 {
		t.Fatalf("manifest lists %d members, want 4 (incident.json, attribution.json, 2 artefacts)", got)
	}
	check := func(step string, now time.Time, wantHolder *trust.Identity, wantPending bool) {
		t.Helper()
		p = roundTrip(t, p)
		rep, err := Verify(p, w.opts(now))
		if err != nil {
			t.Fatalf("%s: Verify: %v", step, err)
		}
		if rep.Holder.Keys.SigningKeyIDs() != wantHolder.KeySet().SigningKeyIDs() || rep.Pending != wantPending {
			t.Fatalf("%s: holder %s pending %v, want %s pending %v", step, rep.Holder, rep.Pending, wantHolder, wantPending)
		}
	}
	check("made", t0, w.maker, false)
	if _, err := p.HandOver(w.maker, w.carrierParty(), "courier", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("handed to carrier", t0.Add(time.Hour), w.maker, true)
	if _, err := p.Receive(w.carrier, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("received by carrier", t0.Add(2*time.Hour), w.carrier, false)
	if _, err := p.HandOver(w.carrier, w.authorityParty(), "delivery", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("handed to authority", t0.Add(3*time.Hour), w.carrier, true)
	if _, err := p.Receive(w.authority, t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("received by authority", t0.Add(4*time.Hour), w.authority, false)

	// Without a registry, the chain still verifies against the keys it names.
	rep, err := Verify(p, VerifyOptions{Now: t0.Add(5 * time.Hour)})
	if err != nil || len(rep.Notes) == 0 {
		t.Fatalf("Verify without registry = %v, notes %q; want success with a note", err, rep.Notes)
	}
	// With the registry, the carrier is reported as having no organisation.
	rep, _ = Verify(p, w.opts(t0.Add(5*time.Hour)))
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "Officer Dupont") }) {
		t.Errorf("notes %q do not mention the carrier without an organisation", rep.Notes)
	}

	o, err := Open(p, w.authority, w.opts(t0.Add(5*time.Hour)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want := contents(t, w).Files
	for _, f := range want {
		i := slices.IndexFunc(o.Files, func(g File) bool { return g.Name == f.Name })
		if i < 0 || !bytes.Equal(o.Files[i].Data, f.Data) {
			t.Errorf("opened content lacks artefact %q as it was given", f.Name)
		}
	}
	b, err := stix.ParseBundle(o.Files[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	report := b.Objects[0]
	if report.Type != "report" || stix.EffectiveTLP(report) != stix.TLPRed {
		t.Fatalf("bundle opens with %s marked %v, want a TLP:RED report", report.Type, stix.EffectiveTLP(report))
	}
	if to, err := stix.Recipients(report); err != nil || !slices.Equal(to, []string{orgEC3}) {
		t.Errorf("report addressed to %v (%v), want the authority %s", to, err, orgEC3)
	}
	v := trust.NewVerifier(w.reg, trust.DefaultPolicy())
	v.Now = func() time.Time { return t0 }
	if _, err := v.Verify(report); err != nil {
		t.Errorf("the report's signature: %v", err)
	}
	ids := map[string]bool{}
	for _, o := range b.Objects {
		ids[o.ID] = true
	}
	for _, id := range []string{incID, "sighting--2d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"} {
		if !ids[id] {
			t.Errorf("incident.json lacks %s", id)
		}
	}
	if _, err := Open(p, w.maker, w.opts(t0.Add(5*time.Hour))); err == nil || !strings.Contains(err.Error(), "sealed to") {
		t.Errorf("Open by the maker = %v, want a refusal naming the authority", err)
	}
}

// TestTamperingIsDetected changes one thing at a time in a package that
// went maker → carrier → authority; each must make Verify fail, naming
// the part.
func TestTamperingIsDetected(t *testing.T) {
	w := newWorld(t)
	base := chained(t, w)
	other := chained(t, w)
	now := t0.Add(5 * time.Hour)
	flip := func(s string) string {
		b := []byte(s)
		b[len(b)/2] ^= 0x01
		if b[len(b)/2] == '-' || b[len(b)/2] == '_' {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name   string
		change func(p *Package)
		want   string
	}{
		{"a byte of the sealed content", func(p *Package) { p.Sealed[100] ^= 1 }, "sealed content: SHA-256"},
		{"sealed content swapped", func(p *Package) { p.Sealed = other.Sealed }, "sealed content"},
		{"sealed content swapped, cover digest fixed", func(p *Package) {
			p.Sealed, p.Cover.SealedSHA256, p.Cover.SealedSize = other.Sealed, other.Cover.SealedSHA256, other.Cover.SealedSize
		}, "cover: the maker's signature"},
		{"manifest digest in the cover", func(p *Package) { p.Cover.ManifestSHA256 = strings.Repeat("0", 64) }, "cover: the maker's signature"},
		{"cover purpose", func(p *Package) { p.Cover.Purpose = "something else" }, "cover: the maker's signature"},
		{"cover signature", func(p *Package) {
			p.CoverSignature.Signatures[0].Signature = flip(p.CoverSignature.Signatures[0].Signature)
		}, "cover: the maker's signature"},
		{"cover signature dropped", func(p *Package) { p.CoverSignature.Signatures = p.CoverSignature.Signatures[1:] }, "cover: the maker's signature"},
		{"cover marking", func(p *Package) { p.Cover.Marking = stix.TLPAmberID }, "not TLP:RED"},
		{"authority's keys", func(p *Package) { p.Cover.To.Keys = w.maker.KeySet() }, "cover"},
		{"record 1 purpose", func(p *Package) { p.Custody[0].Purpose = "lunch" }, "custody record 1: the giver's signature"},
		{"record 1 receiver", func(p *Package) { p.Custody[0].To.Keys = w.authority.KeySet() }, "custody record 1"},
		{"record 2 handed_at", func(p *Package) { p.Custody[1].HandedAt = p.Custody[1].HandedAt.Add(time.Minute) }, "custody record 2: the giver's signature"},
		{"record 2 received_at", func(p *Package) { p.Custody[1].ReceivedAt = p.Custody[1].ReceivedAt.Add(time.Minute) }, "custody record 2: the receiver's signature"},
		{"record 1 giver signature", func(p *Package) {
			s := &p.Custody[0].GiverSignature.Signatures[1]
			s.Signature = flip(s.Signature)
		}, "custody record 1: the giver's signature"},
		{"record 1 receiver signature", func(p *Package) {
			s := &p.Custody[0].ReceiverSignature.Signatures[0]
			s.Signature = flip(s.Signature)
		}, "custody record 1: the receiver's signature"},
		{"record 2 receiver signature swapped for record 1's", func(p *Package) {
			p.Custody[1].ReceiverSignature = p.Custody[0].ReceiverSignature
		}, "custody record 2: the receiver's signature"},
		{"record 1 dropped", func(p *Package) { p.Custody = p.Custody[1:] }, "custody record 1: seq is 2"},
		{"record 1 dropped, renumbered", func(p *Package) { p.Custody = p.Custody[1:]; p.Custody[0].Seq = 1 }, "custody record 1: previous_sha256"},
		{"records reordered", func(p *Package) { p.Custody[0], p.Custody[1] = p.Custody[1], p.Custody[0] }, "custody record 1: seq is 2"},
		{"record of another package", func(p *Package) { p.Custody[0] = other.Custody[0] }, "custody record 1: previous_sha256"},
		{"record's sealed digest", func(p *Package) { p.Custody[1].SealedSHA256 = strings.Repeat("1", 64) }, "custody record 2: sealed_sha256"},
		{"receiver signature removed", func(p *Package) { p.Custody[0].ReceiverSignature = nil }, "custody record 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := roundTrip(t, base)
			tc.change(p)
			p = roundTrip(t, p)
			_, err := Verify(p, w.opts(now))
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify = %v, want ErrInvalid saying %q", err, tc.want)
			}
		})
	}
	// Dropping the last record leaves a shorter chain that verifies, but it
	// no longer says the authority holds the package.
	p := roundTrip(t, base)
	p.Custody = p.Custody[:1]
	rep, err := Verify(p, w.opts(now))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Holder.Keys.SigningKeyIDs() == w.authority.KeySet().SigningKeyIDs() {
		t.Error("with the last record dropped, the authority is still the holder")
	}
}

// TestOpenChecksEveryMember reseals altered content under a cover the
// maker signs again (as faulty software at the maker would): Verify passes,
// Open must name the member that does not match the manifest.
func TestOpenChecksEveryMember(t *testing.T) {
	w := newWorld(t)
	p, _, err := Create(w.maker, "CERT-FR", w.authorityParty(), contents(t, w), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := w.authority.OpenPayload(sealInfo(p.Cover.ID), p.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	orig := members(t, plain)
	reseal := func(ms [][2]string, signManifest bool) *Package {
		q := roundTrip(t, p)
		q.Sealed, err = trust.SealPayload(w.authority.KeySet().EncryptionKey(), sealInfo(q.Cover.ID), tarOf(t, ms...))
		if err != nil {
			t.Fatal(err)
		}
		q.Cover.SealedSHA256, q.Cover.SealedSize = digest(q.Sealed), int64(len(q.Sealed))
		if signManifest {
			q.Cover.ManifestSHA256 = digest([]byte(ms[0][1]))
		}
		doc, _ := canonical(q.Cover)
		if q.CoverSignature, err = w.maker.SignDocument(kindCover, doc); err != nil {
			t.Fatal(err)
		}
		return q
	}
	with := func(f func(ms [][2]string) [][2]string) [][2]string { return f(slices.Clone(orig)) }
	for _, tc := range []struct {
		name         string
		ms           [][2]string
		signManifest bool
		want         string
	}{
		{"unchanged", orig, false, ""},
		{"artefact changed", with(func(ms [][2]string) [][2]string {
			b := []byte(ms[3][1])
			b[0] ^= 1
			ms[3][1] = string(b)
			return ms
		}), false, `member "artefacts/wiper.bin": SHA-256`},
		{"artefact truncated", with(func(ms [][2]string) [][2]string { ms[4][1] = ms[4][1][:3]; return ms }), false, `member "artefacts/notes.txt": 3 bytes`},
		{"artefact missing", with(func(ms [][2]string) [][2]string { return ms[:4] }), false, `member "artefacts/notes.txt": missing`},
		{"artefact added", with(func(ms [][2]string) [][2]string { return append(ms, [2]string{"extra.bin", "x"}) }), false, `"extra.bin" is not in the manifest`},
		{"members reordered", with(func(ms [][2]string) [][2]string { ms[3], ms[4] = ms[4], ms[3]; return ms }), false, "member 3: the content holds"},
		{"manifest changed", with(func(ms [][2]string) [][2]string { ms[0][1] = strings.Replace(ms[0][1], "wiper", "viper", 1); return ms }), false, "manifest: SHA-256"},
		{"manifest missing", with(func(ms [][2]string) [][2]string { return ms[1:] }), true, "does not begin with manifest.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := reseal(tc.ms, tc.signManifest)
			if _, err := Verify(q, w.opts(t0)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			_, err := Open(q, w.authority, w.opts(t0))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want ErrInvalid saying %q", err, tc.want)
			}
		})
	}
}

func TestCustodyRules(t *testing.T) {
	w := newWorld(t)
	p, _, err := Create(w.maker, "CERT-FR", w.authorityParty(), contents(t, w), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandOver(w.carrier, w.authorityParty(), "x", t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "held by") {
		t.Errorf("hand-over by a non-holder = %v, want a refusal", err)
	}
	if _, err := p.HandOver(w.maker, w.carrierParty(), "", t0.Add(time.Hour)); err == nil {
		t.Error("hand-over without a purpose succeeded")
	}
	if _, err := p.HandOver(w.maker, w.carrierParty(), "x", t0.Add(-time.Hour)); err == nil || !strings.Contains(err.Error(), "precedes") {
		t.Errorf("hand-over before the package was made = %v, want a refusal", err)
	}
	if _, err := p.Receive(w.carrier, t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "no hand-over is pending") {
		t.Errorf("receive with nothing pending = %v, want a refusal", err)
	}
	if _, err := p.HandOver(w.maker, w.carrierParty(), "courier", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandOver(w.maker, w.authorityParty(), "again", t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "not received yet") {
		t.Errorf("second hand-over while one is pending = %v, want a refusal", err)
	}
	if _, err := p.Receive(w.authority, t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "hands the package to") {
		t.Errorf("receive by another than the one handed to = %v, want a refusal", err)
	}
	if _, err := p.Receive(w.carrier, t0.Add(30*time.Minute)); err == nil {
		t.Error("receipt before the hand-over succeeded")
	}
	if _, err := Verify(p, w.opts(t0)); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("Verify with a clock before the hand-over = %v, want a time in the future", err)
	}
}

func TestRegistryBindsKeysToOrganisations(t *testing.T) {
	w := newWorld(t)
	// A node whose keys the registry does not list makes a package in
	// CERT-FR's name.
	impostor, err := trust.GenerateIdentity(trust.EUPQBase, orgFR)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := Create(impostor, "CERT-FR", w.authorityParty(), contents(t, w), "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(p, VerifyOptions{Now: t0}); err != nil {
		t.Fatalf("Verify without registry: %v", err)
	}
	if _, err := Verify(p, w.opts(t0)); err == nil || !errors.Is(err, trust.ErrUnknownKey) && !strings.Contains(err.Error(), "maker") {
		t.Fatalf("Verify with registry = %v, want the maker's keys refused", err)
	}
	// The authority named as EC3 with keys that are not EC3's.
	stranger, _ := trust.GenerateIdentity(trust.EUPQBase, orgEC3)
	if _, _, err := Create(w.maker, "", Party{Organization: orgEC3, Keys: stranger.KeySet()}, contents(t, w), "", t0); err != nil {
		t.Fatal(err)
	}
	q, _, _ := Create(w.maker, "", Party{Organization: orgEC3, Keys: stranger.KeySet()}, contents(t, w), "", t0)
	if _, err := Verify(q, w.opts(t0)); err == nil || !strings.Contains(err.Error(), "authority") {
		t.Fatalf("Verify of a package sealed to keys that are not the authority's = %v, want a refusal", err)
	}
}

func TestParseRefusesBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "hello", "not a Rampart evidence package"},
		{"other format", `{"format":"x"}`, `format "x"`},
		{"unknown member", `{"format":"rampart-evidence/1","extra":1}`, "not a Rampart evidence package"},
		{"null record", `{"format":"rampart-evidence/1","custody":[null]}`, "custody[0] is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want %q", err, tc.want)
			}
		})
	}
	// A package with no cover at all fails verification, without a panic.
	p, err := Parse([]byte(`{"format":"rampart-evidence/1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(p, VerifyOptions{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Verify of an empty package = %v, want ErrInvalid", err)
	}
}

func TestCreateRefusesBadMembers(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"../escape", "/abs", "a/../../b", "manifest.json", "a\\b"} {
		c := contents(t, w)
		c.Files = append(c.Files, File{Name: name, Kind: KindArtefact, Data: []byte("x")})
		if _, _, err := Create(w.maker, "", w.authorityParty(), c, "", t0); err == nil {
			t.Errorf("Create with member %q succeeded", name)
		}
	}
	c := contents(t, w)
	c.Files = append(c.Files, c.Files[0])
	if _, _, err := Create(w.maker, "", w.authorityParty(), c, "", t0); err == nil || !strings.Contains(err.Error(), "two members") {
		t.Errorf("Create with a duplicate member = %v", err)
	}
	c = contents(t, w)
	c.Objects = c.Objects[1:]
	if _, _, err := Create(w.maker, "", w.authorityParty(), c, "", t0); err == nil || !strings.Contains(err.Error(), "do not hold the incident") {
		t.Errorf("Create without the incident = %v", err)
	}
	if _, _, err := Create(w.carrier, "", w.authorityParty(), contents(t, w), "", t0); err == nil {
		t.Error("Create with keys of no organisation succeeded")
	}
}
