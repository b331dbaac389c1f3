package trust

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/internal/jws"
)

func TestDocumentSignature(t *testing.T) {
	f := newTestFed(t)
	fr, de := f.ids[orgFR], f.ids[orgDE]
	doc := []byte(`{"a":1}`)
	sig, err := fr.SignDocument("evidence-cover", doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Verify("evidence-cover", doc, fr.KeySet()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for _, tc := range []struct {
		name, kind string
		doc        []byte
		keys       *KeySet
		want       error
	}{
		{"changed document", "evidence-cover", []byte(`{"a":2}`), fr.KeySet(), ErrBadSignature},
		{"other kind", "evidence-receipt", doc, fr.KeySet(), ErrMalformed},
		{"other signer", "evidence-cover", doc, de.KeySet(), ErrWrongSigner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sig.Verify(tc.kind, tc.doc, tc.keys)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("one signature dropped", func(t *testing.T) {
		one := &DocumentSignature{Signatures: sig.Signatures[:1]}
		if err := one.Verify("evidence-cover", doc, fr.KeySet()); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Verify = %v, want ErrMalformed", err)
		}
	})
	t.Run("same signature twice", func(t *testing.T) {
		two := &DocumentSignature{Signatures: []jws.Signature{sig.Signatures[0], sig.Signatures[0]}}
		if err := two.Verify("evidence-cover", doc, fr.KeySet()); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Verify = %v, want ErrMalformed", err)
		}
	})
	for _, kind := range []string{"object", "registry", "node-auth", "Bad Kind", ""} {
		if _, err := fr.SignDocument(kind, doc); err == nil {
			t.Errorf("SignDocument(%q) succeeded; want a refusal", kind)
		}
	}
}

func TestRegistryCheckKeysAndKeySet(t *testing.T) {
	f := newTestFed(t)
	fr, de := f.ids[orgFR], f.ids[orgDE]
	if err := f.reg.CheckKeys(orgFR, fr.KeySet(), t0); err != nil {
		t.Fatalf("CheckKeys(FR keys as FR) = %v", err)
	}
	if err := f.reg.CheckKeys(orgDE, fr.KeySet(), t0); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("CheckKeys(FR keys as DE) = %v, want ErrWrongSigner", err)
	}
	if err := f.reg.CheckKeys(orgFR, fr.KeySet(), t0.AddDate(2, 0, 0)); !errors.Is(err, ErrKeyNotValid) {
		t.Fatalf("CheckKeys after expiry = %v, want ErrKeyNotValid", err)
	}
	stranger, _ := GenerateIdentity(EUPQBase, "")
	if err := f.reg.CheckKeys(orgFR, stranger.KeySet(), t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("CheckKeys(unknown keys) = %v, want ErrUnknownKey", err)
	}
	ks, err := f.reg.KeySet(orgDE, t0)
	if err != nil {
		t.Fatal(err)
	}
	if ks.Profile != EUPQHigh || ks.SigningKeyIDs() != de.KeySet().SigningKeyIDs() || ks.EncryptionKey().ID() != de.KeyIDs()[2] {
		t.Fatalf("KeySet(DE) = %v %v, want DE's keys", ks.Profile, ks.SigningKeyIDs())
	}
	if _, err := f.reg.KeySet(orgOut, t0); err == nil {
		t.Fatal("KeySet of a non-member succeeded")
	}
}

func TestSealPayload(t *testing.T) {
	f := newTestFed(t)
	for _, org := range []string{orgFR, orgDE} { // both profiles
		id := f.ids[org]
		msg := bytes.Repeat([]byte("evidence "), 1000)
		sealed, err := SealPayload(id.KeySet().EncryptionKey(), "ctx-1", msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := id.OpenPayload("ctx-1", sealed)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("OpenPayload = %d bytes, %v; want the message", len(got), err)
		}
		if _, err := id.OpenPayload("ctx-2", sealed); err == nil {
			t.Error("OpenPayload with other info succeeded")
		}
		bad := bytes.Clone(sealed)
		bad[len(bad)-5] ^= 1
		if _, err := id.OpenPayload("ctx-1", bad); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
			t.Errorf("OpenPayload of a changed byte = %v, want a refusal", err)
		}
		other := f.ids[orgIT]
		if _, err := other.OpenPayload("ctx-1", sealed); err == nil {
			t.Error("OpenPayload with another's key succeeded")
		}
	}
	if _, err := SealPayload(f.ids[orgFR].KeySet().Keys[0], "x", []byte("m")); err == nil {
		t.Error("SealPayload to a signing key succeeded")
	}
}
