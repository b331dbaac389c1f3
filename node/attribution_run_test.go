package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

func TestRunIncidentAttribution(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, false, false).Node
	name, detected := "x", time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	inc, err := n.CreateIncident(ctx, coord.IncidentChange{Name: &name, Detected: &detected}, stix.TLPAmber, "")
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	r, err := n.RunIncidentAttribution(ctx, inc.ID, 5, func(int) { reads++ })
	if err != nil {
		t.Fatal(err)
	}
	if r.IncidentID != inc.ID || r.Note == nil || r.Attribution == nil || r.Took <= 0 || reads == 0 {
		t.Fatalf("run %+v, %d progress calls", r, reads)
	}

	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.HasPrefix(got, "incident "+inc.ID+"\nnote "+r.Note.ID+" (TLP:AMBER), by ") {
		t.Errorf("WriteText =\n%s", got)
	}
	b.Reset()
	if err := r.WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"note":{`) || strings.Count(b.String(), "\n") != 1 {
		t.Errorf("WriteJSON = %q, %v; want the note and record, one line", b.String(), err)
	}
	want := "attributed " + inc.ID + " from 0 techniques, 0 software, 0 indicators and 0 sightings (1 objects read) against 0 intrusion sets in "
	if s := r.Summary(); !strings.HasPrefix(s, want) || !strings.HasSuffix(s, "; note "+r.Note.ID+" stored") {
		t.Errorf("Summary = %q; want it to begin %q", s, want)
	}
	if h := r.Hint(); h != "" {
		t.Errorf("Hint = %q; want none when every object was read", h)
	}
	r.Attribution.Evidence.Truncated = true
	if h := r.Hint(); !strings.Contains(h, "objects are tied to the incident: the rest were not read") {
		t.Errorf("Hint of truncated evidence = %q", h)
	}
	if _, err := n.RunIncidentAttribution(ctx, "incident--00000000-0000-4000-8000-000000000000", 5, nil); err == nil {
		t.Errorf("a missing incident: no error")
	}
}
