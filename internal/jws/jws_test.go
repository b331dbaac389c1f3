package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hpke"
	"crypto/mldsa"
	"crypto/rand"
	"encoding/hex"
	json "encoding/json/v2"
	"errors"
	"os"
	"strings"
	"testing"
)

func readVector(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile("../../testdata/jose/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestRFC9964MLDSA65 checks the published ML-DSA-65 JOSE example: the
// all-zero seed gives the published public key and thumbprint, and the
// published compact JWS verifies.
func TestRFC9964MLDSA65(t *testing.T) {
	var v struct {
		Seed string `json:"seed"`
		JWK  JWK    `json:"jwk"`
		JWS  string `json:"jws"`
	}
	readVector(t, "rfc9964-ml-dsa-65.json", &v)
	seed, _ := hex.DecodeString(v.Seed)
	priv, err := mldsa.NewPrivateKey(mldsa.MLDSA65(), seed)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewJWK(priv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Pub != v.JWK.Pub || got.Priv != v.JWK.Priv {
		t.Errorf("NewJWK(seed) public or private member differs from the published key")
	}
	if got.Kid != v.JWK.Kid {
		t.Errorf("thumbprint = %q, want %q", got.Kid, v.JWK.Kid)
	}
	if err := v.JWK.Check(); err != nil {
		t.Errorf("published JWK: %v", err)
	}
	g, err := ParseCompact(v.JWS)
	if err != nil {
		t.Fatal(err)
	}
	h, err := g.Signatures[0].DecodeHeader()
	if err != nil || h.Alg != MLDSA65 || h.Kid != v.JWK.Kid {
		t.Fatalf("header = %+v, %v", h, err)
	}
	pub, _ := v.JWK.PublicKey()
	if err := g.Signatures[0].Verify(MLDSA65, pub, g.Payload); err != nil {
		t.Errorf("published signature: %v", err)
	}
	payload, _ := Decode(g.Payload)
	if want := "It’s a dangerous business, Frodo, going out your door."; string(payload) != want {
		t.Errorf("payload = %q", payload)
	}
	// One changed payload byte must fail.
	bad := Encode(append([]byte("i"), payload[1:]...))
	if err := g.Signatures[0].Verify(MLDSA65, pub, bad); !errors.Is(err, ErrVerification) {
		t.Errorf("tampered payload: err = %v, want ErrVerification", err)
	}
}

// TestRFC7515ES256 verifies the ES256 example of RFC 7515 Appendix A.3.
func TestRFC7515ES256(t *testing.T) {
	var v struct {
		JWK JWK    `json:"jwk"`
		JWS string `json:"jws"`
	}
	readVector(t, "rfc7515-a3.json", &v)
	if err := v.JWK.Check(); err != nil {
		t.Fatal(err)
	}
	g, err := ParseCompact(v.JWS)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := v.JWK.PublicKey()
	if err := g.Signatures[0].Verify(ES256, pub, g.Payload); err != nil {
		t.Errorf("RFC 7515 A.3: %v", err)
	}
	if err := g.Signatures[0].Verify(ES384, pub, g.Payload); err == nil {
		t.Error("ES256 signature verified as ES384")
	}
	// Round trip the private key through NewJWK.
	priv, err := v.JWK.PrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := NewJWK(priv)
	if k.X != v.JWK.X || k.Y != v.JWK.Y || k.D != v.JWK.D {
		t.Errorf("NewJWK = %+v", k)
	}
}

// TestRFC7638Thumbprint checks the thumbprint example of RFC 7638 §3.1.
func TestRFC7638Thumbprint(t *testing.T) {
	var v struct {
		Members    map[string]string `json:"members"`
		Thumbprint string            `json:"thumbprint"`
	}
	readVector(t, "rfc7638.json", &v)
	if got := Thumbprint(v.Members); got != v.Thumbprint {
		t.Errorf("Thumbprint = %q, want %q", got, v.Thumbprint)
	}
}

func TestSignAndParseGeneral(t *testing.T) {
	m65, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s1, err := NewSigner(m65, "k1")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := NewSigner(e256, "k2")
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"a":1}`)
	g, err := Sign(payload, "test+jws", s1, s2)
	if err != nil {
		t.Fatal(err)
	}
	data, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g2, err := ParseGeneral(data)
	if err != nil {
		t.Fatal(err)
	}
	pubs := []any{m65.PublicKey(), &e256.PublicKey}
	for i, s := range g2.Signatures {
		h, err := s.DecodeHeader()
		if err != nil {
			t.Fatal(err)
		}
		if h.Typ != "test+jws" || h.Kid != []string{"k1", "k2"}[i] {
			t.Errorf("header %d = %+v", i, h)
		}
		if err := s.Verify(h.Alg, pubs[i], g2.Payload); err != nil {
			t.Errorf("signature %d (%s): %v", i, h.Alg, err)
		}
		// The wrong key type is refused, not downgraded.
		if err := s.Verify(h.Alg, pubs[1-i], g2.Payload); err == nil {
			t.Errorf("signature %d verified with the other key", i)
		}
	}
}

func TestNewSignerAlgorithms(t *testing.T) {
	m65, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	m87, _ := mldsa.GenerateKey(mldsa.MLDSA87())
	m44, _ := mldsa.GenerateKey(mldsa.MLDSA44())
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	e521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	for _, tc := range []struct {
		name string
		s    Signer
		err  error
		want string
	}{
		{"65", must(NewSigner(m65, "")), nil, MLDSA65},
		{"87", must(NewSigner(m87, "")), nil, MLDSA87},
		{"p256", must(NewSigner(e256, "")), nil, ES256},
		{"p384", must(NewSigner(e384, "")), nil, ES384},
	} {
		if tc.s.Algorithm() != tc.want {
			t.Errorf("%s: alg = %s, want %s", tc.name, tc.s.Algorithm(), tc.want)
		}
		input := []byte("input")
		sig, err := tc.s.Sign(input)
		if err != nil {
			t.Fatal(err)
		}
		var pub any
		switch k := map[string]any{"65": m65, "87": m87, "p256": e256, "p384": e384}[tc.name].(type) {
		case *mldsa.PrivateKey:
			pub = k.PublicKey()
		case *ecdsa.PrivateKey:
			pub = &k.PublicKey
		}
		if err := VerifySignature(tc.want, pub, input, sig); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		sig[len(sig)-1] ^= 1
		if err := VerifySignature(tc.want, pub, input, sig); !errors.Is(err, ErrVerification) {
			t.Errorf("%s: flipped bit: err = %v", tc.name, err)
		}
	}
	if _, err := NewSigner(m44, ""); err == nil {
		t.Error("ML-DSA-44 accepted")
	}
	if _, err := NewSigner(e521, ""); err == nil {
		t.Error("P-521 accepted")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestJWKRoundTripKEM(t *testing.T) {
	for _, kem := range []hpke.KEM{hpke.MLKEM768X25519(), hpke.MLKEM1024P384()} {
		priv, _ := kem.GenerateKey()
		k, err := NewJWK(priv)
		if err != nil {
			t.Fatal(err)
		}
		if k.Use != "enc" || k.Alg != KEMName(kem) {
			t.Errorf("JWK = %s %s", k.Use, k.Alg)
		}
		data, _ := json.Marshal(k)
		k2, err := ParseJWK(data)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := k2.PrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		ct, err := hpke.Seal(priv.PublicKey(), hpke.HKDFSHA256(), hpke.AES256GCM(), nil, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := hpke.Open(p2.(hpke.PrivateKey), hpke.HKDFSHA256(), hpke.AES256GCM(), nil, ct); err != nil || string(pt) != "x" {
			t.Errorf("open with parsed key: %q %v", pt, err)
		}
		if k.Public().IsPrivate() {
			t.Error("Public() kept private members")
		}
	}
}

func TestParseJWKErrors(t *testing.T) {
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good, _ := NewJWK(e256)
	wrongD := *good
	wrongD.D = must(NewJWK(other)).D
	wrongKid := *good
	wrongKid.Kid = "abc"
	m, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	mk, _ := NewJWK(m)
	shortSeed := *mk
	shortSeed.Priv = Encode(make([]byte, 31))
	wrongAlg := *mk
	wrongAlg.Alg = "ML-DSA-87"
	wrongAlg.Kid = ""
	for _, tc := range []struct {
		name string
		k    any
		want string
	}{
		{"no kty", map[string]string{}, `"kty" is required`},
		{"rsa", map[string]string{"kty": "RSA"}, `unsupported key type "RSA"`},
		{"curve", map[string]string{"kty": "EC", "crv": "P-521"}, `unsupported EC curve "P-521"`},
		{"akp alg", map[string]string{"kty": "AKP", "alg": "ML-DSA-44", "pub": "AA"}, `unsupported AKP algorithm "ML-DSA-44"`},
		{"wrong d", &wrongD, `"d" does not match`},
		{"wrong kid", &wrongKid, `is not the key's RFC 7638 thumbprint`},
		{"short seed", &shortSeed, `32-byte seed`},
		{"alg size", &wrongAlg, `not a ML-DSA-87 public key`},
		{"padding", map[string]string{"kty": "EC", "crv": "P-256", "x": good.X + "=", "y": good.Y}, `x and y must be`},
	} {
		data, _ := json.Marshal(tc.k)
		_, err := ParseJWK(data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseGeneralErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"signatures":[]}`, "at least one"},
		{`{"signatures":[{"protected":"eyJ9","signature":""}]}`, `"signature" is required`},
		{`{"signatures":[{"protected":"e+J9","signature":"AA"}]}`, "not base64url"},
		{`{"payload":"a=","signatures":[{"protected":"eyJ9","signature":"AA"}]}`, `"payload" is not base64url`},
		{`{"signatures":[{"protected":"eyJ9","signature":"AA"}],"x":1}`, "unknown"},
		{`{"signatures":[` + strings.Repeat(`{"protected":"eyJ9","signature":"AA"},`, 16) + `{"protected":"eyJ9","signature":"AA"}]}`, "MaxSignatures"},
	} {
		_, err := ParseGeneral([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.50s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
	for _, tc := range []struct{ header, want string }{
		{`{"alg":"ES256","crit":["b64"]}`, `"crit"`},
		{`{"kid":"x"}`, `no "alg"`},
		{`[]`, "protected header"},
		{`{"alg":"ES256","alg":"ES384"}`, "duplicate"},
	} {
		s := Signature{Protected: Encode([]byte(tc.header)), Signature: "AA"}
		_, err := s.DecodeHeader()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.header, err, tc.want)
		}
	}
}

func FuzzParseGeneral(f *testing.F) {
	f.Add([]byte(`{"payload":"eyJhIjoxfQ","signatures":[{"protected":"eyJhbGciOiJFUzI1NiJ9","signature":"AA"}]}`))
	f.Add([]byte(`{"signatures":[{"protected":"eyJ9","header":{"kid":"x"},"signature":"AA"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGeneral(data)
		if err != nil {
			return
		}
		// Accepted input round-trips to an equal JWS.
		out, err := g.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		g2, err := ParseGeneral(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := g2.Marshal()
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
		for _, s := range g.Signatures {
			s.DecodeHeader()
		}
	})
}

func FuzzParseJWK(f *testing.F) {
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	m, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	for _, k := range []any{e256, m, &e256.PublicKey} {
		j, _ := NewJWK(k)
		data, _ := json.Marshal(j)
		f.Add(data)
	}
	f.Add([]byte(`{"kty":"AKP","alg":"MLKEM768-X25519","pub":"AA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseJWK(data)
		if err != nil {
			return
		}
		// An accepted key re-encodes to a key with the same thumbprint.
		out, _ := json.Marshal(k)
		k2, err := ParseJWK(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if k2.Thumbprint() != k.Thumbprint() {
			t.Fatal("thumbprint changed")
		}
	})
}
