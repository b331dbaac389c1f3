package node

import (
	"context"
	"database/sql"
	"encoding/base64"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

const (
	auditOrgFR = "identity--11111111-1111-4111-8111-111111111111"
	auditOrgDE = "identity--22222222-2222-4222-8222-222222222222"
)

// auditNode is a node with keys of auditOrgFR and, with a registry, one
// that lists FR (CERT-FR) and DE (CERT-Bund); de holds DE's keys.
type auditNode struct {
	*Node
	dir string
	de  *trust.Identity
}

func openAuditNode(t *testing.T, keys, registry bool) *auditNode {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Create: true, AdminPassword: "a-long-test-password"}
	an := &auditNode{dir: dir}
	var fr *trust.Identity
	if keys {
		fr = generateIdentity(t, auditOrgFR)
		cfg.IdentityFile = filepath.Join(dir, "fr.key")
		if err := trust.WriteIdentityFile(cfg.IdentityFile, fr); err != nil {
			t.Fatal(err)
		}
	}
	if registry {
		an.de = generateIdentity(t, auditOrgDE)
		cfg.RegistryFile = writeRegistry(t, dir, map[string]*trust.Identity{"CERT-FR": fr, "CERT-Bund": an.de})
	}
	n, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	an.Node = n
	return an
}

func generateIdentity(t *testing.T, org string) *trust.Identity {
	t.Helper()
	id, err := trust.GenerateIdentity(trust.EUPQBase, org)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// writeRegistry writes a registry of the organisations named, signed by an
// authority of one, and returns its path.
func writeRegistry(t *testing.T, dir string, orgs map[string]*trust.Identity) string {
	t.Helper()
	auth := generateIdentity(t, "")
	now := time.Now().Add(-time.Hour)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority", Keys: auth.KeySet().SigningKeys()}}, now)
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range orgs {
		o := &trust.Organization{ID: id.Organization(), Name: name, Country: "FR", Role: trust.RoleNationalCSIRT, Keys: id.KeySet().Keys}
		if err := doc.SetOrganization(o, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := doc.Sign(auth); err != nil {
		t.Fatal(err)
	}
	raw, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "registry.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// appendAudit appends k records of new objects served to DE.
func (an *auditNode) appendAudit(t *testing.T, k int) {
	t.Helper()
	var rs []*rampart.AuditRecord
	for range k {
		rs = append(rs, &rampart.AuditRecord{ObjectID: stix.NewID("indicator"), Version: "2026-03-10T12:00:00.000Z",
			Recipient: auditOrgDE, Channel: rampart.AuditPeer, Via: auditOrgDE, Sealed: true})
	}
	got, err := an.Audit.AppendAudit(context.Background(), rs)
	if err != nil || len(got) != k {
		t.Fatalf("AppendAudit: %d appended, %v; want %d", len(got), err, k)
	}
}

func (an *auditNode) checkpoint(t *testing.T, wantSeq int64) {
	t.Helper()
	c, created, err := an.CheckpointAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !created || c.Seq != wantSeq {
		t.Fatalf("CheckpointAudit: created %v at record %d, want a new one at %d", created, c.Seq, wantSeq)
	}
}

// sql runs statements on the node's SQLite file through a handle of its
// own, as someone editing the file behind the node's back would.
func (an *auditNode) sql(t *testing.T, stmt string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(an.dir, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func (an *auditNode) verify(t *testing.T) *AuditReport {
	t.Helper()
	rep, err := an.VerifyAudit(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (an *auditNode) records(t *testing.T) []*rampart.AuditRecord {
	t.Helper()
	rs, err := an.Audit.FindAudit(context.Background(), rampart.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (an *auditNode) signature(t *testing.T, seq int64) []byte {
	t.Helper()
	cs, err := an.Audit.FindAuditCheckpoints(context.Background(), seq-1, 1)
	if err != nil || len(cs) != 1 || cs[0].Seq != seq {
		t.Fatalf("no checkpoint at record %d (%v)", seq, err)
	}
	return cs[0].Signature
}

func TestVerifyAuditIntact(t *testing.T) {
	an := openAuditNode(t, true, false)
	an.appendAudit(t, 5)
	an.checkpoint(t, 5)
	if c, created, err := an.CheckpointAudit(context.Background()); err != nil || created || c.Seq != 5 {
		t.Fatalf("CheckpointAudit with nothing appended: %v, created %v; want the one at 5, none made", err, created)
	}
	an.appendAudit(t, 3)
	var progress []int64
	rep, err := an.VerifyAudit(context.Background(), func(done int64) { progress = append(progress, done) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil {
		t.Fatalf("problem in an intact log: %v", rep.Problem)
	}
	got := fmt.Sprintf("%d records, %d checkpoints, up to %d, last checkpoint %d by %q, with %q, progress %v",
		rep.Records, rep.Checkpoints, rep.LastSeq, rep.LastCheckpoint.Seq, rep.SignedBy, rep.CheckedWith, progress)
	want := `8 records, 1 checkpoints, up to 8, last checkpoint 5 by "this node's organisation", with "the node's own keys", progress [8]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestCheckpointForm: the signed form is the custom object the
// documentation describes, made by the node's organisation.
func TestCheckpointForm(t *testing.T) {
	an := openAuditNode(t, true, false)
	an.appendAudit(t, 2)
	an.checkpoint(t, 2)
	o, err := stix.ParseObject(an.signature(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	var p checkpointProps
	if err := o.Decode(&p); err != nil {
		t.Fatal(err)
	}
	rs := an.records(t)
	got := fmt.Sprintf("%s %s %d %s signed=%v", p.Type, p.CreatedByRef, p.Seq, p.RecordsAt, trust.IsSigned(o))
	want := fmt.Sprintf("%s %s 2 %s signed=true", CheckpointType, auditOrgFR, rs[1].At.UTC().Format("2006-01-02T15:04:05.000000Z"))
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestVerifyAuditTampered edits the SQLite file behind the node's back:
// each change is reported at the record or checkpoint where it is.
func TestVerifyAuditTampered(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(t *testing.T, an *auditNode)
		seq        int64
		checkpoint bool
		reason     string
	}{{
		name: "recipient changed",
		tamper: func(t *testing.T, an *auditNode) {
			an.sql(t, `UPDATE audit SET recipient = ? WHERE seq = 3`, "identity--33333333-3333-4333-8333-333333333333")
		},
		seq: 3, reason: "its hash does not match its contents and the hash of record 2",
	}, {
		name:   "sealed flag cleared on the first record",
		tamper: func(t *testing.T, an *auditNode) { an.sql(t, `UPDATE audit SET sealed = 0 WHERE seq = 1`) },
		seq:    1, reason: "it was changed after it was appended",
	}, {
		name:   "record removed",
		tamper: func(t *testing.T, an *auditNode) { an.sql(t, `DELETE FROM audit WHERE seq = 4`) },
		seq:    4, reason: "the log goes from record 3 to record 5",
	}, {
		name:   "first records removed",
		tamper: func(t *testing.T, an *auditNode) { an.sql(t, `DELETE FROM audit WHERE seq <= 2`) },
		seq:    1, reason: "the log starts at record 3",
	}, {
		name:   "last records removed after a checkpoint",
		tamper: func(t *testing.T, an *auditNode) { an.sql(t, `DELETE FROM audit WHERE seq >= 7`) },
		seq:    8, checkpoint: true, reason: "the log ends at record 6: records 7 to 8 were removed",
	}, {
		name:   "chain rewritten, checkpoints and all",
		tamper: rewriteChain,
		seq:    5, checkpoint: true, reason: "its signed form covers record 5 with hash",
	}, {
		name: "checkpoint signed with other keys",
		tamper: func(t *testing.T, an *auditNode) {
			forger := generateIdentity(t, auditOrgFR)
			rs := an.records(t)
			o, err := checkpointObject(forger, rs[7], time.Now())
			if err != nil {
				t.Fatal(err)
			}
			an.sql(t, `UPDATE audit_checkpoints SET signature = ? WHERE seq = 8`, []byte(o.Raw))
		},
		seq: 8, checkpoint: true, reason: "its signature does not check against the node's own keys",
	}, {
		name: "signed form edited",
		tamper: func(t *testing.T, an *auditNode) {
			sig := strings.Replace(string(an.signature(t, 8)), `"records_at":"20`, `"records_at":"19`, 1)
			an.sql(t, `UPDATE audit_checkpoints SET signature = ? WHERE seq = 8`, []byte(sig))
		},
		seq: 8, checkpoint: true, reason: "its signature does not check",
	}, {
		name: "signed form of another checkpoint",
		tamper: func(t *testing.T, an *auditNode) {
			an.sql(t, `UPDATE audit_checkpoints SET signature = ? WHERE seq = 8`, an.signature(t, 5))
		},
		seq: 8, checkpoint: true, reason: "its signed form covers record 5",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := openAuditNode(t, true, false)
			an.appendAudit(t, 5)
			an.checkpoint(t, 5)
			an.appendAudit(t, 3)
			an.checkpoint(t, 8)
			if rep := an.verify(t); rep.Problem != nil {
				t.Fatalf("before tampering: %v", rep.Problem)
			}
			tt.tamper(t, an)
			p := an.verify(t).Problem
			if p == nil {
				t.Fatal("tampering not found")
			}
			if p.Seq != tt.seq || p.Checkpoint != tt.checkpoint || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("got  %d checkpoint=%v %q\nwant %d checkpoint=%v, a reason with %q", p.Seq, p.Checkpoint, p.Reason, tt.seq, tt.checkpoint, tt.reason)
			}
		})
	}
}

// rewriteChain changes record 3 and recomputes every hash after it, and
// the checkpoints' hashes, as someone who knows AuditHash would: only the
// signatures give it away.
func rewriteChain(t *testing.T, an *auditNode) {
	rs := an.records(t)
	prev := rs[1].Hash
	rs[2].Recipient = "identity--33333333-3333-4333-8333-333333333333"
	for _, r := range rs[2:] {
		r.Hash = rampart.AuditHash(prev, r)
		prev = r.Hash
		an.sql(t, `UPDATE audit SET recipient = ?, hash = ? WHERE seq = ?`, r.Recipient, r.Hash, r.Seq)
	}
	for _, seq := range []int64{5, 8} {
		an.sql(t, `UPDATE audit_checkpoints SET hash = ? WHERE seq = ?`, rs[seq-1].Hash, seq)
	}
}

func TestVerifyAuditWithRegistry(t *testing.T) {
	an := openAuditNode(t, true, true)
	an.appendAudit(t, 3)
	an.checkpoint(t, 3)
	rep := an.verify(t)
	got := fmt.Sprintf("%v %d by %q with %q", rep.Problem, rep.LastCheckpoint.Seq, rep.SignedBy, rep.CheckedWith)
	if want := `<nil> 3 by "CERT-FR" with "trust registry version 1"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// A checkpoint signed by another member of the registry is not one
	// of this node's.
	an.appendAudit(t, 1)
	rs := an.records(t)
	props, _ := json.Marshal(checkpointProps{Type: CheckpointType, SpecVersion: "2.1", ID: stix.NewID(CheckpointType),
		Created: "2026-03-10T12:00:00.000Z", Modified: "2026-03-10T12:00:00.000Z", CreatedByRef: auditOrgDE,
		Seq: 4, Hash: base64.RawURLEncoding.EncodeToString(rs[3].Hash), RecordsAt: "2026-03-10T12:00:00.000000Z"})
	o, err := stix.ParseObject(props)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = an.de.Sign(o); err != nil {
		t.Fatal(err)
	}
	c := &rampart.AuditCheckpoint{Seq: 4, Hash: rs[3].Hash, Signature: o.Raw}
	if err := an.Audit.CreateAuditCheckpoint(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	p := an.verify(t).Problem
	if p == nil || p.Seq != 4 || !strings.Contains(p.Reason, "it was made by "+auditOrgDE) {
		t.Errorf("a checkpoint made by DE: got %v", p)
	}
}

// TestVerifyAuditWithoutKeys: a node without keys checks the chain, makes
// no checkpoint and says why.
func TestVerifyAuditWithoutKeys(t *testing.T) {
	an := openAuditNode(t, false, false)
	an.appendAudit(t, 2)
	if _, _, err := an.CheckpointAudit(context.Background()); err == nil || !strings.Contains(err.Error(), "rampart org init") {
		t.Errorf("CheckpointAudit without keys: %v, want an error naming rampart org init", err)
	}
	rep := an.verify(t)
	if rep.Problem != nil || rep.Records != 2 || rep.CheckedWith != "" {
		t.Errorf("got %v, %d records, checked with %q; want no problem, 2 records, no signature check", rep.Problem, rep.Records, rep.CheckedWith)
	}
	an.sql(t, `UPDATE audit SET via = 'someone' WHERE seq = 2`)
	if p := an.verify(t).Problem; p == nil || p.Seq != 2 {
		t.Errorf("record 2 changed: got %v", p)
	}
}

func TestVerifyAuditEmpty(t *testing.T) {
	an := openAuditNode(t, true, false)
	rep := an.verify(t)
	if rep.Problem != nil || rep.Records != 0 || rep.LastCheckpoint != nil {
		t.Errorf("empty log: %+v", rep)
	}
	if c, created, err := an.CheckpointAudit(context.Background()); err != nil || created || c != nil {
		t.Errorf("CheckpointAudit of an empty log: %v, %v, %v; want nothing made", c, created, err)
	}
}

// TestCheckpointSchedule runs the serving node's checkpointer fast: a
// checkpoint at once for a log without one, the next once enough records
// are appended, none while nothing is, and a last one on stop.
func TestCheckpointSchedule(t *testing.T) {
	an := openAuditNode(t, true, false)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		an.checkpointEvery(ctx, checkpointSchedule{interval: time.Hour, records: 3, poll: 5 * time.Millisecond})
	})
	defer func() { cancel(); wg.Wait() }()

	seqs := func() string { return an.checkpointSeqs(t) }
	waitFor := func(want string) { t.Helper(); an.waitCheckpoints(t, want) }
	time.Sleep(30 * time.Millisecond)
	if got := seqs(); got != "[]" {
		t.Fatalf("checkpoints of an empty log: %v", got)
	}
	an.appendAudit(t, 2)
	waitFor("[2]")
	an.appendAudit(t, 2)
	time.Sleep(50 * time.Millisecond)
	if got := seqs(); got != "[2]" {
		t.Fatalf("2 records since the last checkpoint (3 needed): checkpoints at %s", got)
	}
	an.appendAudit(t, 1)
	waitFor("[2 5]")
	an.appendAudit(t, 1)
	cancel()
	wg.Wait()
	if got := seqs(); got != "[2 5 6]" {
		t.Errorf("after stop: checkpoints at %s, want [2 5 6]", got)
	}
}

// TestCheckpointInterval: records appended after a checkpoint get the
// next one when the interval has passed, however few they are.
func TestCheckpointInterval(t *testing.T) {
	an := openAuditNode(t, true, false)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		an.checkpointEvery(ctx, checkpointSchedule{interval: 50 * time.Millisecond, records: 1000, poll: 5 * time.Millisecond})
	})
	defer func() { cancel(); wg.Wait() }()
	an.appendAudit(t, 1)
	an.waitCheckpoints(t, "[1]")
	an.appendAudit(t, 1)
	an.waitCheckpoints(t, "[1 2]")
}

// checkpointSeqs returns the records the checkpoints cover, as "[2 5]".
func (an *auditNode) checkpointSeqs(t *testing.T) string {
	t.Helper()
	cs, err := an.Audit.FindAuditCheckpoints(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.Seq)
	}
	return fmt.Sprint(out)
}

func (an *auditNode) waitCheckpoints(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for an.checkpointSeqs(t) != want {
		if time.Now().After(deadline) {
			t.Fatalf("checkpoints at %s, want %s", an.checkpointSeqs(t), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFindAuditLimit(t *testing.T) {
	an := openAuditNode(t, false, false)
	an.appendAudit(t, 5)
	ctx := context.Background()
	for _, tt := range []struct {
		limit    int
		want     int
		wantMore bool
	}{{0, 5, false}, {3, 3, true}, {5, 5, false}, {9, 5, false}} {
		got, more, err := an.FindAudit(ctx, rampart.AuditFilter{}, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want || more != tt.wantMore {
			t.Errorf("FindAudit(limit %d) = %d records, more %v; want %d, more %v", tt.limit, len(got), more, tt.want, tt.wantMore)
		}
		for i, r := range got {
			if r.Seq != int64(i+1) {
				t.Errorf("FindAudit(limit %d): record %d has seq %d, want %d", tt.limit, i, r.Seq, i+1)
			}
		}
	}
	since := an.records(t)[2].Seq
	got, more, err := an.FindAudit(ctx, rampart.AuditFilter{AfterSeq: since}, 0)
	if err != nil || len(got) != 2 || more {
		t.Errorf("FindAudit(after %d) = %d records, more %v, %v; want 2, no more", since, len(got), more, err)
	}
}

func TestOrganizationNames(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx := context.Background()
	other := "identity--33333333-3333-4333-8333-333333333333"
	unknown := "identity--99999999-9999-4999-8999-999999999999"
	if err := an.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: other, Name: "Grid operator", Relation: rampart.RelationConstituent}); err != nil {
		t.Fatal(err)
	}
	name := an.OrganizationNames(ctx)
	for id, want := range map[string]string{auditOrgDE: "CERT-Bund", other: "Grid operator", unknown: unknown} {
		if got := name(id); got != want {
			t.Errorf("name(%s) = %q, want %q", id, got, want)
		}
	}
	if o := an.RegistryOrganization(other); o != nil {
		t.Errorf("RegistryOrganization(%s) = %v, want nil: the registry does not list it", other, o.Name)
	}
}
