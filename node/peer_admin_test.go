package node

import (
	"bytes"
	"context"
	json "encoding/json/v2"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

func TestUpdatePeerQKD(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	p := &rampart.Peer{ID: auditOrgDE, Name: "CERT-Bund", URL: "https://de.example:8443", APIRoot: "cti"}
	if err := an.Peers.CreatePeer(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sae    string
		policy trust.QKDPolicy
		want   PeerQKD
	}{
		{"sae-de", "", PeerQKD{SAE: "sae-de", Policy: trust.QKDPreferred}},
		{"", trust.QKDRequired, PeerQKD{SAE: "sae-de", Policy: trust.QKDRequired}},
		{"sae-de-2", "", PeerQKD{SAE: "sae-de-2", Policy: trust.QKDRequired}},
	} {
		q, err := an.UpdatePeerQKD(ctx, p, tc.sae, tc.policy)
		if err != nil || *q != tc.want {
			t.Errorf("UpdatePeerQKD(%q, %q) = %+v, %v; want %+v", tc.sae, tc.policy, q, err, tc.want)
		}
		if got, err := an.FindPeerQKD(ctx, p.ID); err != nil || *got != tc.want {
			t.Errorf("stored %+v, %v; want %+v", got, err, tc.want)
		}
	}
	if _, err := an.UpdatePeerQKD(ctx, p, "a/b", ""); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("an SAE id with a slash: %v, want EINVALID", err)
	}
}

func TestReadPeerRegistry(t *testing.T) {
	dir := t.TempDir()
	path := writeRegistry(t, dir, map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	p := &rampart.Peer{ID: auditOrgDE, URL: "https://de.example:8443"}
	if err := ReadPeerRegistry(path, p); err != nil || p.Name != "CERT-Bund" || p.APIRoot != DefaultAPIRoot {
		t.Errorf("ReadPeerRegistry = %v, peer %+v; want named by the registry, the default API root", err, p)
	}
	if err := ReadPeerRegistry("", &rampart.Peer{ID: auditOrgDE}); !errors.Is(err, ErrNoPeerURL) {
		t.Errorf("no registry, no URL: %v, want ErrNoPeerURL", err)
	}
	if err := ReadPeerRegistry(path, &rampart.Peer{ID: auditOrgFR, URL: "https://fr.example"}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("not a member: %v, want EINVALID", err)
	}
	missing := filepath.Join(dir, "none.json")
	if err := ReadPeerRegistry(missing, &rampart.Peer{ID: auditOrgDE}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("a missing registry: %v, want an error naming it", err)
	}
}

func TestPeerText(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	sync, failed := now.Add(-90*time.Second), now.Add(-time.Hour)
	long := strings.Repeat("x", 70)
	rows := []PeerReport{
		{ID: auditOrgDE, Name: "CERT-Bund", LastSync: &sync, LagSeconds: 1.5, ObjectsIn: 4, ObjectsOut: 2, Rejections: 1, LastError: long,
			QKDLink: &QKDLinkReport{State: trust.QKDFallback}},
		{ID: auditOrgFR, Name: "CERT-FR"},
	}
	deliveries := []DeliveryReport{{Recipient: auditOrgDE, Name: "CERT-Bund", Sealed: 3, Failed: 1, LastFailure: "no key", LastFailureAt: &failed}}
	var b bytes.Buffer
	if err := WritePeerTable(&b, rows, deliveries, now); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(` +`).ReplaceAllString(b.String(), " ")
	for _, want := range []string{
		"NAME LAST SYNC LAG IN OUT REFUSED QKD LAST ERROR\n",
		"CERT-Bund 2026-03-10T11:58:30Z (1m30s ago) 1.5s 4 2 1 fallback " + long[:60] + "…\n",
		"CERT-FR never 0s 0 0 0 - -\n",
		"\n\nSEALED TO SEALED FAILED LAST FAILURE\n",
		"CERT-Bund (" + auditOrgDE + ") 3 1 2026-03-10T11:00:00Z (1h0m0s ago): no key\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WritePeerTable(&b, nil, nil, now); err != nil || b.Len() != 0 {
		t.Errorf("table of nothing: %q, %v", b.String(), err)
	}

	r := rows[0]
	r.URL, r.APIRoot = "https://de.example:8443", "cti"
	r.QKD = &PeerQKD{Policy: trust.QKDRequired}
	r.Cursors = []CursorReport{{Collection: "c1", AddedAfter: sync, LagSeconds: 2}}
	for i := range 12 {
		r.Recent = append(r.Recent, RejectionReport{At: sync, ObjectID: "indicator--" + string(rune('a'+i)), Reason: "replay", Message: "seen"})
	}
	b.Reset()
	if err := r.WriteText(&b, now); err != nil {
		t.Fatal(err)
	}
	text = regexp.MustCompile(` +`).ReplaceAllString(b.String(), " ")
	for _, want := range []string{
		"peer CERT-Bund (" + auditOrgDE + ")\n",
		"url https://de.example:8443, API root \"cti\"\n",
		"qkd policy required, peer SAE -\n",
		"collection c1 pulled up to 2026-03-10T11:58:30Z (lag 2s)\n",
		"\nmost recent refusals (10 of 12 kept):\n",
		" 2026-03-10T11:58:30Z replay indicator--j : seen\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(text, "indicator--k") {
		t.Errorf("text shows more than ten refusals:\n%s", b.String())
	}
}

func TestAddAPIRoot(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	for _, name := range []string{"taxii2", "API", "Metrics"} {
		if err := an.AddAPIRoot(ctx, name, "", ""); err == nil || !strings.Contains(err.Error(), "taken by the node's own endpoints") {
			t.Errorf("AddAPIRoot(%q): %v, want refused", name, err)
		}
	}
	if err := an.AddAPIRoot(ctx, "sector", "", "energy"); err != nil {
		t.Fatal(err)
	}
	r, err := an.Collections.FindAPIRootByName(ctx, "sector")
	if err != nil || r.Title != "sector" || r.Description != "energy" {
		t.Errorf("API root %+v, %v; want titled by its name", r, err)
	}
}

func TestAmberAudienceText(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx, c := context.Background(), an.defaultCollection(t)
	label := c.Alias + " (" + c.ID + ")"
	const other = "identity--99999999-9999-4999-8999-999999999999"
	for _, tc := range []struct {
		to   []string
		want string
	}{
		{nil, "TLP:AMBER of " + label + " goes to every member state of the trust registry"},
		{[]string{auditOrgDE, other}, "TLP:AMBER of " + label + " goes to CERT-Bund (" + auditOrgDE + "), " + other + " alone"},
	} {
		if got := an.AmberAudienceText(ctx, c, tc.to); got != tc.want {
			t.Errorf("AmberAudienceText(%v) = %q, want %q", tc.to, got, tc.want)
		}
	}
}

func TestWriteOrganizations(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx := context.Background()
	if err := an.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: auditOrgDE, Name: "Ministry", Relation: rampart.RelationConstituent}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := an.WriteOrganizations(ctx, &b); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(` +`).ReplaceAllString(b.String(), " ")
	for _, want := range []string{
		"keys: " + auditOrgFR + " (eu-pq-base)\n",
		"registry: version 1, authority " + an.Registry().AuthorityFingerprint() + "\n",
		"ID RELATION COUNTRY NAME\n",
		auditOrgDE + " constituent - Ministry\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(text, "not a member") {
		t.Errorf("the node's organisation is a member, yet:\n%s", b.String())
	}
}

func TestPeerList(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	peers := []*rampart.Peer{{ID: auditOrgDE, Name: "CERT-Bund", URL: "https://de.example:8443", APIRoot: "cti", CreatedAt: at}}
	if got := PeerListings(nil); got == nil || len(got) != 0 {
		t.Errorf("PeerListings(nil) = %#v, want an empty list", got)
	}
	b, err := json.Marshal(PeerListings(peers), json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"id":"` + auditOrgDE + `","name":"CERT-Bund","url":"https://de.example:8443","api_root":"cti","created_at":"2026-03-10T12:00:00Z"}]`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var w bytes.Buffer
	if err := WritePeerList(&w, peers); err != nil {
		t.Fatal(err)
	}
	want := "NAME       ORGANIZATION                                    URL                      API ROOT\nCERT-Bund  " + auditOrgDE + "  https://de.example:8443  cti\n"
	if w.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", w.String(), want)
	}
}
