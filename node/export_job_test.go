package node

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/export"
)

func TestExportJobCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  ExportJob
		kind string
		want string // "" for no error
		hint bool
	}{
		{"bundle", ExportJob{Format: "stix", Output: "-"}, "bundle", "", false},
		{"stix with a tool filter", ExportJob{Format: "stix", Output: "-", ToolGiven: true}, "tool", "", false},
		{"unknown format", ExportJob{Format: "pdf", Output: "-"}, "", `--format: "pdf" is not an export format: use blocklist, csv`, false},
		{"bad type", ExportJob{Format: "stix", Output: "-", Bundle: BundleExport{Types: "Indicator!"}}, "", "--type: ", false},
		{"misp with a type", ExportJob{Format: "misp", Output: "-", Bundle: BundleExport{Types: "indicator"}}, "misp", "--format misp writes every event", false},
		{"misp with a tool filter", ExportJob{Format: "misp", Output: "-", ToolGiven: true}, "misp", "--format misp writes every event", false},
		{"misp feed to stdout", ExportJob{Format: "misp-feed", Output: "-"}, "misp", "--format misp-feed writes a directory: give --out DIR", false},
		{"misp feed", ExportJob{Format: "misp-feed", Output: "dir"}, "misp", "", false},
		{"csv with versions", ExportJob{Format: "csv", Output: "-", Bundle: BundleExport{AllVersions: true}}, "tool", "--format csv: --type, --all-versions and --added-after choose objects", false},
		{"blocklist without a kind", ExportJob{Format: "blocklist", Output: "-"}, "tool", ErrNoKind.Error(), true},
		{"bad rpz ttl", ExportJob{Format: "rpz", Output: "-"}, "tool", "--rpz-ttl: 0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			job.Tool = DefaultToolExport()
			if tc.name == "bad rpz ttl" {
				job.Tool.RPZTTL = 0
			}
			_, err := job.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				if job.Kind() != tc.kind || job.Tool.Format != job.Format {
					t.Errorf("Kind = %q, Tool.Format = %q; want %q, %q", job.Kind(), job.Tool.Format, tc.kind, job.Format)
				}
				return
			}
			ce, ok := AsConfigError(err)
			if !ok || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Check = %v (config error %v), want one beginning %q", err, ok, tc.want)
			}
			if (ce.Hint != "") != tc.hint {
				t.Errorf("hint %q, want one: %v", ce.Hint, tc.hint)
			}
		})
	}
	job := ExportJob{Format: "stix", Output: "-", Bundle: BundleExport{Types: "indicator,maleware"}}
	if warnings, err := job.Check(); err != nil || len(warnings) != 1 || len(job.Filter.Types) != 2 {
		t.Errorf("Check = %q, %v, filter %+v; want one warning and both types", warnings, err, job.Filter)
	}
}

func TestCountsText(t *testing.T) {
	got := countsText(map[string]int{"expired": 1, "revoked": 2, "age": 1})
	if want := "2 revoked, 1 age, 1 expired"; got != want {
		t.Errorf("countsText = %q, want %q", got, want)
	}
	if got := countsText(nil); got != "" {
		t.Errorf("countsText(nil) = %q", got)
	}
}

func TestToolFileSummary(t *testing.T) {
	tf := &ToolFile{Format: "blocklist", Stats: export.Stats{Records: 1},
		Set: &export.Set{Skipped: map[string]int{"LIKE": 2}, Examples: map[string]string{"LIKE": "[url:value LIKE '%x']"}, Filtered: map[string]int{"revoked": 3, "decayed": 1}}}
	got := strings.Join(tf.Summary("collection--1", 1500*time.Millisecond, []string{"out/rampart.txt"}), "\n")
	for _, want := range []string{
		"exported 1 line (blocklist) of 0 indicators from collection collection--1 in 1.5s",
		"wrote out/rampart.txt",
		"skipped, patterns blocklist cannot carry: 2 LIKE",
		"  LIKE, e.g. [url:value LIKE '%x']",
		"left out: 3 revoked, 1 decayed (score below the threshold; --include-decayed keeps them)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

func TestExport(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	ingestBundle(t, an, greenIndicator(t, 1, "198.51.100.7"))
	var notes bytes.Buffer
	an.Config.Notices = &notes
	run := func(job ExportJob) string {
		t.Helper()
		if _, err := job.Check(); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := an.Export(ctx, &job, c.ID, &out, time.Now()); err != nil {
			t.Fatalf("Export %s: %v", job.Format, err)
		}
		return out.String()
	}
	if got := run(ExportJob{Format: "stix", Output: "-", Tool: DefaultToolExport()}); !strings.Contains(got, `"type":"bundle"`) || !strings.Contains(got, "198.51.100.7") {
		t.Errorf("bundle = %q", got)
	}
	if !strings.Contains(notes.String(), "rampart: exported 1 object from collection "+c.ID) {
		t.Errorf("notices = %q", notes.String())
	}
	tool := DefaultToolExport()
	tool.Kind, tool.IncludeDecayed = "ipv4", true
	if got := run(ExportJob{Format: "blocklist", Output: "-", Tool: tool, ToolGiven: true}); got != "198.51.100.7\n" {
		t.Errorf("blocklist = %q", got)
	}
	file := filepath.Join(t.TempDir(), "events.json")
	if got := run(ExportJob{Format: "misp", Output: file, Tool: DefaultToolExport()}); got != "" {
		t.Errorf("misp to a file wrote %q on stdout", got)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("misp file: %v, %v; want mode 0600", fi, err)
	}
	if !strings.Contains(notes.String(), "rampart: exported 1 event as misp") {
		t.Errorf("notices = %q", notes.String())
	}
}
