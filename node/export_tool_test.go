package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// greenIndicator is ipIndicator marked TLP:GREEN.
func greenIndicator(t *testing.T, i int, ip string) string {
	return strings.Replace(ipIndicator(t, i, ip), `"pattern":`, `"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"pattern":`, 1)
}

// toolExport returns an export of the defaults "rampart export" has.
func toolExport(format string) ToolExport {
	x := DefaultToolExport()
	x.Format = format
	return x
}

func TestToolExportCheck(t *testing.T) {
	ok := toolExport("csv")
	ok.Kind, ok.Marking, ok.MaxAge, ok.MinConfidence = "ipv4,domain", "green", "30d", 50
	f, o, err := ok.Check()
	if err != nil || len(f.Kinds) != 2 || f.MinConfidence != 50 || len(f.Markings) != 1 || f.MaxAge == 0 || o.RPZ.TTL != 300 {
		t.Fatalf("Check = %+v, %+v, %v", f, o, err)
	}
	for _, tc := range []struct {
		change func(*ToolExport)
		want   string
	}{
		{func(x *ToolExport) { x.Format = "blocklist" }, ErrNoKind.Error()},
		{func(x *ToolExport) { x.Kind = "ipv5" }, `--kind: "ipv5"`},
		{func(x *ToolExport) { x.MinConfidence = 101 }, "--min-confidence: 101 is not between 0 and 100"},
		{func(x *ToolExport) { x.Marking = "purple" }, `--marking: "purple"`},
		{func(x *ToolExport) { x.Producer = "malware--x" }, `--producer: "malware--x" is not an identity id`},
		{func(x *ToolExport) { x.MaxAge = "soon" }, "--max-age:"},
		{func(x *ToolExport) { x.SIDBase = 1 << 32 }, "the sids must lie between 1 and 4294967295"},
		{func(x *ToolExport) { x.Chunk = 0 }, "--chunk: 0"},
		{func(x *ToolExport) { x.RPZAction = "redirect" }, "--rpz-action:"},
		{func(x *ToolExport) { x.RPZTTL = 0 }, "--rpz-ttl: 0"},
	} {
		x := toolExport("csv")
		tc.change(&x)
		if _, _, err := x.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", x, err, tc.want)
		}
	}
	if _, _, err := (ToolExport{Format: "blocklist"}).Check(); !errors.Is(err, ErrNoKind) {
		t.Errorf("blocklist without a kind: %v, want ErrNoKind", err)
	}
}

func TestExportToolAndSave(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	ingestBundle(t, an, greenIndicator(t, 1, "198.51.100.7"), greenIndicator(t, 2, "203.0.113.9"))
	x := toolExport("blocklist")
	x.CollectionID, x.Kind, x.IncludeDecayed = c.ID, "ipv4", true
	reads := 0
	tf, err := an.ExportTool(ctx, x, func(int64) { reads++ })
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tf.Body); !strings.Contains(got, "198.51.100.7\n") || !strings.Contains(got, "203.0.113.9\n") || tf.Stats.Records != 2 {
		t.Errorf("blocklist = %q (%d records), want both addresses", got, tf.Stats.Records)
	}
	if tf.Restricted || reads == 0 {
		t.Errorf("restricted %v, progress calls %d: want TLP:GREEN unrestricted and progress told", tf.Restricted, reads)
	}
	dir := t.TempDir() + "/out/"
	files, err := tf.Save(dir)
	if err != nil || len(files) != 1 || files[0] != filepath.Join(dir, "rampart.txt") {
		t.Fatalf("Save = %v, %v; want out/rampart.txt", files, err)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("saved file: %v, %v; want mode 0644", fi, err)
	}
	tf.Restricted = true
	file := filepath.Join(t.TempDir(), "list")
	if _, err := tf.Save(file); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a restricted export saved as %v, %v; want mode 0600", fi, err)
	}
	x.Kind = "ipv5"
	if _, err := an.ExportTool(ctx, x, nil); err == nil {
		t.Error("ExportTool took a bad --kind")
	}
}

func TestBundleExportFilter(t *testing.T) {
	f, warnings, err := BundleExport{AllVersions: true, Types: "indicator, x-acme-thing,maleware", AddedAfter: "2026-01-01T00:00:00Z"}.Filter()
	if err != nil || len(f.Types) != 3 || len(f.Versions) != 1 || f.AddedAfter == nil {
		t.Fatalf("Filter = %+v, %v", f, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"maleware" is not a STIX 2.1 type`) {
		t.Errorf("warnings = %q, want one about maleware", warnings)
	}
	if _, _, err := (BundleExport{Types: "Indicator!"}).Filter(); err == nil || !strings.HasPrefix(err.Error(), "--type: ") {
		t.Errorf("bad type: %v", err)
	}
	if _, _, err := (BundleExport{AddedAfter: "yesterday"}).Filter(); err == nil || !strings.HasPrefix(err.Error(), "--added-after: ") {
		t.Errorf("bad timestamp: %v", err)
	}
}

func TestExportMISPAndSaveFeed(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	ingestBundle(t, an, greenIndicator(t, 1, "198.51.100.7"))
	x, err := an.ExportMISP(ctx, c.ID)
	if err != nil || len(x.Events) != 1 || x.Restricted {
		t.Fatalf("ExportMISP = %+v, %v; want one unrestricted event", x, err)
	}
	ingestBundle(t, an, ipIndicator(t, 2, "198.51.100.8"))
	if x, err := an.ExportMISP(ctx, c.ID); err != nil || !x.Restricted {
		t.Errorf("a collection with an unmarked indicator: restricted %v, %v; want restricted", x.Restricted, err)
	}
	dir := filepath.Join(t.TempDir(), "feed")
	if err := x.SaveFeed(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "manifest.json"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("manifest: %v, %v; want it readable by all", fi, err)
	}
}
