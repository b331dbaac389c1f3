package federation

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// versionOf returns an unsigned version of indicator id by org, modified
// at modified.
func versionOf(t testing.TB, id, org string, modified time.Time, name string) *stix.Object {
	t.Helper()
	ts := stix.NewTimestamp(modified).String()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":%q,"created_by_ref":%q,"name":%q,"pattern":"[domain-name:value = 'c2.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":[%q]}`,
		id, ts, org, name, stix.TLPGreen.MarkingID()))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// impostor returns an identity with the keys of keysOf that claims to be
// organisation org.
func impostor(t testing.TB, keysOf *trust.Identity, org string) *trust.Identity {
	t.Helper()
	raw, err := keysOf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]jsontext.Value
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	file["organization"], _ = json.Marshal(org)
	raw, _ = json.Marshal(file)
	id, err := trust.ParseIdentity(raw)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRejections has node A, whose store holds whatever its operators (or
// an intruder) put there, serve the hub objects that must be refused, and
// a registry update without a quorum. The hub stores none of them, keeps
// its registry, and shows each refusal with its reason in A's status.
func TestRejections(t *testing.T) {
	f := newTestFed(t)
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	link(t, a, h)
	h.start(t, nil)
	a.start(t, nil)

	// Version 2 of the registry revokes CERT-Old's keys: the hub learns it
	// first and A takes it from the hub.
	for _, k := range f.ids[orgOld].KeySet().Keys {
		if err := f.doc.Revoke(k.ID(), time.Time{}, trust.ReasonKeyCompromise, f.now); err != nil {
			t.Fatal(err)
		}
	}
	v2 := f.sign(t, f.auth[0], f.auth[2])
	if _, err := h.node.UpdateRegistry(v2); err != nil {
		t.Fatal(err)
	}
	// A saves what it accepted, for its next start.
	eventually(t, "A moves to registry version 2 and saves it", func() bool {
		saved := a.saved.Load()
		return a.verifier.Registry().Version() == 2 && saved != nil && string(*saved) == string(v2)
	})

	// Version 3, signed by one authority member of the two required.
	if err := f.doc.SetOrganization(&trust.Organization{ID: orgObs, Name: "Observer", Country: "NO", Role: trust.RoleNationalCSIRT,
		Keys: f.ids[orgObs].KeySet().WithValidity(f.now.AddDate(0, 0, -1), f.now.AddDate(1, 0, 0))}, f.now); err != nil {
		t.Fatal(err)
	}
	v3 := f.sign(t, f.auth[1])
	if _, err := h.node.UpdateRegistry(v3); !errors.Is(err, trust.ErrQuorum) {
		t.Errorf("registry version 3 with one signature: %v, want ErrQuorum", err)
	}

	// A offers the hub that version 3 as the registry it trusts.
	real := a.node.Handler()
	rogue := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == pathWait && r.URL.Query().Get("registry_version") < "3":
			w.Write([]byte(`{"changed":false,"registry_version":3}`))
		case r.URL.Path == pathRegistry:
			w.Write(v3)
		default:
			real.ServeHTTP(w, r)
		}
	}))
	a.handler.Store(&rogue)
	// Something new ends the hub's wait on A, so that it asks again.
	a.add(t, f.signed(t, object(t, orgFR, stix.TLPGreen, "filler", "")))
	eventually(t, "the hub refuses A's registry", func() bool { return h.status(t, orgFR).Rejections > 0 })
	a.handler.Store(&real)
	if v := h.verifier.Registry().Version(); v != 2 {
		t.Errorf("the hub trusts registry version %d, want 2", v)
	}

	// Objects that must be refused, in A's store.
	id := stix.NewID("indicator")
	t2 := time.Now().Add(-time.Minute).UTC()
	v2obj := f.signed(t, versionOf(t, id, orgFR, t2, "second version"))
	good := f.signed(t, object(t, orgFR, stix.TLPGreen, "good", ""))
	tampered := f.signed(t, object(t, orgFR, stix.TLPGreen, "tampered-before", ""))
	tampered, err := stix.ParseObject([]byte(strings.Replace(string(tampered.Raw), "tampered-before", "tampered-after!", 1)))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := trust.GenerateIdentity(trust.EUPQBase, orgFR)
	if err != nil {
		t.Fatal(err)
	}
	unknownKey, err := stranger.Sign(object(t, orgFR, stix.TLPGreen, "unknown-key", ""))
	if err != nil {
		t.Fatal(err)
	}
	wrongSigner, err := impostor(t, f.ids[orgDE], orgFR).Sign(object(t, orgFR, stix.TLPGreen, "wrong-signer", ""))
	if err != nil {
		t.Fatal(err)
	}
	revoked := f.signed(t, object(t, orgOld, stix.TLPGreen, "revoked", ""))
	replayed := f.signed(t, versionOf(t, id, orgFR, t2.Add(-time.Hour), "first version"))
	hijack := f.signed(t, versionOf(t, id, orgDE, t2.Add(30*time.Second), "another creator"))
	sentinel := f.signed(t, object(t, orgFR, stix.TLPGreen, "sentinel", ""))
	a.add(t, v2obj, good)
	eventually(t, "the hub holds the second version", func() bool { return h.has(t, v2obj.ID) })
	a.add(t, tampered, unknownKey, wrongSigner, revoked, replayed, hijack, sentinel)
	// The page's record follows its objects into the store.
	eventually(t, "the hub holds the sentinel and recorded the page", func() bool {
		return h.has(t, sentinel.ID) && h.status(t, orgFR).Rejections >= 7
	})

	st := h.status(t, orgFR)
	got := map[string]string{} // object id -> reason
	for _, r := range st.RecentRejections {
		got[r.ObjectID] = r.Reason
		if r.Message == "" {
			t.Errorf("rejection of %s has no message", r.ObjectID)
		}
	}
	want := map[string]string{
		"trust-registry": ReasonQuorum,
		tampered.ID:      ReasonBadSignature,
		unknownKey.ID:    ReasonUnknownKey,
		wrongSigner.ID:   ReasonWrongSigner,
		revoked.ID:       ReasonRevoked,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rejection of %s: reason %q, want %q", k, got[k], v)
		}
	}
	var replayReasons []string
	for _, r := range st.RecentRejections {
		if r.ObjectID == id {
			replayReasons = append(replayReasons, r.Reason)
		}
	}
	slices.Sort(replayReasons)
	if !slices.Equal(replayReasons, []string{ReasonReplay, ReasonWrongCreator}) {
		t.Errorf("rejections of %s: %v, want a replay and a wrong creator", id, replayReasons)
	}
	if st.Rejections != 7 {
		t.Errorf("the hub counts %d rejections from A, want 7", st.Rejections)
	}
	for _, o := range []*stix.Object{tampered, unknownKey, wrongSigner, revoked} {
		if h.has(t, o.ID) {
			t.Errorf("the hub stored refused object %s", o.ID)
		}
	}
	vs := h.all(t)
	for _, o := range vs {
		if o.ID == id && o.Version().Compare(v2obj.Version()) != 0 {
			t.Errorf("the hub stored version %s of %s; only %s was acceptable", o.Version(), id, v2obj.Version())
		}
	}
	if !h.has(t, good.ID) {
		t.Errorf("the hub lost a good object")
	}
	if !strings.Contains(h.logs.String(), "refused an object from a peer") {
		t.Errorf("the hub did not log its refusals")
	}
	// Rejections are A's only: nothing went wrong the other way.
	if st := a.status(t, orgHub); st.Rejections != 0 {
		t.Errorf("A refused %d objects from the hub: %+v", st.Rejections, st.RecentRejections)
	}
}

// TestRegistryBoundRefusals checks that a node never moves past objects it
// refused only because its own registry was out of date: one signed with a
// key only a newer registry lists is taken once the node has that registry
// from the peer, and while its registry has expired it takes nothing and
// keeps its place until it trusts a newer one.
func TestRegistryBoundRefusals(t *testing.T) {
	f := newTestFed(t)
	f.doc.Expires = f.now.Add(24 * time.Hour).Truncate(time.Second)
	f.raw = f.sign(t, f.auth[0], f.auth[1])
	a, h := newTestNode(t, f, orgFR, ""), newTestNode(t, f, orgHub, "")
	var clock atomic.Pointer[time.Time]
	clock.Store(&f.now)
	h.verifier.Now = func() time.Time { return *clock.Load() }
	link(t, a, h)
	manual := func(n *Node) { n.Manual = true }
	h.start(t, manual)
	a.start(t, manual)
	ctx := context.Background()

	// CERT-FR adds a key pair in version 2, which A trusts and the hub
	// does not yet.
	rotated, err := trust.GenerateIdentity(trust.EUPQBase, orgFR)
	if err != nil {
		t.Fatal(err)
	}
	frOrg := *f.doc.Organization(orgFR)
	frOrg.Keys = append(slices.Clone(frOrg.Keys), rotated.KeySet().WithValidity(f.now.AddDate(0, 0, -1), f.now.AddDate(1, 0, 0))...)
	if err := f.doc.SetOrganization(&frOrg, f.now); err != nil {
		t.Fatal(err)
	}
	v2 := f.sign(t, f.auth[0], f.auth[1])
	if _, err := a.node.UpdateRegistry(v2); err != nil {
		t.Fatal(err)
	}
	withNewKey, err := rotated.Sign(object(t, orgFR, stix.TLPGreen, "new key", ""))
	if err != nil {
		t.Fatal(err)
	}
	a.add(t, withNewKey)
	if err := h.node.Sync(ctx, orgFR); err != nil {
		t.Fatal(err)
	}
	if !h.has(t, withNewKey.ID) || h.verifier.Registry().Version() != 2 {
		t.Errorf("the hub holds the object: %v, trusts version %d; want it stored under version 2", h.has(t, withNewKey.ID), h.verifier.Registry().Version())
	}
	if st := h.status(t, orgFR); st.Rejections != 0 {
		t.Errorf("the hub refused %+v", st.RecentRejections[0])
	}

	// Two days on, the hub's registry has expired: it takes nothing and
	// keeps its place.
	later := f.now.Add(48 * time.Hour)
	clock.Store(&later)
	before := h.status(t, orgFR).Cursors[0].AddedAfter
	o := f.signed(t, object(t, orgFR, stix.TLPGreen, "while expired", ""))
	a.add(t, o)
	err = h.node.Sync(ctx, orgFR)
	t.Logf("sync with an expired registry: %v", err)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("sync with an expired registry: %v, want an error saying it expired", err)
	}
	st := h.status(t, orgFR)
	if h.has(t, o.ID) || st.Rejections != 0 || !st.Cursors[0].AddedAfter.Equal(before) {
		t.Errorf("with an expired registry the hub stored %v, refused %d, moved its cursor from %v to %v; want none of it", h.has(t, o.ID), st.Rejections, before, st.Cursors[0].AddedAfter)
	}
	// Version 3 renews it; the object comes in.
	f.doc.Expires = later.Add(24 * time.Hour).Truncate(time.Second)
	if err := f.doc.SetOrganization(&frOrg, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := h.node.UpdateRegistry(f.sign(t, f.auth[1], f.auth[2])); err != nil {
		t.Fatal(err)
	}
	if err := h.node.Sync(ctx, orgFR); err != nil {
		t.Fatal(err)
	}
	if !h.has(t, o.ID) {
		t.Errorf("the hub did not take the object once its registry was renewed")
	}
}
