package node

import (
	"context"
	json "encoding/json/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/translog"
)

// TestLogProofOffline asks the node's log for proofs, writes them to
// files as "rampart log proof" does, and checks them offline with the
// node's public keys: an inclusion proof of a signed object, a
// consistency proof from a head kept earlier; a proof for another
// document, or checked with another organisation's keys, fails.
func TestLogProofOffline(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx, dir := context.Background(), t.TempDir()
	write := func(name string, v any) string {
		t.Helper()
		b, err := json.Marshal(v, json.Deterministic(true))
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, name, string(b))
	}
	sign := func(digit string) *stix.Object {
		t.Helper()
		o, err := stix.ParseObject([]byte(indicatorJSON(digit, "")))
		if err != nil {
			t.Fatal(err)
		}
		if o, err = an.Identity.Sign(o); err != nil {
			t.Fatal(err)
		}
		if _, err := an.Log.AppendObjects(ctx, []*stix.Object{o}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	keys, err := an.Identity.KeySet().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	v, err := PublicKeysFileVerifier(writeFile(t, dir, "fr.key.pub", string(keys)))
	if err != nil {
		t.Fatal(err)
	}

	o := sign("1")
	objFile := writeFile(t, dir, "obj.json", string(o.Raw))
	head, err := an.Log.SignedHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	headFile := write("head.json", head)
	for _, q := range []*LogQuery{{ObjectFile: objFile}, {ID: o.ID}} {
		p, err := an.LogProof(ctx, q)
		if err != nil {
			t.Fatalf("LogProof(%+v): %v", q, err)
		}
		c, err := CheckLogProof(v, LogProofFiles{Inclusion: write("inclusion.json", p), Object: objFile, Head: headFile})
		if err != nil {
			t.Fatalf("CheckLogProof of the proof of %+v: %v", q, err)
		}
		if c.Inclusion == nil || c.Head.Size != head.Size {
			t.Errorf("CheckLogProof = %+v, want an inclusion in the log at size %d", c, head.Size)
		}
	}
	if _, err := an.LogProof(ctx, &LogQuery{ID: "indicator--00000000-0000-4000-8000-000000000000"}); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("LogProof of an object the log does not hold: %v, want ENOTFOUND", err)
	}
	other := writeFile(t, dir, "other.json", indicatorJSON("9", ""))
	if _, err := CheckLogProof(v, LogProofFiles{Inclusion: filepath.Join(dir, "inclusion.json"), Object: other}); err == nil || !strings.Contains(err.Error(), "inclusion.json: ") {
		t.Errorf("CheckLogProof for another document: %v, want an error naming the proof", err)
	}

	sign("2")
	p, err := an.LogProof(ctx, &LogQuery{HeadFile: headFile})
	if err != nil {
		t.Fatal(err)
	}
	cp, ok := p.(*translog.ConsistencyProof)
	if !ok || cp.First != head.Size || cp.Second != head.Size+1 {
		t.Fatalf("LogProof from a head = %+v, want a consistency proof from size %d to %d", p, head.Size, head.Size+1)
	}
	consistency := write("consistency.json", p)
	if c, err := CheckLogProof(v, LogProofFiles{Consistency: consistency}); err != nil || c.Consistency == nil {
		t.Errorf("CheckLogProof of the consistency proof = %+v, %v", c, err)
	}
	otherKeys, err := generateIdentity(t, auditOrgDE).KeySet().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	w, err := PublicKeysFileVerifier(writeFile(t, dir, "de.key.pub", string(otherKeys)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckLogProof(w, LogProofFiles{Consistency: consistency}); err == nil {
		t.Error("CheckLogProof with another organisation's keys: accepted")
	}
	q := &LogQuery{HeadFile: writeFile(t, dir, "junk.json", "{}")}
	if err := q.ReadFiles(); err == nil || !strings.Contains(err.Error(), "junk.json") {
		t.Errorf("ReadFiles of a bad head: %v, want an error naming the file", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "head.json")); err != nil {
		t.Fatal(err)
	}
}
