package node

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

func TestLogQueryCheck(t *testing.T) {
	const leaf = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	hash, err := translog.ParseHash(leaf)
	if err != nil {
		t.Fatal(err)
	}
	const oneOf = "log proof: give one of --object FILE, --id ID, --hash LEAF_HASH or --consistency HEAD_FILE"
	for _, tc := range []struct {
		q          LogQuery
		hash, want string
	}{
		{LogQuery{}, "", oneOf},
		{LogQuery{ID: "x"}, "", ""},
		{LogQuery{ObjectFile: "o.json"}, "", ""},
		{LogQuery{HeadFile: "h.json"}, "", ""},
		{LogQuery{}, leaf, ""},
		{LogQuery{ID: "x"}, leaf, oneOf},
		{LogQuery{ObjectFile: "o.json", HeadFile: "h.json"}, "", oneOf},
		{LogQuery{}, "nothex", "--hash: "},
	} {
		q := tc.q
		err := q.Check(tc.hash)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v %q: %v, want none", tc.q, tc.hash, err)
			}
			if tc.hash != "" && q.Leaf != hash {
				t.Errorf("%+v %q: leaf %v, want %v", tc.q, tc.hash, q.Leaf, hash)
			}
			continue
		}
		if _, ok := AsConfigError(err); !ok || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v %q: %v, want a ConfigError %q", tc.q, tc.hash, err, tc.want)
		}
	}
}

func TestLogProofFilesCheck(t *testing.T) {
	for _, tc := range []struct {
		f              LogProofFiles
		registry, keys string
		want           string
	}{
		{LogProofFiles{Inclusion: "p", Object: "o"}, "", "k.pub", ""},
		{LogProofFiles{Consistency: "c"}, "r.json", "", ""},
		{LogProofFiles{}, "", "k.pub", "log verify: give --inclusion FILE --object FILE, or --consistency FILE"},
		{LogProofFiles{Inclusion: "p", Object: "o", Consistency: "c"}, "", "k.pub", "log verify: give --inclusion FILE --object FILE, or --consistency FILE"},
		{LogProofFiles{Inclusion: "p"}, "", "k.pub", "log verify --inclusion: give the object the proof is for with --object FILE"},
		{LogProofFiles{Consistency: "c"}, "", "", "log verify: give what to check signatures with"},
		{LogProofFiles{Consistency: "c"}, "r.json", "k.pub", "log verify: give what to check signatures with"},
	} {
		err := tc.f.Check(tc.registry, tc.keys)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want none", tc.f, err)
			}
			continue
		}
		if _, ok := AsConfigError(err); !ok || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a ConfigError %q", tc.f, err, tc.want)
		}
	}
}

func TestLogVerifier(t *testing.T) {
	dir := t.TempDir()
	k, err := GenerateKeyFiles(trust.EUPQBase, auditOrgFR, filepath.Join(dir, "fr.key"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := LogVerifier(nil, k.Path+".pub"); err != nil || v == nil {
		t.Errorf("LogVerifier(keys) = %v, %v; want a verifier", v, err)
	}
	if _, err := LogVerifier(nil, filepath.Join(dir, "none.pub")); err == nil || !strings.HasPrefix(err.Error(), "--keys ") {
		t.Errorf("a missing key file: %v, want an error naming --keys", err)
	}
	reg, err := ReadRegistryFile(writeRegistry(t, dir, map[string]*trust.Identity{"CERT-FR": k.Identity}))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := LogVerifier(reg, ""); err != nil || v == nil {
		t.Errorf("LogVerifier(registry) = %v, %v; want a verifier", v, err)
	}
}

func TestLogProofCheckText(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	head := func(size int64) *translog.SignedHead {
		return &translog.SignedHead{Head: translog.Head{Origin: auditOrgFR, Size: size, Timestamp: at}}
	}
	for _, tc := range []struct {
		c    LogProofCheck
		want string
	}{
		{LogProofCheck{Consistency: &translog.ConsistencyProof{First: 4, Second: 5, FirstHead: head(4), SecondHead: head(5)}},
			"consistent: the log of " + auditOrgFR + " at size 4 (signed 2026-12-01T09:00:00Z) is a prefix of the log at size 5 (signed 2026-12-01T09:00:00Z)\n"},
		{LogProofCheck{Inclusion: &translog.InclusionProof{LeafIndex: 3}, Head: head(4)},
			"included: signed.json is entry 3 of the log of " + auditOrgFR + " at size 4 (head signed 2026-12-01T09:00:00Z)\n"},
	} {
		var b bytes.Buffer
		if err := tc.c.WriteText(&b, "signed.json"); err != nil || b.String() != tc.want {
			t.Errorf("WriteText = %q, %v; want %q", b.String(), err, tc.want)
		}
	}
}
