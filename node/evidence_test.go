package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/evidence"
	"github.com/rampart-cti/rampart/stix"
)

func TestCreateEvidence(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	n := an.Node
	inc := &coord.Incident{Name: "Wiper", Detected: time.Now().Add(-time.Hour)}
	inc.Markings = []string{stix.TLPAmberID}
	if err := n.Coord.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	def, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	other := &rampart.Collection{APIRoot: DefaultAPIRoot, Title: "sensors"}
	if err := n.Collections.CreateCollection(ctx, other); err != nil {
		t.Fatal(err)
	}
	obj := func(raw string) *stix.Object {
		t.Helper()
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	const (
		ind      = "indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		rel      = "relationship--2d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		sighting = "sighting--3d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		note     = "note--4d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		stranger = "indicator--5d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
		ts       = `"created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z"`
	)
	if _, err := n.Objects.CreateObjects(ctx, def.ID, []*stix.Object{
		obj(`{"type":"indicator","spec_version":"2.1","id":"` + ind + `",` + ts + `,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-30T10:00:00Z"}`),
		obj(`{"type":"relationship","spec_version":"2.1","id":"` + rel + `",` + ts + `,"relationship_type":"related-to","source_ref":"` + ind + `","target_ref":"` + inc.ID + `"}`),
		obj(`{"type":"note","spec_version":"2.1","id":"` + note + `",` + ts + `,"content":"APT-X","object_refs":["` + inc.ID + `"]}`),
		obj(`{"type":"indicator","spec_version":"2.1","id":"` + stranger + `",` + ts + `,"pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":"2026-10-30T10:00:00Z"}`),
	}); err != nil {
		t.Fatal(err)
	}
	// The sighting is in another collection.
	if _, err := n.Objects.CreateObjects(ctx, other.ID, []*stix.Object{
		obj(`{"type":"sighting","spec_version":"2.1","id":"` + sighting + `",` + ts + `,"sighting_of_ref":"` + ind + `"}`),
	}); err != nil {
		t.Fatal(err)
	}

	c, err := n.IncidentEvidence(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range c.Objects {
		got = append(got, o.ID)
	}
	for _, want := range []string{inc.ID, ind, rel, sighting} {
		if !slices.Contains(got, want) {
			t.Errorf("IncidentEvidence lacks %s (has %v)", want, got)
		}
	}
	if slices.Contains(got, stranger) || slices.Contains(got, note) {
		t.Errorf("IncidentEvidence objects = %v: an unrelated indicator, or the note outside Attribution", got)
	}
	if len(c.Attribution) != 1 || c.Attribution[0].ID != note {
		t.Errorf("Attribution = %v, want the note", c.Attribution)
	}

	art := filepath.Join(an.dir, "dump.pcap")
	if err := os.WriteFile(art, []byte("pcap bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, m, err := n.CreateEvidence(ctx, EvidenceRequest{Incident: inc.ID, To: "CERT-Bund", Artefacts: []string{art, art}, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mem := range m.Members {
		names = append(names, mem.Name)
	}
	if want := []string{"incident.json", "attribution.json", "artefacts/dump.pcap", "artefacts/dump-2.pcap"}; !slices.Equal(names, want) {
		t.Errorf("members %v, want %v", names, want)
	}
	if p.Cover.CreatedBy.Name != "CERT-FR" || p.Cover.To.Organization != auditOrgDE {
		t.Errorf("cover made by %q for %q, want CERT-FR for %s", p.Cover.CreatedBy.Name, p.Cover.To.Organization, auditOrgDE)
	}
	if _, err := evidence.Open(p, an.de, evidence.VerifyOptions{Registry: n.Registry()}); err != nil {
		t.Fatalf("Open at CERT-Bund: %v", err)
	}

	for _, tc := range []struct {
		name string
		req  EvidenceRequest
		code string
	}{
		{"unknown incident", EvidenceRequest{Incident: "incident--9d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", To: "CERT-Bund"}, rampart.ENOTFOUND},
		{"not an incident id", EvidenceRequest{Incident: ind, To: "CERT-Bund"}, rampart.EINVALID},
		{"unknown authority", EvidenceRequest{Incident: inc.ID, To: "nobody"}, rampart.EINVALID},
		{"missing artefact", EvidenceRequest{Incident: inc.ID, To: "CERT-Bund", Artefacts: []string{filepath.Join(an.dir, "nope")}}, rampart.EINVALID},
	} {
		_, _, err := n.CreateEvidence(ctx, tc.req)
		var e *rampart.Error
		if !errors.As(err, &e) || e.Code != tc.code {
			t.Errorf("%s: CreateEvidence = %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestCreateEvidenceNeedsKeys(t *testing.T) {
	an := openAuditNode(t, false, false)
	_, _, err := an.CreateEvidence(context.Background(), EvidenceRequest{Incident: "incident--9d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", To: "x.pub"})
	var e *rampart.Error
	if !errors.As(err, &e) || e.Code != rampart.EINVALID {
		t.Fatalf("CreateEvidence without keys = %v, want EINVALID", err)
	}
}
