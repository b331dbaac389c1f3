package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/mldsa"
	"crypto/rand"
	"testing"
)

// BenchmarkVerifySignature is the cost of the standard library primitives
// under everything else: what one signature check costs at the bottom.
func BenchmarkVerifySignature(b *testing.B) {
	m65, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	m87, _ := mldsa.GenerateKey(mldsa.MLDSA87())
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	input := make([]byte, 1500) // a typical signing input: header and payload
	for _, k := range []struct {
		priv any
		pub  any
	}{
		{m65, m65.PublicKey()}, {m87, m87.PublicKey()}, {e256, &e256.PublicKey}, {e384, &e384.PublicKey},
	} {
		var s Signer
		switch p := k.priv.(type) {
		case *mldsa.PrivateKey:
			s, _ = NewSigner(p, "")
		case *ecdsa.PrivateKey:
			s, _ = NewSigner(p, "")
		}
		sig, _ := s.Sign(input)
		b.Run(s.Algorithm(), func(b *testing.B) {
			for b.Loop() {
				if err := VerifySignature(s.Algorithm(), k.pub, input, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
