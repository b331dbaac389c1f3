package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/evidence"
)

// TestEvidenceCustody hands a package over to CERT-Bund, which receives
// and opens it; a package changed in transit is refused before anything
// is signed, and no file is overwritten.
func TestEvidenceCustody(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	inc := &coord.Incident{Name: "Wiper", Detected: time.Now().Add(-time.Hour)}
	if err := an.Coord.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	p, _, err := an.CreateEvidence(ctx, EvidenceRequest{Incident: inc.ID, To: "CERT-Bund"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	if err := WriteEvidenceFile(file("pkg"), p); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(file("pkg")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("package written with mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if err := WriteEvidenceFile(file("pkg"), p); err == nil || !strings.HasPrefix(err.Error(), "write "+file("pkg")+": ") {
		t.Errorf("WriteEvidenceFile over a file: %v, want an error naming it", err)
	}

	reg := an.Registry()
	to, err := evidence.ResolveParty("CERT-Bund", "", reg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := PassEvidence(CustodyRequest{In: file("pkg"), Out: file("handed"), Identity: an.Identity, Registry: reg, To: &to, Purpose: "analysis"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 1 || rec.To.Organization != auditOrgDE || rec.Received() {
		t.Errorf("hand-over record %+v: want the first, to CERT-Bund, not received", rec)
	}
	rec, err = PassEvidence(CustodyRequest{In: file("handed"), Out: file("received"), Identity: an.de, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Received() {
		t.Errorf("receipt record %+v: not received", rec)
	}
	o, err := OpenEvidence(file("received"), file("opened"), an.de, reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Report.Custody) != 1 || o.Report.Pending || o.Report.Holder.Organization != auditOrgDE {
		t.Errorf("opened report: %+v; want one record, held by CERT-Bund", o.Report)
	}
	if _, err := os.Stat(filepath.Join(file("opened"), "incident.json")); err != nil {
		t.Errorf("the opened directory lacks the incident: %v", err)
	}

	data, err := os.ReadFile(file("handed"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "analysis", "analysed", 1)
	if changed == string(data) {
		t.Fatal("the purpose is not in the package file")
	}
	if err := os.WriteFile(file("changed"), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = PassEvidence(CustodyRequest{In: file("changed"), Out: file("out"), Identity: an.de, Registry: reg})
	var bad *UnverifiedPackageError
	if !errors.As(err, &bad) || bad.File != file("changed") {
		t.Fatalf("PassEvidence of a changed package: %v, want UnverifiedPackageError naming it", err)
	}
	if _, err := os.Stat(file("out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a package that does not verify was written on (%v)", err)
	}
}

func TestVerifyEvidenceFile(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	inc := &coord.Incident{Name: "Wiper", Detected: time.Now().Add(-time.Hour)}
	if err := an.Coord.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	p, _, err := an.CreateEvidence(ctx, EvidenceRequest{Incident: inc.ID, To: "CERT-Bund", Purpose: "court"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pkg")
	if err := WriteEvidenceFile(path, p); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyEvidenceFile(path, an.Registry())
	if err != nil || rep.Cover.Incident != inc.ID || rep.Holder.Organization != auditOrgFR {
		t.Fatalf("VerifyEvidenceFile = %+v, %v; want the incident's package, held by its maker", rep, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(data), "court", "COURT", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	var bad *UnverifiedPackageError
	if _, err := VerifyEvidenceFile(changed, an.Registry()); !errors.As(err, &bad) || !errors.Is(err, evidence.ErrInvalid) {
		t.Errorf("VerifyEvidenceFile of a changed package: %v, want UnverifiedPackageError wrapping ErrInvalid", err)
	}
	if _, err := VerifyEvidenceFile(filepath.Join(dir, "none"), nil); err == nil || errors.As(err, &bad) {
		t.Errorf("VerifyEvidenceFile of no file: %v, want a read error", err)
	}
}
