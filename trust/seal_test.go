package trust

import (
	"bytes"
	"errors"
	"strings"
	"testing"

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
	env, err := f.ids[orgFR].sealAt(t0, inner, f.reg, []string{orgDE, orgIT})
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
		got, err := f.ids[org].Open(env)
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		if !bytes.Equal(got.Raw, inner.Raw) {
			t.Errorf("%s: inner object differs", org)
		}
		if _, err := v.Verify(got); err != nil {
			t.Errorf("%s verifying the inner object: %v", org, err)
		}
	}
}

func TestSealTamper(t *testing.T) {
	f := newTestFed(t)
	inner := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
	env, err := f.ids[orgFR].sealAt(t0, inner, f.reg, []string{orgIT})
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
		if _, err := f.ids[orgFR].sealAt(t0, inner, f.reg, tc.to); err == nil || !strings.Contains(err.Error(), tc.want) {
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
	env, _ := fed.ids[orgFR].sealAt(t0, inner, fed.reg, []string{orgIT})
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
		if o.ID == env.ID && !bytes.Equal(got.Raw, inner.Raw) {
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
	env, err := f.ids[orgFR].sealAt(t0, inner, f.reg, []string{orgIT})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := v.Receive(env, f.ids[orgHub])
	if err != nil || hub.Object != env || hub.Envelope != nil || hub.Signed.Organization.ID != orgFR {
		t.Errorf("hub: %+v, %v", hub, err)
	}
	it, err := v.Receive(env, f.ids[orgIT])
	if err != nil || !bytes.Equal(it.Object.Raw, inner.Raw) || it.Envelope != env || it.Signed.ObjectID != inner.ID {
		t.Errorf("recipient: %+v, %v", it, err)
	}
	// An inner object that does not verify is refused even though the
	// envelope does: here FR seals an unsigned object.
	env2, _ := f.ids[orgFR].sealAt(t0, indicator(t, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"), f.reg, []string{orgIT})
	if _, err := v.Receive(env2, f.ids[orgIT]); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned inner object: err = %v", err)
	}
	plain := mustSign(t, f.ids[orgFR], indicator(t, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	if r, err := v.Receive(plain, nil); err != nil || r.Object != plain {
		t.Errorf("plain: %+v, %v", r, err)
	}
}
