package trust

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/stix"
)

// TestSealOpen: a TLP:RED object sealed by FR to DE (eu-pq-high) and IT
// (eu-pq-base) travels through the hub, which can verify who sent the
// envelope but not read it; the recipients open it and verify the inner
// object.
func TestSealOpen(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{orgDE, orgIT})
	if err != nil {
		t.Fatal(err)
	}
	if env.Type != SealedType || env.CreatedByRef != orgFR || stix.EffectiveTLP(env) != stix.TLPRed {
		t.Errorf("envelope %s by %s marked %s", env.Type, env.CreatedByRef, stix.EffectiveTLP(env))
	}
	if bytes.Contains(env.Raw, []byte("198.51.100.7")) || bytes.Contains(env.Raw, []byte(inner.ID)) {
		t.Error("the envelope shows the inner object")
	}
	// The hub checks the envelope's signature and the recipients...
	if s, err := v.Verify(env); err != nil || s.Organization.ID != orgFR {
		t.Fatalf("hub verifying the envelope: %v", err)
	}
	to, err := SealedRecipients(env)
	if err != nil || strings.Join(to, ",") != orgDE+","+orgIT {
		t.Errorf("recipients = %v, %v", to, err)
	}
	// ...but cannot open it, nor can anyone else not addressed.
	for _, org := range []string{orgHub, orgObs, orgFR} {
		if _, err := f.ids[org].Open(env); !errors.Is(err, ErrNotRecipient) {
			t.Errorf("%s opened the envelope: err = %v", org, err)
		}
	}
	for _, org := range []string{orgDE, orgIT} {
		objs, err := f.ids[org].Open(env)
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		if len(objs) != 1 || !bytes.Equal(objs[0].Raw, inner.Raw) {
			t.Fatalf("%s: inner objects differ", org)
		}
		if _, err := v.Verify(objs[0]); err != nil {
			t.Errorf("%s verifying the inner object: %v", org, err)
		}
	}
}

func TestSealTamper(t *testing.T) {
	f := newTestFed(t)
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{orgIT})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(env.Raw, &m)
	edit := func(fn func(m map[string]any)) *stix.Object {
		var c map[string]any
		json.Unmarshal(env.Raw, &c)
		fn(c)
		raw, _ := json.Marshal(c)
		return mustParse(t, string(raw))
	}
	flip := func(s string) string {
		b := []byte(s)
		if b[10] == 'A' {
			b[10] = 'B'
		} else {
			b[10] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name string
		o    *stix.Object
		want string
	}{
		{"ciphertext", edit(func(c map[string]any) { c["ciphertext"] = flip(c["ciphertext"].(string)) }), "does not decrypt"},
		{"wrapped key", edit(func(c map[string]any) {
			r := c["recipients"].([]any)[0].(map[string]any)
			r["encrypted_key"] = flip(r["encrypted_key"].(string))
		}), "content key does not decrypt"},
		{"moved to another envelope", edit(func(c map[string]any) { c["id"] = stix.NewID(SealedType) }), "does not decrypt"},
		{"suite", edit(func(c map[string]any) { c["recipients"].([]any)[0].(map[string]any)["alg"] = "HPKE-X" }), "needs"},
		{"encryption", edit(func(c map[string]any) { c["encryption"] = "A128GCM" }), `encryption "A128GCM"`},
	} {
		_, err := f.ids[orgIT].Open(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		// And the envelope's signature shows the tampering to any node.
		if _, err := f.verifier().Verify(tc.o); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: envelope verifies: %v", tc.name, err)
		}
	}
}

func TestSealErrors(t *testing.T) {
	f := newTestFed(t)
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	for _, tc := range []struct {
		to   []string
		want string
	}{
		{nil, "no recipients"},
		{[]string{orgOut}, "is not in registry"},
		{[]string{orgIT, orgIT}, "named twice"},
	} {
		if _, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, tc.to); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.to, err, tc.want)
		}
	}
	if _, err := f.ids[orgFR].Open(inner); err == nil || !strings.Contains(err.Error(), "not a sealed envelope") {
		t.Errorf("open a plain object: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	fed := newTestFed(f)
	inner := mustSign(f, fed.ids[orgFR], indicator(f, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, _ := fed.ids[orgFR].sealAt(t0, []*stix.Object{inner}, fed.reg, []string{orgIT})
	f.Add([]byte(env.Raw))
	it := fed.ids[orgIT]
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := stix.ParseObject(data)
		if err != nil {
			return
		}
		got, err := it.Open(o)
		if err != nil {
			return
		}
		// Whatever opens was sealed by someone with the content key; for
		// the seed that is exactly the inner object.
		if o.ID == env.ID && (len(got) != 1 || !bytes.Equal(got[0].Raw, inner.Raw)) {
			t.Fatal("opened to a different object")
		}
	})
}

// TestReceive: the hub stores the envelope it cannot open; the recipient
// stores the object inside, verified.
func TestReceive(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{orgIT})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := v.Receive(env, f.ids[orgHub])
	if err != nil || hub.Object != env || hub.Envelope != nil || hub.Signed.Organization.ID != orgFR {
		t.Errorf("hub: %+v, %v", hub, err)
	}
	it, err := v.Receive(env, f.ids[orgIT])
	if err != nil || it.Object != nil || len(it.Objects) != 1 || !bytes.Equal(it.Objects[0].Raw, inner.Raw) || it.Envelope != env {
		t.Errorf("recipient: %+v, %v", it, err)
	}
	plain := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	if r, err := v.Receive(plain, nil); err != nil || r.Object != plain {
		t.Errorf("plain: %+v, %v", r, err)
	}
}

// TestSealMany: one envelope carries many objects, in order, and the
// limits on what it carries have their own errors.
func TestSealMany(t *testing.T) {
	f := newTestFed(t)
	var objs []*stix.Object
	for i := range 50 {
		objs = append(objs, mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPAmber, fmt.Sprintf("2026-10-02T10:00:%02d.000Z", i))))
	}
	objs = append(objs, mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T11:00:00.000Z")))
	env, err := f.ids[orgFR].sealAt(t0, objs, f.reg, []string{orgDE, orgIT})
	if err != nil {
		t.Fatal(err)
	}
	if stix.EffectiveTLP(env) != stix.TLPRed {
		t.Errorf("the envelope is marked %s, not with the strictest marking of its objects", stix.EffectiveTLP(env))
	}
	got, err := f.ids[orgDE].Open(env)
	if err != nil || len(got) != len(objs) {
		t.Fatalf("open: %d objects, %v", len(got), err)
	}
	for i := range objs {
		if !bytes.Equal(got[i].Raw, objs[i].Raw) {
			t.Fatalf("object %d differs", i)
		}
	}
	if _, err := f.ids[orgFR].sealAt(t0, nil, f.reg, []string{orgDE}); err == nil || !strings.Contains(err.Error(), "MaxSealedObjects") {
		t.Errorf("an empty envelope: %v", err)
	}
	big := mustParse(t, `{"type":"note","spec_version":"2.1","id":"note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-01T00:00:00Z","modified":"2026-10-01T00:00:00Z","content":"`+strings.Repeat("x", 7<<20)+`","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`)
	if _, err := f.ids[orgFR].sealAt(t0, []*stix.Object{big, big}, f.reg, []string{orgDE}); err == nil || !strings.Contains(err.Error(), "MaxSealedBytes") {
		t.Errorf("an envelope over MaxSealedBytes: %v", err)
	}
}

// TestCheckRecipient: a node learns, recipient by recipient, which it can
// seal to, and why not, before it seals.
func TestCheckRecipient(t *testing.T) {
	f := newTestFed(t)
	for _, tc := range []struct {
		org  string
		at   time.Time
		want string
	}{
		{orgDE, t0, ""},
		{orgIT, t0, ""},
		{orgOut, t0, "is not in registry"},
		{orgDE, t0.Add(3 * 365 * 24 * time.Hour), "no valid encryption key"},
	} {
		err := f.reg.CheckRecipient(tc.org, tc.at)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckRecipient(%s, %s) = %v, want %q", tc.org, tc.at, err, tc.want)
		}
	}
}
