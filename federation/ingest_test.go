package federation

import (
	"context"
	"encoding/json/jsontext"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// TestIngest checks one page from a peer at the hub: what is stored, what
// is dropped as a duplicate, and what is refused with which reason.
func TestIngest(t *testing.T) {
	f := sharedFed(t)
	h := newTestNode(t, f, orgHub, "")
	a := newTestNode(t, f, orgFR, "")
	h.peer(t, a)
	var added []*rampart.ObjectVersion
	h.start(t, func(n *Node) { n.Manual = true })
	h.onAdded(func(vs []*rampart.ObjectVersion) { added = append(added, vs...) })
	reg := f.registry(t)
	ctx := context.Background()

	id := stix.NewID("indicator")
	now := time.Now().Add(-time.Minute).UTC()
	v1 := f.signed(t, versionOf(t, id, orgFR, now.Add(-time.Second), "v1"))
	v2 := f.signed(t, versionOf(t, id, orgFR, now, "v2"))
	green := f.signed(t, object(t, orgFR, stix.TLPGreen, "green", ""))
	inner := f.signed(t, object(t, orgFR, stix.TLPRed, "red for the hub and IT", ""))
	forHubAndIT, err := f.ids[orgFR].Seal([]*stix.Object{inner}, reg, orgHub, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	inner2 := f.signed(t, object(t, orgFR, stix.TLPRed, "red for the hub", ""))
	forHub, err := f.ids[orgFR].Seal([]*stix.Object{inner2}, reg, orgHub)
	if err != nil {
		t.Fatal(err)
	}
	forIT, err := f.ids[orgFR].Seal([]*stix.Object{f.signed(t, object(t, orgFR, stix.TLPRed, "red for IT", ""))}, reg, orgIT)
	if err != nil {
		t.Fatal(err)
	}
	ts := stix.NewTimestamp(now).String()
	invalid := f.signed(t, mustObject(t, `{"type":"indicator","spec_version":"2.1","id":"indicator--aaaaaaaa-1111-4111-8111-111111111111","created":"`+ts+`","modified":"`+ts+`","created_by_ref":"`+orgFR+`","object_marking_refs":["`+stix.TLPGreen.MarkingID()+`"],"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))

	raws := []jsontext.Value{
		jsontext.Value(`{"type":"indicator","id":"indicator--bad"}`),
		jsontext.Value(`[1]`),
		v1.Raw, v2.Raw, v2.Raw, green.Raw,
		forHubAndIT.Raw, forHub.Raw, forIT.Raw,
		invalid.Raw,
	}
	in, rejected, err := h.node.ingest(ctx, &rampart.Peer{ID: orgFR}, raws)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, r := range rejected {
		reasons[r.ObjectID] = r.Reason
	}
	want := map[string]string{"indicator--bad": ReasonMalformed, "": ReasonMalformed, invalid.ID: ReasonInvalid}
	if len(rejected) != 3 {
		t.Errorf("%d rejections, want 3: %v", len(rejected), reasons)
	}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("rejection of %q: %q, want %q", k, reasons[k], v)
		}
	}
	// Stored: v1, v2, green, the content of both envelopes for the hub, the
	// envelope it relays on to IT alongside, and the one for IT alone.
	if in != 7 {
		t.Errorf("%d versions stored, want 7", in)
	}
	for _, o := range []*stix.Object{green, inner, inner2, forHubAndIT, forIT} {
		if !h.has(t, o.ID) {
			t.Errorf("the hub does not hold %s %s", o.Type, o.ID)
		}
	}
	if len(added) != 7 {
		t.Errorf("the object service told of %d objects, want the 7 stored", len(added))
	}
	if h.has(t, forHub.ID) {
		t.Errorf("the hub kept an envelope addressed to it alone, which it has no one to relay to")
	}

	// The same page again changes nothing and refuses nothing new.
	in, rejected, err = h.node.ingest(ctx, &rampart.Peer{ID: orgFR}, raws[2:9])
	if err != nil || in != 0 || len(rejected) != 0 {
		t.Errorf("the same page again: %d stored, %d refused, %v; want nothing", in, len(rejected), err)
	}
	if len(added) != 7 {
		t.Errorf("the object service told of %d objects after a page of duplicates, want still 7", len(added))
	}
	// An older version now is a replay.
	v0 := f.signed(t, versionOf(t, id, orgFR, now.Add(-time.Hour), "v0"))
	_, rejected, err = h.node.ingest(ctx, &rampart.Peer{ID: orgFR}, []jsontext.Value{v0.Raw})
	if err != nil || len(rejected) != 1 || rejected[0].Reason != ReasonReplay || !strings.Contains(rejected[0].Message, "older than version") {
		t.Errorf("an older version: %+v, %v; want a replay", rejected, err)
	}
}

func mustObject(t testing.TB, raw string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}
