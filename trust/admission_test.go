package trust

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeConn is a distinct net.Conn for the admission's bookkeeping.
type fakeConn struct {
	net.Conn
	name string
}

func TestAdmission(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAdmission(6, 3)
	conns := map[string]*pendingConn{}
	admit := func(name, host string, at int) (*pendingConn, error) {
		p, victim, err := a.admit(&fakeConn{name: name}, host, t0.Add(time.Duration(at)*time.Second), t0.Add(time.Hour))
		if err != nil {
			return nil, err
		}
		conns[name] = p
		if victim != nil {
			return victim, nil
		}
		return nil, nil
	}
	must := func(name, host string, at int, wantVictim string) {
		t.Helper()
		v, err := admit(name, host, at)
		if err != nil {
			t.Fatalf("admit %s from %s: %v", name, host, err)
		}
		got := ""
		if v != nil {
			got = v.conn.(*fakeConn).name
		}
		if got != wantVictim {
			t.Fatalf("admit %s from %s: evicted %q, want %q (pending %v)", name, host, got, wantVictim, a.counts())
		}
	}
	refuse := func(name, host string, at int, words string) {
		t.Helper()
		if _, err := admit(name, host, at); err == nil || !strings.Contains(err.Error(), words) {
			t.Fatalf("admit %s from %s: %v, want a refusal with %q", name, host, err, words)
		}
	}

	must("a1", "A", 1, "")
	must("a2", "A", 2, "")
	must("a3", "A", 3, "")
	refuse("a4", "A", 4, "MaxPendingPerHost (3)")
	must("b1", "B", 5, "")
	must("b2", "B", 6, "")
	must("b3", "B", 7, "") // full: A 3, B 3
	// A third address holding none takes the oldest of the address
	// holding the most (ties: the first by name), preferring one that has
	// not said hello.
	if _, ok := a.hello(conns["a1"].conn); !ok {
		t.Fatal("hello on a pending connection")
	}
	must("c1", "C", 8, "a2")
	// B now holds the most.
	must("c2", "C", 9, "b1")
	// A 2, B 2, C 2: nobody holds more than C would; refused.
	refuse("c3", "C", 10, "MaxPendingHandshakes (6)")
	refuse("a5", "A", 10, "MaxPendingHandshakes (6)")
	// A connection that is done leaves room.
	if evicted, _ := a.done(conns["b2"]); evicted {
		t.Fatal("b2 reported evicted")
	}
	must("d1", "D", 11, "")
	// Evicted ones are told so when their handshake ends, and leave the
	// counts alone.
	if evicted, _ := a.done(conns["a2"]); !evicted {
		t.Error("a2 not reported evicted")
	}
	want := map[string]int{"A": 2, "B": 1, "C": 2, "D": 1}
	if got := a.counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pending %v, want %v", got, want)
	}
	// When only connections that said hello are left, the oldest goes.
	a.hello(conns["a3"].conn)
	must("e1", "E", 12, "a1")
}

func TestLogThrottle(t *testing.T) {
	var th logThrottle
	t0 := time.Now()
	for i := range logBurst {
		if ok, _ := th.allow(t0.Add(time.Duration(i) * time.Millisecond)); !ok {
			t.Fatalf("record %d of the first second held back", i)
		}
	}
	for i := range 5 {
		if ok, _ := th.allow(t0.Add(time.Duration(i) * 100 * time.Millisecond)); ok {
			t.Fatalf("record %d beyond logBurst let through", logBurst+i)
		}
	}
	if ok, dropped := th.allow(t0.Add(time.Second)); !ok || dropped != 5 {
		t.Errorf("after a second: %v, %d left out; want true, 5", ok, dropped)
	}
}

// holdIdle opens n connections from the loopback address src to addr and
// keeps them open, silent, until the test ends, opening a new one for
// each the listener closes, as an attacker would.
func holdIdle(t *testing.T, wg *sync.WaitGroup, stop chan struct{}, src, addr string, n int) {
	for range n {
		wg.Go(func() {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
			for {
				c, err := d.Dial("tcp", addr)
				if err != nil {
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
						continue
					}
				}
				closed := make(chan struct{})
				go func() { io.Copy(io.Discard, c); close(closed) }()
				select {
				case <-stop:
					c.Close()
					return
				case <-closed:
					c.Close()
				}
			}
		})
	}
}

// TestIdleConnectionsDoNotKeepPeersOut: connections that never start TLS,
// from a few addresses, filling every handshake slot of a Listener, do not
// keep a peer from another address out (regression: 256 such connections
// from loopback addresses kept a peer from syncing for as long as they
// stayed).
func TestIdleConnectionsDoNotKeepPeersOut(t *testing.T) {
	f := newTestFed(t)
	// Idle connections are not dropped by the ClientHello deadline in
	// this test: only the way slots are shared lets the peer in.
	addr, log, l := startListener(t, f, orgHub, func(l *Listener) { l.HelloTimeout = time.Hour; l.HandshakeTimeout = time.Hour })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	holdIdle(t, &wg, stop, "127.0.0.1", addr, MaxPendingHandshakes)
	for i := 2; i <= 8; i++ {
		holdIdle(t, &wg, stop, fmt.Sprintf("127.0.0.%d", i), addr, MaxPendingPerHost)
	}
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		total := 0
		for _, k := range l.adm.counts() {
			total += k
		}
		if total == MaxPendingHandshakes {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the idle connections took %d slots, want all %d: %v", total, MaxPendingHandshakes, l.adm.counts())
		}
	}
	d := f.dialer(orgFR, orgHub)
	d.LocalAddr = &net.TCPAddr{IP: net.ParseIP("127.0.0.9")}
	d.Timeout = 10 * time.Second
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatalf("the peer was kept out: %v\n%s", err, log)
	}
	defer c.Close()
	io.WriteString(c, "ping")
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, io.EOF) || string(got) != "CERT-FR:ping" {
		t.Errorf("answer %q, %v", got, err)
	}
	if !strings.Contains(log.String(), "to make room for 127.0.0.9") {
		t.Errorf("the eviction was not logged (%d bytes):\n%s", len(log.String()), log.String())
	}
}

func TestHelloTimeout(t *testing.T) {
	f := newTestFed(t)
	addr, log, _ := startListener(t, f, orgHub, func(l *Listener) { l.HelloTimeout = 100 * time.Millisecond })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // far beyond HelloTimeout
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a silent connection was kept: %v", err)
	}
	for range 100 {
		if strings.Contains(log.String(), "no TLS ClientHello within HelloTimeout (100ms)") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("the refusal was not logged with its reason:\n%s", log)
}
