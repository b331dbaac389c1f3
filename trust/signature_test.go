package trust

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

func TestSignVerify(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	for _, org := range []string{orgFR, orgDE} { // eu-pq-base and eu-pq-high
		o := mustSign(t, f.ids[org], indicator(t, org, stix.TLPGreen, "2026-10-02T10:00:00.000Z"))
		s, err := v.Verify(o)
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		want := f.ids[org].Profile().SignatureAlgorithms()
		if s.Organization.ID != org || s.Algorithms != want || s.KeyIDs[0] != f.ids[org].KeyIDs()[0] || s.KeyIDs[1] != f.ids[org].KeyIDs()[1] {
			t.Errorf("%s: Signed = %+v", org, s)
		}
		if !IsSigned(o) {
			t.Error("IsSigned = false")
		}
	}
}

// TestSignKeepsMembersAndOtherExtensions checks that signing changes nothing
// but extensions[ExtensionID] and that a signature over an object with other
// extensions survives.
func TestSignKeepsMembersAndOtherExtensions(t *testing.T) {
	f := newTestFed(t)
	o := mustParse(t, `{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-01T00:00:00Z","created_by_ref":"`+orgFR+`","z":1,"a":2,"extensions":{"extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa":{"extension_type":"property-extension","k":"v"}}}`)
	s := mustSign(t, f.ids[orgFR], o)
	if !bytes.HasPrefix(s.Raw, []byte(`{"type":"x-thing","id":"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-01T00:00:00Z","created_by_ref":"`+orgFR+`","z":1,"a":2,"extensions":{"extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa":{"extension_type":"property-extension","k":"v"},"`+ExtensionID+`":{`)) {
		t.Errorf("signed object = %.400s", s.Raw)
	}
	if _, err := f.verifier().Verify(s); err != nil {
		t.Fatal(err)
	}
	// Signing again replaces the signature rather than adding one.
	s2 := mustSign(t, f.ids[orgFR], s)
	if n := bytes.Count(s2.Raw, []byte(ExtensionID)); n != 1 {
		t.Errorf("re-signed object has %d signature extensions", n)
	}
	if _, err := f.verifier().Verify(s2); err != nil {
		t.Fatal(err)
	}
	// The payload drops "extensions" only when the signature was its only
	// member.
	p1, _, _ := splitSignature(s.Raw)
	if !bytes.Contains(p1, []byte(`"extensions":{"extension-definition--aaaaaaaa`)) {
		t.Errorf("payload lost the other extension: %s", p1)
	}
	plain := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPUnmarked, "2026-10-02T10:00:00Z"))
	p2, _, _ := splitSignature(plain.Raw)
	if bytes.Contains(p2, []byte(`"extensions"`)) {
		t.Errorf("payload kept an empty extensions: %s", p2)
	}
}

// TestRelayReencoding: a relay that re-encodes the object (member order,
// whitespace, escapes, number spelling) changes nothing that is signed.
func TestRelayReencoding(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	s := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00.000Z"))
	var m map[string]jsontext.Value
	if err := json.Unmarshal(s.Raw, &m); err != nil {
		t.Fatal(err)
	}
	m["x_score"] = jsontext.Value("15e-1")
	m["name"] = jsontext.Value(`"C2 of campaign \u0058"`)
	out, err := json.Marshal(m, jsontext.WithIndent("\t"))
	if err != nil {
		t.Fatal(err)
	}
	o2, err := stix.ParseObject(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(o2.Raw, s.Raw) {
		t.Fatal("re-encoding changed nothing; the test tests nothing")
	}
	if _, err := v.Verify(o2); err != nil {
		t.Errorf("re-encoded object: %v", err)
	}
	if _, err := v.Verify(s); err != nil {
		t.Errorf("original: %v", err)
	}
}

// TestVerifyRejects covers the ways a signed object is refused, each with
// its reason.
func TestVerifyRejects(t *testing.T) {
	f := newTestFed(t)
	fr := f.ids[orgFR]
	good := mustSign(t, fr, indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00.000Z"))
	stranger, _ := GenerateIdentity(EUPQBase, orgFR) // keys the registry does not list

	// edit applies fn to the decoded object and re-parses it.
	edit := func(o *stix.Object, fn func(m map[string]any)) *stix.Object {
		var m map[string]any
		json.Unmarshal(o.Raw, &m)
		fn(m)
		raw, _ := json.Marshal(m)
		return mustParse(t, string(raw))
	}
	sigs := func(m map[string]any) []any {
		return m["extensions"].(map[string]any)[ExtensionID].(map[string]any)["signatures"].([]any)
	}
	setSigs := func(m map[string]any, s []any) {
		m["extensions"].(map[string]any)[ExtensionID].(map[string]any)["signatures"] = s
	}
	// Sign an object of FR's with DE's keys, as if DE had tried to pass
	// it off as FR's.
	deAsFR := *f.ids[orgDE]
	deAsFR.organization = orgFR
	// ML-DSA signature made for a registry, moved onto an object.
	regSig, _ := jws.Sign([]byte("{}"), typRegistry, fr.keys.pq)

	for _, tc := range []struct {
		name   string
		o      *stix.Object
		policy *Policy
		now    time.Time
		want   error
		text   string
	}{
		{name: "tampered", o: edit(good, func(m map[string]any) { m["name"] = "C2 of campaign Y" }), want: ErrBadSignature, text: "changed after signing"},
		{name: "tampered marking", o: edit(good, func(m map[string]any) { m["object_marking_refs"] = []any{stix.TLPClear.MarkingID()} }), want: ErrBadSignature},
		{name: "unsigned", o: indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"), want: ErrUnsigned},
		{name: "unknown key", o: mustSign(t, stranger, indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z")), want: ErrUnknownKey, text: "is not in registry version 1"},
		{name: "other organisation's key", o: mustSign(t, &deAsFR, indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z")), want: ErrWrongSigner, text: "belongs to CERT-Bund"},
		{name: "creator changed", o: edit(good, func(m map[string]any) { m["created_by_ref"] = orgIT }), want: ErrWrongSigner},
		{name: "before key validity", o: mustSign(t, fr, indicator(t, orgFR, stix.TLPGreen, "2025-10-02T10:00:00Z")), want: ErrKeyNotValid, text: "valid from 2025-11-01"},
		{name: "one signature", o: edit(good, func(m map[string]any) { setSigs(m, sigs(m)[:1]) }), want: ErrPolicy, text: "exactly two signatures"},
		{name: "two ML-DSA", o: edit(good, func(m map[string]any) { s := sigs(m); setSigs(m, []any{s[0], s[0]}) }), want: ErrPolicy, text: "two ML-DSA signatures"},
		{name: "registry signature", o: edit(good, func(m map[string]any) {
			s := sigs(m)
			setSigs(m, []any{map[string]any{"protected": regSig.Signatures[0].Protected, "signature": regSig.Signatures[0].Signature}, s[1]})
		}), want: ErrPolicy, text: `typ "rampart-registry+jws"`},
		{name: "unprotected header", o: edit(good, func(m map[string]any) { sigs(m)[0].(map[string]any)["header"] = map[string]any{"kid": "x"} }), want: ErrMalformed, text: "unprotected header"},
		{name: "extra member", o: edit(good, func(m map[string]any) {
			m["extensions"].(map[string]any)[ExtensionID].(map[string]any)["payload"] = "e30"
		}), want: ErrMalformed},
		{name: "high policy", o: good, policy: new(PolicyFor(EUPQHigh)), want: ErrPolicy, text: "ML-DSA-65 is not allowed"},
		{name: "future", o: mustSign(t, fr, indicator(t, orgFR, stix.TLPGreen, "2026-11-01T12:10:00Z")), want: ErrPolicy, text: "in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := DefaultPolicy()
			if tc.policy != nil {
				pol = *tc.policy
			}
			v := NewVerifier(f.reg, pol)
			v.Now = func() time.Time { return t0 }
			_, err := v.Verify(tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var se *SignatureError
			if !errors.As(err, &se) || se.ID != tc.o.ID {
				t.Errorf("err = %#v, want a *SignatureError naming %s", err, tc.o.ID)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to contain %q", err, tc.text)
			}
		})
	}
}

// TestSignRefusesOtherCreator: an organisation signs only its own objects.
func TestSignRefusesOtherCreator(t *testing.T) {
	f := newTestFed(t)
	_, err := f.ids[orgDE].Sign(indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	if err == nil || !strings.Contains(err.Error(), "signs only the objects it created") {
		t.Errorf("err = %v", err)
	}
	auth := f.auth[0]
	if _, err := auth.Sign(indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z")); err == nil {
		t.Error("authority identity signed an object")
	}
}

// TestRevocationTakesEffectOnUpdate: an object verified (and cached) before
// its key was revoked is refused once the registry that revokes it is in
// use, and so is every other object signed with that key.
func TestRevocationTakesEffectOnUpdate(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	o := mustSign(t, f.ids[orgIT], indicator(t, orgIT, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	if _, err := v.Verify(o); err != nil {
		t.Fatal(err)
	}
	if err := f.doc.Revoke(f.ids[orgIT].KeyIDs()[0], time.Time{}, ReasonKeyCompromise, t0); err != nil {
		t.Fatal(err)
	}
	if f.doc.Version != 2 {
		t.Fatalf("version after revoke = %d, want 2", f.doc.Version)
	}
	raw := f.sign(t, f.auth[1], f.auth[2])
	if _, err := v.UpdateRegistry(raw); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(o)
	if !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), "key-compromise") {
		t.Errorf("after revocation: err = %v, want ErrRevoked", err)
	}
	// Backdating does not help a thief: the revocation has no start.
	old := mustSign(t, f.ids[orgIT], indicator(t, orgIT, stix.TLPGreen, "2025-12-01T10:00:00Z"))
	if _, err := v.Verify(old); !errors.Is(err, ErrRevoked) {
		t.Errorf("backdated object: err = %v, want ErrRevoked", err)
	}
}

// TestRevocationSince: a key retired from a date still verifies what it
// signed before.
func TestRevocationSince(t *testing.T) {
	f := newTestFed(t)
	since := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	if err := f.doc.Revoke(f.ids[orgIT].KeyIDs()[1], since, ReasonSuperseded, t0); err != nil {
		t.Fatal(err)
	}
	f.publish(t, f.auth[0], f.auth[2])
	v := f.verifier()
	before := mustSign(t, f.ids[orgIT], indicator(t, orgIT, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	after := mustSign(t, f.ids[orgIT], indicator(t, orgIT, stix.TLPGreen, "2026-10-16T10:00:00Z"))
	if _, err := v.Verify(before); err != nil {
		t.Errorf("before: %v", err)
	}
	if _, err := v.Verify(after); !errors.Is(err, ErrRevoked) {
		t.Errorf("after: err = %v, want ErrRevoked", err)
	}
}

func TestRegistryExpiry(t *testing.T) {
	f := newTestFed(t)
	f.doc.edit(t0.Add(-time.Hour))
	f.doc.Expires = t0.Add(-time.Minute)
	f.publish(t, f.auth[0], f.auth[1])
	v := f.verifier()
	o := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	if _, err := v.Verify(o); !errors.Is(err, ErrRegistryExpired) {
		t.Errorf("err = %v, want ErrRegistryExpired", err)
	}
}

func TestVerifyObjectsParallel(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	var objs []*stix.Object
	for i := range 20 {
		o := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
		if i%5 == 4 {
			o = mustParse(t, strings.Replace(string(o.Raw), "campaign X", "campaign Z", 1))
		}
		objs = append(objs, o)
	}
	objs = append(objs, objs[0]) // a duplicate: from the cache
	res := v.VerifyObjects(t.Context(), objs)
	for i, r := range res {
		bad := i%5 == 4 && i < 20
		if bad != (r.Err != nil) {
			t.Errorf("objects[%d]: err = %v, want failure %v", i, r.Err, bad)
		}
		if r.Err == nil && r.Signed.ObjectID != objs[i].ID {
			t.Errorf("objects[%d]: result for %s", i, r.Signed.ObjectID)
		}
	}
}

func TestExtensionDefinition(t *testing.T) {
	objs := ExtensionDefinition()
	if len(objs) != 2 {
		t.Fatalf("got %d objects", len(objs))
	}
	def, who := objs[0], objs[1]
	if def.ID != ExtensionID || def.Type != "extension-definition" || def.CreatedByRef != who.ID || who.Type != "identity" {
		t.Errorf("definition %s by %s, identity %s", def.ID, def.CreatedByRef, who.ID)
	}
	var d struct {
		Types   []string `json:"extension_types"`
		Schema  string   `json:"schema"`
		Version string   `json:"version"`
	}
	if err := def.Decode(&d); err != nil || len(d.Types) != 1 || d.Types[0] != "property-extension" || d.Schema == "" || d.Version == "" {
		t.Errorf("definition = %+v, %v", d, err)
	}
}

func FuzzVerify(f *testing.F) {
	fed := newTestFed(f)
	v := fed.verifier()
	good := mustSign(f, fed.ids[orgFR], indicator(f, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	f.Add([]byte(good.Raw))
	f.Add([]byte(`{"type":"x-a","id":"x-a--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","extensions":{"` + ExtensionID + `":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := stix.ParseObject(data)
		if err != nil {
			return
		}
		s, err := v.Verify(o)
		if err != nil {
			return
		}
		// Anything accepted is signed by FR over exactly this payload.
		if s.Organization.ID != orgFR {
			t.Fatalf("accepted an object of %s", s.Organization.ID)
		}
		p1, _, _ := splitSignature(o.Raw)
		p2, _, _ := splitSignature(good.Raw)
		if !bytes.Equal(p1, p2) {
			t.Fatalf("accepted a different payload:\n%s\n%s", p1, p2)
		}
	})
}

// TestUpdateRegistryWhileVerifying: registry updates race with parallel
// verification; once UpdateRegistry returns, a revoked key is refused, and
// no result computed under the old registry leaks into the new cache.
func TestUpdateRegistryWhileVerifying(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	var objs []*stix.Object
	for range 8 {
		objs = append(objs, mustSign(t, f.ids[orgIT], indicator(t, orgIT, stix.TLPGreen, "2026-10-02T10:00:00Z")))
	}
	if err := f.doc.Revoke(f.ids[orgIT].KeyIDs()[1], time.Time{}, ReasonKeyCompromise, t0); err != nil {
		t.Fatal(err)
	}
	raw := f.sign(t, f.auth[0], f.auth[2])
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			v.VerifyObjects(t.Context(), objs)
		}
	}()
	if _, err := v.UpdateRegistry(raw); err != nil {
		t.Fatal(err)
	}
	for i, r := range v.VerifyObjects(t.Context(), objs) {
		if !errors.Is(r.Err, ErrRevoked) {
			t.Errorf("objects[%d] after the update: err = %v, want ErrRevoked", i, r.Err)
		}
	}
	<-done
	for i, r := range v.VerifyObjects(t.Context(), objs) {
		if !errors.Is(r.Err, ErrRevoked) {
			t.Errorf("objects[%d] after the race: err = %v, want ErrRevoked", i, r.Err)
		}
	}
}
