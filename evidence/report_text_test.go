package evidence

import (
	"bytes"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

func TestReportWriteText(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	fr, de := Party{Name: "CERT-FR"}, Party{Name: "CERT-Bund"}
	rep := &Report{
		Cover: Cover{ID: "pkg-1", Incident: "incident--1", Created: at, CreatedBy: fr, To: de, SealedSize: 42, SealedSHA256: "abc", Members: 2, Purpose: "court"},
		Custody: []*Record{
			{Seq: 1, HandedAt: at, From: fr, To: de, Purpose: "analysis", ReceivedAt: at.Add(time.Hour), ReceiverSignature: &trust.DocumentSignature{}},
			{Seq: 2, HandedAt: at.Add(2 * time.Hour), From: de, To: fr, Purpose: "return"},
		},
		Holder: de, Pending: true,
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "package   pkg-1\nincident  incident--1\nmade      2026-03-10T12:00:00Z by CERT-FR (key )\n" +
		"sealed to CERT-Bund (key ), TLP:RED; content 42 bytes, SHA-256 abc, 2 members\npurpose   court\n" +
		"custody 1  2026-03-10T12:00:00Z  CERT-FR (key ) -> CERT-Bund (key )  (analysis)  received 2026-03-10T13:00:00Z\n" +
		"custody 2  2026-03-10T14:00:00Z  CERT-Bund (key ) -> CERT-FR (key )  (return)  not received yet\n" +
		"in transit from CERT-Bund (key )\n"
	if got := b.String(); got != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", got, want)
	}

	b.Reset()
	m := &Manifest{Members: []Member{{Name: "incident.json", Kind: KindSTIX, Size: 1234, SHA256: "def"}}}
	if err := m.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "  stix-bundle        1234  def  incident.json\n"; got != want {
		t.Errorf("Manifest.WriteText = %q, want %q", got, want)
	}
}
