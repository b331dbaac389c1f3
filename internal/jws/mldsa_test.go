package jws

import (
	"crypto/mldsa"
	"crypto/rand"
	"testing"
)

// TestMLDSAImplementationsAgree: every signature crypto/mldsa makes, and
// every corruption of one, gets the same verdict from the circl path that
// verification uses as from crypto/mldsa.
func TestMLDSAImplementationsAgree(t *testing.T) {
	for _, p := range []mldsa.Parameters{mldsa.MLDSA65(), mldsa.MLDSA87()} {
		sk, err := mldsa.GenerateKey(p)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := mldsa.GenerateKey(p)
		pk := sk.PublicKey()
		for i := 0; i < 20; i++ {
			msg := make([]byte, i*37)
			rand.Read(msg)
			sig, err := sk.Sign(nil, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			bad := append([]byte(nil), sig...)
			bad[i*13%len(bad)] ^= 1 << (i % 8)
			otherSig, _ := other.Sign(nil, msg, nil)
			for _, c := range []struct {
				name string
				msg  []byte
				sig  []byte
			}{
				{"valid", msg, sig},
				{"bit flipped in the signature", msg, bad},
				{"another key's signature", msg, otherSig},
				{"another message", append(msg, 0), sig},
			} {
				want := mldsa.Verify(pk, c.msg, c.sig, nil) == nil
				if got := verifyMLDSA(pk, c.msg, c.sig); got != want {
					t.Errorf("%s, %s, message %d bytes: circl says %v, crypto/mldsa %v", p, c.name, len(c.msg), got, want)
				}
			}
		}
	}
}

func BenchmarkVerifyMLDSA65(b *testing.B) {
	sk, _ := mldsa.GenerateKey(mldsa.MLDSA65())
	msg := make([]byte, 800)
	sig, _ := sk.Sign(nil, msg, nil)
	pk := sk.PublicKey()
	b.Run("crypto-mldsa", func(b *testing.B) {
		for b.Loop() {
			if mldsa.Verify(pk, msg, sig, nil) != nil {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("circl-cached", func(b *testing.B) {
		for b.Loop() {
			if !verifyMLDSA(pk, msg, sig) {
				b.Fatal("invalid")
			}
		}
	})
}

// FuzzMLDSAAgree: for any message and any mutation of a valid signature,
// the verification path and crypto/mldsa agree.
func FuzzMLDSAAgree(f *testing.F) {
	sk, err := mldsa.GenerateKey(mldsa.MLDSA65())
	if err != nil {
		f.Fatal(err)
	}
	pk := sk.PublicKey()
	f.Add([]byte("an indicator"), uint16(0), byte(0))
	f.Add([]byte{}, uint16(100), byte(1))
	f.Fuzz(func(t *testing.T, msg []byte, at uint16, flip byte) {
		sig, err := sk.Sign(nil, msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		sig[int(at)%len(sig)] ^= flip
		want := mldsa.Verify(pk, msg, sig, nil) == nil
		if got := verifyMLDSA(pk, msg, sig); got != want {
			t.Errorf("circl says %v, crypto/mldsa %v (byte %d ^ %#x)", got, want, int(at)%len(sig), flip)
		}
	})
}
