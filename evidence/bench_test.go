package evidence

import (
	"bytes"
	"testing"
	"time"
)

// benchPackage returns a package with a 10 MiB artefact that went maker →
// carrier → authority (two hand-overs, both received).
func benchPackage(b *testing.B, w *world) *Package {
	c := contents(b, w)
	c.Files = append(c.Files, File{Name: "artefacts/disk.img", Kind: KindArtefact, Data: bytes.Repeat([]byte{0x5a, 0x01, 0x7f, 0x00}, 10<<20/4)})
	p, _, err := Create(w.maker, "CERT-FR", w.authorityParty(), c, "bench", t0)
	if err != nil {
		b.Fatal(err)
	}
	p.HandOver(w.maker, w.carrierParty(), "courier", t0.Add(time.Hour))
	p.Receive(w.carrier, t0.Add(2*time.Hour))
	p.HandOver(w.carrier, w.authorityParty(), "delivery", t0.Add(3*time.Hour))
	if _, err := p.Receive(w.authority, t0.Add(4*time.Hour)); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkCreate makes a package with a 10 MiB artefact: hashing, the
// archive, HPKE sealing and the cover's signature.
func BenchmarkCreate(b *testing.B) {
	w := newWorld(b)
	c := contents(b, w)
	c.Files = append(c.Files, File{Name: "artefacts/disk.img", Kind: KindArtefact, Data: bytes.Repeat([]byte{0x5a, 0x01, 0x7f, 0x00}, 10<<20/4)})
	b.SetBytes(10 << 20)
	for b.Loop() {
		if _, _, err := Create(w.maker, "CERT-FR", w.authorityParty(), c, "bench", t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify checks a package with a 10 MiB artefact and two
// received hand-overs against the registry, as "evidence verify" does
// after reading the file.
func BenchmarkVerify(b *testing.B) {
	w := newWorld(b)
	p := benchPackage(b, w)
	b.SetBytes(int64(len(p.Sealed)))
	for b.Loop() {
		if _, err := Verify(p, w.opts(t0.Add(5*time.Hour))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen verifies and opens the same package with the authority's
// keys, checking every member.
func BenchmarkOpen(b *testing.B) {
	w := newWorld(b)
	p := benchPackage(b, w)
	b.SetBytes(int64(len(p.Sealed)))
	for b.Loop() {
		if _, err := Open(p, w.authority, w.opts(t0.Add(5*time.Hour))); err != nil {
			b.Fatal(err)
		}
	}
}
