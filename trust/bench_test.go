package trust

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// benchOrg is the organisation of each profile in the test federation.
var benchOrg = map[Profile]string{EUPQBase: orgFR, EUPQHigh: orgDE}

func BenchmarkSign(b *testing.B) {
	f := newTestFed(b)
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		b.Run(string(p), func(b *testing.B) {
			o := indicator(b, benchOrg[p], stix.TLPGreen, "2026-10-02T10:00:00Z")
			id := f.ids[benchOrg[p]]
			for b.Loop() {
				if _, err := id.Sign(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify verifies one object at a time without the cache: the
// cost of a first verification on one core.
func BenchmarkVerify(b *testing.B) {
	f := newTestFed(b)
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		b.Run(string(p), func(b *testing.B) {
			o := mustSign(b, f.ids[benchOrg[p]], indicator(b, benchOrg[p], stix.TLPGreen, "2026-10-02T10:00:00Z"))
			v := f.verifier()
			st := v.state.Load()
			for b.Loop() {
				payload, ext, err := splitSignature(o.Raw)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := v.verify(st.reg, o, payload, ext); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyCached is the cost of an object seen before: relayed again
// along another path.
func BenchmarkVerifyCached(b *testing.B) {
	f := newTestFed(b)
	o := mustSign(b, f.ids[orgFR], indicator(b, orgFR, stix.TLPGreen, "2026-10-02T10:00:00Z"))
	v := f.verifier()
	v.Verify(o)
	for b.Loop() {
		if _, err := v.Verify(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyObjects is ingest from a peer: batches of distinct signed
// objects verified in parallel on all cores. It reports objects/s.
func BenchmarkVerifyObjects(b *testing.B) {
	f := newTestFed(b)
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		b.Run(string(p), func(b *testing.B) {
			const batch = 1000
			objs := make([]*stix.Object, batch)
			for i := range objs {
				objs[i] = mustSign(b, f.ids[benchOrg[p]], indicator(b, benchOrg[p], stix.TLPGreen, "2026-10-02T10:00:00Z"))
			}
			n := 0
			cpu0 := cpuTime()
			for b.Loop() {
				// A fresh verifier each round, so nothing comes from
				// the cache.
				v := f.verifier()
				for _, r := range v.VerifyObjects(b.Context(), objs) {
					if r.Err != nil {
						b.Fatal(r.Err)
					}
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
			// CPU time per object says what the cores can do when the
			// machine is not shared: cores / cpu-µs is the ceiling.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/object")
		})
	}
}

func BenchmarkSealOpen(b *testing.B) {
	f := newTestFed(b)
	for _, to := range []string{orgIT, orgDE} { // eu-pq-base, eu-pq-high recipient
		p := f.ids[to].Profile()
		inner := mustSign(b, f.ids[orgFR], indicator(b, orgFR, stix.TLPRed, "2026-10-02T10:00:00Z"))
		b.Run(fmt.Sprintf("seal/%s", p), func(b *testing.B) {
			for b.Loop() {
				if _, err := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{to}); err != nil {
					b.Fatal(err)
				}
			}
		})
		env, _ := f.ids[orgFR].sealAt(t0, []*stix.Object{inner}, f.reg, []string{to})
		b.Run(fmt.Sprintf("open/%s", p), func(b *testing.B) {
			for b.Loop() {
				if _, err := f.ids[to].Open(env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNodeConnection is one node-to-node connection: hybrid TLS 1.3
// handshake and the two node proofs, client and server in one process.
func BenchmarkNodeConnection(b *testing.B) {
	f := newTestFed(b)
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		org := benchOrg[p]
		b.Run(string(p), func(b *testing.B) {
			cert, _ := GenerateCertificate(p)
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			l := NewListener(inner, cert, f.ids[org], f.verifier())
			l.Logger = slog.New(slog.DiscardHandler)
			defer l.Close()
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					l.Peer(c)
					c.Close()
				}
			}()
			d := f.dialer(orgIT, org)
			for b.Loop() {
				c, err := d.DialContext(b.Context(), "tcp", inner.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}

// BenchmarkLinkTraffic measures what sealing a node link's traffic under
// QKD-mixed keys costs: 64 KiB writes through an in-memory pipe, read
// back, plain and sealed (AES-256-GCM records of 16 KiB).
func BenchmarkLinkTraffic(b *testing.B) {
	k := &linkKeys{clientToServer: make([]byte, 32), serverToClient: make([]byte, 32)}
	msg := make([]byte, 64<<10)
	for _, sealed := range []bool{false, true} {
		name := "plain"
		if sealed {
			name = "sealed"
		}
		b.Run(name, func(b *testing.B) {
			a, c := net.Pipe()
			var w io.Writer = a
			var r io.Reader = c
			if sealed {
				sa, _ := newSealedConn(a, k, true, time.Hour, 1<<62)
				sc, _ := newSealedConn(c, k, false, time.Hour, 1<<62)
				w, r = sa, sc
			}
			go io.Copy(io.Discard, r)
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := w.Write(msg); err != nil {
					b.Fatal(err)
				}
			}
			a.Close()
		})
	}
}

// BenchmarkNodeConnectionQKD is BenchmarkNodeConnection (eu-pq-base) with
// a QKD key mixed in, from in-memory KMEs: what the QKD step costs beyond
// the KMEs' own answers (one round trip more, HKDF and two HMACs).
func BenchmarkNodeConnectionQKD(b *testing.B) {
	f := newTestFed(b)
	_, ka, kb := newKMEs()
	cert, _ := GenerateCertificate(EUPQBase)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	l := NewListener(inner, cert, f.ids[orgFR], f.verifier())
	l.Logger = slog.New(slog.DiscardHandler)
	l.QKD = &QKD{SAE: saeFR, Keys: kb}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			l.Peer(c)
			c.Close()
		}
	}()
	d := f.dialer(orgIT, orgFR)
	d.QKD = &QKD{SAE: saeHub, Keys: ka}
	for b.Loop() {
		c, err := d.DialContext(b.Context(), "tcp", inner.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := c.(*sealedConn); !ok {
			b.Fatalf("no QKD key mixed in: %T", c)
		}
		c.Close()
	}
}
