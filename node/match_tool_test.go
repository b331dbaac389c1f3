package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/match"
)

func TestMatchJobCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*MatchJob)
		want string // "" for no error
	}{
		{"file", func(j *MatchJob) {}, ""},
		{"collection", func(j *MatchJob) { j.Indicators, j.Collection = "", "default" }, ""},
		{"built-in mapping", func(j *MatchJob) { j.Mapping = match.Mappings()[0] }, ""},
		{"no indicators", func(j *MatchJob) { j.Indicators = "" }, "give either --indicators FILE or --collection REF"},
		{"two sources", func(j *MatchJob) { j.Collection = "default" }, "give either --indicators FILE or --collection REF"},
		{"identity of a note", func(j *MatchJob) { j.Identity = "note--5d0092c5-5f74-4287-9642-33f4c354e56d" }, "is not an identity--UUID identifier"},
		{"no mapping", func(j *MatchJob) { j.Mapping = "nosuch" }, `mapping "nosuch" is neither built in`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := MatchJob{Indicators: "feed.json", Identity: "identity--5d0092c5-5f74-4287-9642-33f4c354e56d"}
			tt.edit(&j)
			err := j.Check()
			if tt.want == "" {
				if err != nil || (j.Mapping != "") != (j.mapping != nil) {
					t.Fatalf("Check() = %v, mapping %v; want nil and the mapping loaded", err, j.mapping)
				}
				return
			}
			if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Msg, tt.want) {
				t.Fatalf("Check() = %#v; want a ConfigError with %q", err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	var compiled *CompiledIndicators
	j := MatchJob{Indicators: writeIndicators(t), Input: "-", Stdin: strings.NewReader(matchLog), Format: "jsonl",
		Output: &out, MaxReported: 10, Compiled: func(ci *CompiledIndicators) { compiled = ci },
		Applied: func(*AppliedWarninglists) { t.Error("warninglists applied where there are none") }}
	res, err := Match(ctx, nil, j)
	if err != nil {
		t.Fatal(err)
	}
	if compiled == nil || compiled.Matcher.Len() != 2 || len(compiled.Skipped) != 1 {
		t.Errorf("told of %+v; want 2 indicators compiled and 1 skipped", compiled)
	}
	if res.Records != 4 || res.Malformed != 1 || res.Matched != 2 || len(res.Errors) != 1 {
		t.Errorf("result %+v; want 4 records, 1 malformed, 2 matched", res.Stats)
	}
	if n := strings.Count(out.String(), `"type":"sighting"`); n != 2 {
		t.Errorf("wrote %d sightings; want 2:\n%s", n, out.String())
	}

	// The public resolvers' list holds 8.8.8.8: one sighting fewer.
	var applied *AppliedWarninglists
	j.Stdin, j.Warninglists, j.Applied = strings.NewReader(matchLog), []string{publicDNS}, func(w *AppliedWarninglists) { applied = w }
	out.Reset()
	if res, err = Match(ctx, nil, j); err != nil {
		t.Fatal(err)
	}
	if applied == nil || applied.Lists != 1 || res.Suppressed != 1 || strings.Count(out.String(), `"type":"sighting"`) != 1 {
		t.Errorf("applied %+v, suppressed %d, wrote:\n%s\nwant 1 list, 1 hit suppressed, 1 sighting", applied, res.Suppressed, out.String())
	}
}

func TestMatchErrors(t *testing.T) {
	ctx := context.Background()
	indicators := writeIndicators(t)
	tests := []struct {
		name   string
		edit   func(*MatchJob)
		want   string
		config bool
	}{
		{"no source", func(j *MatchJob) { j.Indicators = "" }, "give either", true},
		{"format", func(j *MatchJob) { j.Format = "xml" }, `--format: format "xml" is not one of`, true},
		{"input", func(j *MatchJob) { j.Input = filepath.Join(t.TempDir(), "nosuch.log") }, "nosuch.log", false},
		{"indicators", func(j *MatchJob) { j.Indicators = filepath.Join(t.TempDir(), "nosuch.json") }, "nosuch.json", false},
		{"collection without node", func(j *MatchJob) { j.Indicators, j.Collection = "", "default" }, "no node", false},
		{"warninglist", func(j *MatchJob) { j.Warninglists = []string{filepath.Join(t.TempDir(), "nosuch")} }, "nosuch", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := MatchJob{Indicators: indicators, Input: "-", Stdin: strings.NewReader(matchLog), Output: new(bytes.Buffer)}
			tt.edit(&j)
			_, err := Match(ctx, nil, j)
			var re *MatchRunError
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.As(err, &re) {
				t.Fatalf("Match = %v; want an error before the run with %q", err, tt.want)
			}
			if _, ok := AsConfigError(err); ok != tt.config {
				t.Errorf("Match = %#v: a ConfigError %v; want %v", err, ok, tt.config)
			}
		})
	}
}

func TestMatchRunError(t *testing.T) {
	j := MatchJob{Indicators: writeIndicators(t), Input: "-", Stdin: strings.NewReader(matchLog), Output: failingWriter{}}
	res, err := Match(context.Background(), nil, j)
	var re *MatchRunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "disk full") || res.Records == 0 {
		t.Fatalf("Match into a failing writer = %+v, %v; want a MatchRunError after the records were read", res.Stats, err)
	}
}

func TestGenerateMatchFiles(t *testing.T) {
	for _, g := range []match.Generator{{Indicators: 0, Records: 10}, {Indicators: 1, Records: 10, Hits: 11}, {Indicators: 1, Records: -1}} {
		if _, err := GenerateMatchFiles(t.TempDir(), g); err == nil {
			t.Errorf("GenerateMatchFiles(%+v) = nil; want an error", g)
		} else if _, ok := AsConfigError(err); !ok {
			t.Errorf("GenerateMatchFiles(%+v) = %v; want a ConfigError", g, err)
		}
	}
	if _, err := GenerateMatchFiles("", match.Generator{Indicators: 1}); err == nil || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("GenerateMatchFiles without a directory = %v; want --dir", err)
	}
	dir := t.TempDir()
	planted, err := GenerateMatchFiles(dir, match.Generator{Seed: 1, Indicators: 50, Records: 200, Hits: 7})
	if err != nil || planted != 7 {
		t.Fatalf("GenerateMatchFiles = %d, %v; want 7 planted hits", planted, err)
	}
	for _, f := range []string{"indicators.jsonl", "log.jsonl"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
