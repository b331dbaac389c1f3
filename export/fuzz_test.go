package export_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/stix"
)

// FuzzExport checks that no pattern or name makes an export break its
// format: every Suricata rule stays one line with one msg, one sid and
// one metadata, a msg that ends where it should, every zone record one line of three fields, every
// blocklist value one line without spaces; and nothing panics.
func FuzzExport(f *testing.F) {
	for _, s := range []struct{ pattern, name string }{
		{`[ipv4-addr:value = '192.0.2.1']`, "C2"},
		{`[domain-name:value = 'evil.example']`, `x"; sid:1; msg:"y`},
		{`[url:value = 'http://evil.example/a";b|c\\d']`, "a\nb"},
		{`[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']`, "\\"},
		{`[email-addr:value = 'a@evil.example'] OR [ipv6-addr:value ISSUBSET '2001:db8::/32']`, ""},
		{`[domain-name:value = 'a.example\nb CNAME x.']`, ""},
	} {
		f.Add(s.pattern, s.name)
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		o, err := stix.NewObject(&stix.Indicator{
			CommonProperties: stix.CommonProperties{Type: "indicator", SpecVersion: "2.1", ID: "indicator--00000000-0000-4000-8000-000000000001",
				Created: stix.NewTimestamp(time.Unix(0, 0)), Modified: stix.NewTimestamp(time.Unix(0, 0))},
			Name: name, Pattern: pat, PatternType: "stix", ValidFrom: stix.NewTimestamp(time.Unix(0, 0)),
		})
		if err != nil {
			return
		}
		s := export.NewSet(export.Filter{})
		if err := s.Add(o, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		s.Done()
		var b bytes.Buffer
		if _, err := export.WriteSuricata(&b, s, export.SuricataOptions{}); err != nil {
			t.Fatal(err)
		}
		for l := range strings.Lines(b.String()) {
			if strings.HasPrefix(l, "#") {
				continue
			}
			_, msg, ok := strings.Cut(l, ` (msg:"`)
			end := strings.IndexByte(msg, '"')
			if !ok || end < 0 || strings.ContainsAny(msg[:end], ";\\|\n") {
				t.Fatalf("msg broken by %q / %q: %s", pat, name, l)
			}
			rest := msg[end:]
			if !strings.HasPrefix(rest, `"; `) || strings.Count(rest, "; sid:") != 1 || strings.Count(rest, "metadata:") != 1 || !strings.HasSuffix(rest, ";)\n") {
				t.Fatalf("rule broken by %q / %q: %s", pat, name, l)
			}
		}
		b.Reset()
		if _, err := export.WriteRPZ(&b, s, export.RPZOptions{}); err != nil {
			t.Fatal(err)
		}
		for l := range strings.Lines(b.String()) {
			if strings.HasPrefix(l, ";") || strings.HasPrefix(l, "$TTL") || strings.HasPrefix(l, "@") {
				continue
			}
			if f := strings.Fields(l); len(f) != 3 || f[1] != "CNAME" || f[2] != "." {
				t.Fatalf("record broken by %q: %q", pat, l)
			}
		}
		b.Reset()
		if _, err := export.WriteBlocklist(&b, s); err != nil {
			t.Fatal(err)
		}
		for l := range strings.Lines(b.String()) {
			if strings.ContainsAny(strings.TrimSuffix(l, "\n"), " \t\r\n") {
				t.Fatalf("value broken by %q: %q", pat, l)
			}
		}
	})
}
