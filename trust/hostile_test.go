package trust

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

// escapeName rewrites the first occurrence of the JSON member name name in
// raw with its first letter as a \u escape: the same JSON to every parser,
// other bytes to a substring search.
func escapeName(t testing.TB, raw, name string) string {
	t.Helper()
	quoted := `"` + name + `"`
	if !strings.Contains(raw, quoted) {
		t.Fatalf("%s not in %s", quoted, raw)
	}
	return strings.Replace(raw, quoted, fmt.Sprintf(`"\u%04x%s"`, name[0], name[1:]), 1)
}

// TestRestrictionEscapedNames: granular markings and addressing restrict
// an object however its member names are spelt (regression: a check by
// substring missed names written with \u escapes, and such an object went
// out in clear as its object marking allowed).
func TestRestrictionEscapedNames(t *testing.T) {
	base := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-02T10:00:00.000Z","modified":"2026-10-02T10:00:00.000Z","created_by_ref":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-02T10:00:00Z","description":"source: a named informant","object_marking_refs":[%q]`, orgFR, stix.TLPGreen.MarkingID())
	granular := base + fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["description"]}]}`, stix.TLPRed.MarkingID())
	addressed := base + fmt.Sprintf(`,"extensions":{%q:{"extension_type":"property-extension","recipients":[%q]}}}`, stix.RecipientsExtensionID, orgDE)
	for _, tc := range []struct {
		name string
		raw  string
		want stix.TLP
	}{
		{"object marking only", base + "}", stix.TLPGreen},
		{"granular RED", granular, stix.TLPRed},
		{"granular RED, name escaped", escapeName(t, granular, "granular_markings"), stix.TLPRed},
		{"granular RED, marking_ref escaped", escapeName(t, granular, "marking_ref"), stix.TLPRed},
		{"addressed", addressed, stix.TLPRed},
		{"addressed, extension id escaped", escapeName(t, addressed, stix.RecipientsExtensionID), stix.TLPRed},
		{"addressed, malformed list", base + fmt.Sprintf(`,"extensions":{%q:{"recipients":[]}}}`, stix.RecipientsExtensionID), stix.TLPRed},
		{"escape elsewhere", strings.Replace(base, "named informant", `named \u0069nformant`, 1) + "}", stix.TLPGreen},
	} {
		o := mustParse(t, tc.raw)
		if got := stix.Restriction(o); got != tc.want {
			t.Errorf("%s: Restriction = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestCheckPeer: a connection authenticated before a revocation, an expiry
// or a removal stops counting as authenticated once the registry says so
// (regression: the node proof was checked once per connection, so a peer
// whose keys were revoked kept a connection it had open).
func TestCheckPeer(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	kids := f.ids[orgIT].KeyIDs()
	peer := &Peer{Organization: f.reg.Organization(orgIT), KeyIDs: [2]string{kids[0], kids[1]}}
	if err := v.CheckPeer(peer); err != nil {
		t.Fatalf("a valid peer: %v", err)
	}
	if err := v.CheckPeer(&Peer{Organization: f.reg.Organization(orgFR), KeyIDs: peer.KeyIDs}); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("keys of another organisation: %v, want ErrWrongSigner", err)
	}
	if err := v.CheckPeer(nil); !errors.Is(err, ErrNodeAuth) {
		t.Errorf("no peer: %v", err)
	}

	if err := f.doc.Revoke(kids[1], time.Time{}, ReasonKeyCompromise, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.UpdateRegistry(f.sign(t, f.auth[0], f.auth[1])); err != nil {
		t.Fatal(err)
	}
	err := v.CheckPeer(peer)
	if !errors.Is(err, ErrRevoked) || !errors.Is(err, ErrNodeAuth) {
		t.Errorf("after the revocation: %v, want ErrNodeAuth and ErrRevoked", err)
	}

	g := newTestFed(t)
	w := g.verifier()
	gk := g.ids[orgDE].KeyIDs()
	gp := &Peer{Organization: g.reg.Organization(orgDE), KeyIDs: [2]string{gk[0], gk[1]}}
	w.Now = func() time.Time { return t0.AddDate(2, 0, 0) } // past the keys' validity
	if err := w.CheckPeer(gp); !errors.Is(err, ErrKeyNotValid) {
		t.Errorf("keys no longer valid: %v, want ErrKeyNotValid", err)
	}
	g.doc.edit(t0.Add(-time.Hour))
	g.doc.Expires = t0.Add(time.Hour)
	g.publish(t, g.auth[0], g.auth[1])
	x := NewVerifier(g.reg, DefaultPolicy())
	x.Now = func() time.Time { return t0.Add(2 * time.Hour) }
	if err := x.CheckPeer(gp); !errors.Is(err, ErrRegistryExpired) {
		t.Errorf("registry expired: %v, want ErrRegistryExpired", err)
	}
}

// TestRegistryEditKeepsValidity: an edited version keeps the period of
// validity of the one it follows, counted from its own issue time
// (regression: edits kept the old expiry, so a version made late in the
// period expired almost at once, and once that date had passed no edit was
// possible at all).
func TestRegistryEditKeepsValidity(t *testing.T) {
	f := newTestFed(t)
	f.doc.edit(t0)
	f.doc.Expires = t0.Add(90 * 24 * time.Hour)
	f.publish(t, f.auth[0], f.auth[1])
	later := t0.Add(100 * 24 * time.Hour) // after the first expiry
	if err := f.doc.Revoke(f.ids[orgIT].KeyIDs()[0], time.Time{}, ReasonKeyCompromise, later); err != nil {
		t.Fatal(err)
	}
	if want := later.Add(90 * 24 * time.Hour); !f.doc.Expires.Equal(want) {
		t.Errorf("expires after an edit = %s, want %s", f.doc.Expires, want)
	}
	raw := f.sign(t, f.auth[0], f.auth[2])
	if _, err := f.reg.Update(raw); err != nil {
		t.Errorf("the edited version: %v", err)
	}
}

// TestUpdateRegistryRefusesFutureIssue: a version issued beyond the clock
// skew is refused (regression: it was accepted, after which every
// correctly dated version was refused as older than it).
func TestUpdateRegistryRefusesFutureIssue(t *testing.T) {
	f := newTestFed(t)
	v := f.verifier()
	f.doc.edit(t0.AddDate(1, 0, 0))
	_, err := v.UpdateRegistry(f.sign(t, f.auth[0], f.auth[1]))
	if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "in the future") {
		t.Fatalf("registry issued a year ahead: %v, want ErrPolicy", err)
	}
	if v.Registry().Version() != 1 {
		t.Fatalf("the node moved to version %d", v.Registry().Version())
	}
	f.doc.edit(t0)
	if _, err := v.UpdateRegistry(f.sign(t, f.auth[0], f.auth[1])); err != nil {
		t.Errorf("a correctly dated version after it: %v", err)
	}
}

// FuzzNodeProof: the proof frame a stranger sends before it is
// authenticated never panics the node, and nothing but a real proof by a
// member checks.
func FuzzNodeProof(f *testing.F) {
	fed := newTestFed(f)
	v := fed.verifier()
	binding := bytes.Repeat([]byte{7}, 32)
	good, err := makeProof(fed.ids[orgFR], binding, "client", "")
	if err != nil {
		f.Fatal(err)
	}
	frame := func(pf proofFrame) []byte {
		var b bytes.Buffer
		if err := writeFrame(&b, pf); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	f.Add(frame(proofFrame{Proof: good}))
	f.Add(frame(proofFrame{Error: "no"}))
	f.Add(frame(proofFrame{Proof: &jws.General{Payload: good.Payload, Signatures: good.Signatures[:1]}}))
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := readFrame(bytes.NewReader(data))
		if err != nil {
			return
		}
		p, err := checkProof(v, pf.Proof, binding, "client")
		if err == nil && (p.Organization == nil || p.Organization.ID != orgFR) {
			t.Fatalf("a proof checked for %+v", p)
		}
	})
}

// TestPendingPerHost: one host cannot hold every handshake slot of a
// Listener (regression: MaxPendingHandshakes idle connections from any
// single address, no keys needed, kept every peer out).
func TestPendingPerHost(t *testing.T) {
	f := newTestFed(t)
	addr, log := startNode(t, f, orgHub)
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range MaxPendingPerHost {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	// Wait until the listener has taken them all, then one more is shut.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			break // closed by the listener
		}
		if time.Now().After(deadline) {
			t.Fatal("a connection beyond MaxPendingPerHost was kept")
		}
	}
	if !strings.Contains(log.String(), "MaxPendingPerHost") {
		t.Errorf("the refusal was not logged:\n%s", log)
	}
	for _, c := range idle {
		c.Close()
	}
	idle = nil
	// The slots come back: a peer connects.
	for {
		c, err := f.dialer(orgFR, orgHub).DialContext(t.Context(), "tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection after the idle ones closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FuzzParseKeySet: a key set an organisation hands the authority never
// panics the authority's tools, and what parses holds the profile's pair.
func FuzzParseKeySet(f *testing.F) {
	id, err := GenerateIdentity(EUPQBase, orgFR)
	if err != nil {
		f.Fatal(err)
	}
	raw, err := id.KeySet().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"profile":"eu-pq-high","keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := ParseKeySet(data)
		if err != nil {
			return
		}
		if len(ks.SigningKeys()) != 2 {
			t.Fatalf("a key set with %d signing keys parsed", len(ks.SigningKeys()))
		}
	})
}
