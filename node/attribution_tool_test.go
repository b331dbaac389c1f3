package node

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/attribution"
)

// attributionKB is a knowledge of two intrusion sets: Alpha (G0001) uses
// T1003, T1059 and S0001; Beta (G0002) uses T1059.
const attributionKB = "testdata/attribution-kb.json"

func TestAttributeQueryCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*AttributeQuery)
		want string // "" for no error
		hint bool
	}{
		{"single", func(q *AttributeQuery) {}, "", false},
		{"batch", func(q *AttributeQuery) { q.Techniques, q.Queries = "", "q.jsonl" }, "", false},
		{"no bundle", func(q *AttributeQuery) { q.Bundle = "" }, "attribute needs --bundle FILE", true},
		{"both", func(q *AttributeQuery) { q.Queries = "q.jsonl" }, "are alternatives", false},
		{"neither", func(q *AttributeQuery) { q.Techniques = "" }, "attribute needs --queries FILE|-", true},
		{"no candidate", func(q *AttributeQuery) { q.Limit = 0 }, "--limit must be at least 1 (got 0)", false},
		{"compare one", func(q *AttributeQuery) { q.Compare = 1 }, "--compare must be 2 to 10 (got 1)", false},
		{"compare eleven", func(q *AttributeQuery) { q.Compare = 11 }, "--compare must be 2 to 10 (got 11)", false},
		{"compare a batch", func(q *AttributeQuery) { q.Techniques, q.Queries, q.Compare = "", "q.jsonl", 2 }, "--compare needs a single query", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := DefaultAttributeQuery()
			q.Bundle, q.Techniques = "kb.json", "T1003"
			tt.edit(&q)
			err := q.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check() = %v; want nil", err)
				}
				return
			}
			if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Msg, tt.want) || (ce.Hint != "") != tt.hint {
				t.Fatalf("Check() = %#v; want a ConfigError with %q (hint: %v)", err, tt.want, tt.hint)
			}
		})
	}
}

func TestAttribute(t *testing.T) {
	ctx := context.Background()
	q := DefaultAttributeQuery()
	q.Bundle, q.Techniques, q.Software = attributionKB, "T1003,T9999", "S0001"
	var out bytes.Buffer
	if err := Attribute(ctx, q, &out, func(err error) { t.Errorf("reported %v", err) }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\n 1. Alpha (G0001)  score ") || !strings.Contains(out.String(), `"T9999": unknown technique`) {
		t.Errorf("ranking:\n%s", out.String())
	}

	out.Reset()
	q.Techniques, q.Software, q.Compare, q.JSON = "T1003,T1059", "", 2, true
	if err := Attribute(ctx, q, &out, nil); err != nil || !strings.HasPrefix(out.String(), `{"hypotheses":[`) {
		t.Errorf("comparison = %v:\n%s", err, out.String())
	}
	q.Techniques = "T9999"
	if err := Attribute(ctx, q, &out, nil); err == nil || !strings.Contains(err.Error(), "nothing to compare") {
		t.Errorf("comparison of unknown evidence = %v; want nothing to compare", err)
	}
	q.Bundle = filepath.Join(t.TempDir(), "missing.json")
	if err := Attribute(ctx, q, &out, nil); err == nil || !strings.Contains(err.Error(), "open bundle") {
		t.Errorf("missing bundle = %v; want open bundle", err)
	}
}

func TestAttributeBatch(t *testing.T) {
	q := DefaultAttributeQuery()
	q.Bundle, q.Queries = attributionKB, "-"
	q.Stdin = strings.NewReader(`{"id":"b1","technique":["T1003"]}` + "\n" + `{"id":"ok","techniques":["T1059"]}` + "\n")
	var out bytes.Buffer
	var reported []error
	err := Attribute(context.Background(), q, &out, func(err error) { reported = append(reported, err) })
	if err == nil || err.Error() != "1 of 2 query lines were invalid" {
		t.Errorf("Attribute = %v; want 1 of 2 query lines were invalid", err)
	}
	if len(reported) != 1 || !strings.HasPrefix(reported[0].Error(), "queries: line 1:") {
		t.Errorf("reported %v; want the first line", reported)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.Contains(lines[1], `"id":"ok"`) {
		t.Errorf("batch output:\n%s", out.String())
	}
	q.Queries = filepath.Join(t.TempDir(), "missing.jsonl")
	if err := Attribute(context.Background(), q, &out, nil); err == nil || !strings.HasPrefix(err.Error(), "open queries: ") {
		t.Errorf("missing queries = %v; want open queries", err)
	}
}

func TestAttributionEvalCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*AttributionEval)
		want string // "" for no error
	}{
		{"default", func(v *AttributionEval) {}, ""},
		{"unknown family", func(v *AttributionEval) { v.Families = "no such family" }, `unknown evaluation family "no such family"`},
		{"no bundle", func(v *AttributionEval) { v.Bundle = "" }, "needs --bundle"},
		{"same seeds", func(v *AttributionEval) { v.Config.CalibrationSeed = v.Config.Seed }, "must differ"},
		{"no incident", func(v *AttributionEval) { v.Config.PerK = 0 }, "--per-k must be at least 1"},
		{"hide some", func(v *AttributionEval) { v.Config.HeldOutHide = "some" }, "--held-out-hide must be all or uses"},
		{"no family incident", func(v *AttributionEval) { v.Config.FamilyN = 0 }, "--family-n must be at least 1"},
		{"all noise", func(v *AttributionEval) { v.Config.Params.NoiseRate = 1 }, "--noise-rate must be in [0, 1)"},
		{"forgive all", func(v *AttributionEval) { v.Config.Params.Forgive = 1 }, "--forgive must be in [0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := DefaultAttributionEval()
			v.Bundle = "kb.json"
			tt.edit(&v)
			err := v.Check()
			if tt.want == "" {
				if err != nil || len(v.Config.Families) == 0 {
					t.Fatalf("Check() = %v with families %v; want nil and every family", err, v.Config.Families)
				}
				return
			}
			if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Msg, tt.want) {
				t.Fatalf("Check() = %#v; want a ConfigError with %q", err, tt.want)
			}
		})
	}
}

func TestEvaluateAttribution(t *testing.T) {
	v := DefaultAttributionEval()
	v.Bundle, v.Config.PerK, v.Config.HeldOut, v.Config.FamilyN = attributionKB, 5, 0, 5
	v.WriteCalibration = filepath.Join(t.TempDir(), "calibration.json")
	rep, err := EvaluateAttribution(v, func(err error) { t.Errorf("reported %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sets != 2 {
		t.Errorf("evaluated %d intrusion sets; want 2", rep.Sets)
	}
	var md bytes.Buffer
	if err := v.WriteReport(rep, &md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "### Sampled incidents, top-1 and top-5 by k") {
		t.Errorf("report without its tables:\n%s", md.String())
	}
	data, err := os.ReadFile(v.WriteCalibration)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attribution.ParseCalibration(data); err != nil {
		t.Errorf("calibration written does not parse: %v", err)
	}
	// The tables are written before a calibration that cannot be.
	v.WriteCalibration = filepath.Join(t.TempDir(), "no", "such", "dir", "calibration.json")
	md.Reset()
	if err := v.WriteReport(rep, &md); err == nil || !strings.HasPrefix(err.Error(), "write calibration: ") || md.Len() == 0 {
		t.Errorf("WriteReport into a missing directory = %v after %d bytes; want the tables, then write calibration", err, md.Len())
	}
}
