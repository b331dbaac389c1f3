package attribution

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

// attackPath is ATT&CK Enterprise v18.1, copied with its SOURCE.md.
const attackPath = "../testdata/attack/enterprise-attack.json.gz"

var (
	attackOnce sync.Once
	attackK    *Knowledge
	attackErr  error
)

// attack returns the ATT&CK knowledge, read once per test binary.
func attack(t testing.TB) *Knowledge {
	t.Helper()
	attackOnce.Do(func() {
		f, err := os.Open(attackPath)
		if err != nil {
			attackErr = err
			return
		}
		defer f.Close()
		attackK, attackErr = ReadKnowledge(f, nil)
	})
	if attackErr != nil {
		t.Fatalf("read ATT&CK: %v", attackErr)
	}
	return attackK
}

// uuidOf returns a deterministic UUID for a short name.
func uuidOf(name string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(h>>32), h&0xffffffffffff)
}

// kb builds a small knowledge from a compact description, for unit tests.
type kb struct {
	t    *testing.T
	k    *Knowledge
	ids  map[string]string // short name → STIX id
	nrel int
}

func newKB(t *testing.T) *kb {
	return &kb{t: t, k: NewKnowledge(), ids: map[string]string{}}
}

func (b *kb) add(json string) {
	b.t.Helper()
	o, err := stix.ParseObject([]byte(json))
	if err != nil {
		b.t.Fatalf("parse %s: %v", json, err)
	}
	if err := b.k.Add(o); err != nil {
		b.t.Fatalf("add %s: %v", json, err)
	}
}

// obj adds an SDO; ext is its ATT&CK id, extra more JSON members.
func (b *kb) obj(typ, ext, name, extra string) string {
	b.t.Helper()
	id := typ + "--" + uuidOf(typ+ext+name)
	b.ids[ext] = id
	refs := ""
	if ext != "" {
		refs = fmt.Sprintf(`,"external_references":[{"source_name":"mitre-attack","external_id":%q}]`, ext)
	}
	if extra != "" {
		extra = "," + extra
	}
	b.add(fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":%q%s%s}`, typ, id, name, refs, extra))
	return id
}

// rel adds a relationship between two objects named by ATT&CK id.
func (b *kb) rel(typ, src, dst string) string {
	b.t.Helper()
	b.nrel++
	id := "relationship--" + uuidOf(fmt.Sprintf("rel%d", b.nrel))
	s, d := b.ids[src], b.ids[dst]
	if s == "" || d == "" {
		b.t.Fatalf("rel %s %s %s: unknown end", typ, src, dst)
	}
	b.add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","relationship_type":%q,"source_ref":%q,"target_ref":%q}`, id, typ, s, d))
	return id
}

// uses adds uses relationships from src to each target.
func (b *kb) uses(src string, targets ...string) {
	b.t.Helper()
	for _, t := range targets {
		b.rel(RelUses, src, t)
	}
}

// small returns a knowledge of a few techniques, software and groups:
//
//   - T1 is used by every group (common), T9 by G1 only (rare);
//   - T5.001 is a sub-technique of T5, which G2 uses;
//   - G1 and G3 share the alias "Shared Bear"; G4 was revoked by G1;
//   - campaign C1 is attributed to both G2 and G3 (a shared attribution);
//   - T8 is revoked by T2; T7 is deprecated; S1 (malware) implements T6.
func small(t *testing.T) *kb {
	b := newKB(t)
	for _, x := range []struct{ ext, name, extra string }{
		{"T1", "Common One", ""}, {"T2", "Two", ""}, {"T3", "Three", ""}, {"T4", "Four", ""},
		{"T5", "Five", ""}, {"T5.001", "Five Sub", `"x_mitre_is_subtechnique":true`},
		{"T6", "Six", ""}, {"T7", "Seven", `"x_mitre_deprecated":true`}, {"T8", "Eight", `"revoked":true`},
		{"T9", "Rare Nine", ""},
	} {
		b.obj(TypeTechnique, x.ext, x.name, x.extra)
	}
	b.rel(RelSubtechnique, "T5.001", "T5")
	b.rel(RelRevokedBy, "T8", "T2")
	b.obj(TypeMalware, "S1", "Malware One", `"is_family":true`)
	b.obj(TypeTool, "S2", "Tool Two", "")
	b.uses("S1", "T6")
	b.obj(TypeIntrusionSet, "G1", "Alpha", `"aliases":["Alpha","Shared Bear"]`)
	b.obj(TypeIntrusionSet, "G2", "Beta", "")
	b.obj(TypeIntrusionSet, "G3", "Gamma", `"aliases":["Gamma","Shared Bear"]`)
	b.obj(TypeIntrusionSet, "G4", "Old Alpha", `"revoked":true`)
	b.obj(TypeIntrusionSet, "G5", "Gone", `"x_mitre_deprecated":true`)
	b.rel(RelRevokedBy, "G4", "G1")
	b.uses("G1", "T1", "T2", "T9", "S1")
	b.uses("G2", "T1", "T3", "T5")
	b.uses("G3", "T1", "T4")
	b.uses("G4", "T3")
	b.obj(TypeCampaign, "C1", "Campaign One", "")
	b.uses("C1", "T4", "S2")
	b.rel(RelAttributedTo, "C1", "G2")
	b.rel(RelAttributedTo, "C1", "G3")
	return b
}

func labels(es []*Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.ExternalID)
	}
	return strings.Join(s, ",")
}
