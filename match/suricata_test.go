package match

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

// readValues reads every record of a reader: the values by path, and the
// malformed records' line numbers.
func readValues(t *testing.T, r Reader) (records []map[string][]string, malformed []int64) {
	t.Helper()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return records, malformed
		}
		var le *LineError
		if errors.As(err, &le) {
			malformed = append(malformed, le.Line)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Time.IsZero() {
			t.Errorf("record of line %d has no time", rec.Line)
		}
		vals := map[string][]string{}
		for _, f := range rec.Fields {
			vals[f.Key.Canon] = append(vals[f.Key.Canon], strings.Clone(f.Str)) // valid until the next record
		}
		records = append(records, vals)
	}
}

// TestSuricataSamples reads every EVE sample: the events each holds, the
// deliberately broken line reported by number, the values at their paths.
func TestSuricataSamples(t *testing.T) {
	want := map[string]int{ // events per file
		"fever/alertify_input.json": 3, "fever/jsonparse_eve.json": 3, "fever/jsonparse_eve_broken1.json": 2,
		"fever/jsonparse_eve_nulls.json": 1, "suricata-verify/alert-testmyids.eve.json": 1,
		"suricata-verify/dns-tcp-www-google-com.eve.json": 14, "suricata-verify/eve-dns.eve.json": 9,
		"suricata-verify/output-eve-fileinfo.eve.json": 1, "suricata-verify/tls-fingerprint-alert.eve.json": 2,
		"telegraf-v2/alert.json": 1, "telegraf-v2/dns.json": 1, "telegraf-v2/drop.json": 1, "telegraf-v2/flow.json": 1, "telegraf-v2/http.json": 1,
	}
	dir := "../testdata/sensors/suricata-eve"
	all := map[string][]string{}
	for name, n := range want {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		recs, bad := readValues(t, NewSuricataReader(f))
		f.Close()
		if len(recs) != n {
			t.Errorf("%s: %d events, want %d", name, len(recs), n)
		}
		if wantBad := []int64(nil); name == "fever/jsonparse_eve_broken1.json" {
			if wantBad = []int64{2}; !slices.Equal(bad, wantBad) {
				t.Errorf("%s: malformed lines %v, want %v", name, bad, wantBad)
			}
		} else if len(bad) > 0 {
			t.Errorf("%s: malformed lines %v", name, bad)
		}
		for _, r := range recs {
			for p, vs := range r {
				all[p] = append(all[p], vs...)
			}
		}
	}
	for path, v := range map[string]string{
		"domain-name:value":                     "client-cf.dropbox.com",
		"domain-name:resolves_to_refs[*].value": "52.85.112.21",
		"url:value":                             "http://www.eicar.org/download/eicar.com",
		"x509-certificate:hashes.'SHA-1'":       "9086a43bf5cf1b2e4ef79796f9debab96635863f",
		"file:name":                             "eicar.com",
		"file:hashes.MD5":                       "8d81d793b28b098e8623d47bae23cf44",
		"network-traffic:dst_ref.value":         "203.205.239.179",
		"network-traffic:protocols[*]":          "tcp",
		"network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'": "curl/7.43.0",
	} {
		if !slices.Contains(all[path], v) {
			t.Errorf("no %s = %q among the samples' values (%d at that path)", path, v, len(all[path]))
		}
	}
}

// TestSuricataMatches: indicators match what EVE events name.
func TestSuricataMatches(t *testing.T) {
	m := New()
	// The samples were recorded in 2016: the indicators are valid from
	// 2010.
	old := func(n int, pat string) *stix.Object {
		o := indicator(t, n, pat, "")
		o, err := stix.ParseObject([]byte(strings.Replace(string(o.Raw), `"valid_from":"2026-01-01T00:00:00Z"`, `"valid_from":"2010-01-01T00:00:00Z"`, 1)))
		must(t, err)
		return o
	}
	must(t, m.AddObjects([]*stix.Object{
		old(1, "[url:value LIKE 'http://www.eicar.org/download/%']"),
		old(2, "[x509-certificate:hashes.'SHA-1' = '9086A43BF5CF1B2E4EF79796F9DEBAB96635863F']"),
		old(3, "[domain-name:value = 'client-cf.dropbox.com']"),
		old(4, "[ipv4-addr:value = '52.85.112.21']"),
	}))
	hits := map[string]bool{}
	for _, name := range []string{"suricata-verify/output-eve-fileinfo.eve.json", "suricata-verify/tls-fingerprint-alert.eve.json", "suricata-verify/eve-dns.eve.json"} {
		data, err := os.ReadFile(filepath.Join("../testdata/sensors/suricata-eve", name))
		must(t, err)
		s := m.NewSession()
		r := NewSuricataReader(strings.NewReader(string(data)))
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			s.Match(rec, func(h Hit) { hits[h.Indicator.ID] = true })
		}
	}
	for i := 1; i <= 4; i++ {
		if !hits[id(i)] {
			t.Errorf("indicator %d did not match", i)
		}
	}
}

func TestSuricataBadInput(t *testing.T) {
	in := `{"timestamp":"2016-05-24T23:27:01.960780+0000","event_type":"dns","dns":{"rrname":"a.example"}}
not json
{"event_type":"dns"}
{"timestamp":"yesterday","event_type":"dns"}
{"timestamp":"2016-05-24T23:27:01+00:00","event_type":"flow","src_ip":"192.0.2.1"}
{"timestamp":"2016-05-24T23:27:01.960780+0000",
`
	recs, bad := readValues(t, NewSuricataReader(strings.NewReader(in)))
	if len(recs) != 2 || !slices.Equal(bad, []int64{2, 3, 4, 6}) {
		t.Errorf("%d records, malformed lines %v; want 2 records, lines [2 3 4 6]", len(recs), bad)
	}
}

// FuzzSuricataReader checks that no input makes the EVE reader panic or
// read without end.
func FuzzSuricataReader(f *testing.F) {
	f.Add(`{"timestamp":"2016-05-24T23:27:01.960780+0000","event_type":"dns","dns":{"rrname":"a.example"}}` + "\n")
	f.Add("{\n  \"timestamp\": \"2023-04-07T00:27:50.220224+0800\",\n  \"http\": {\"hostname\": \"h\", \"url\": \"/x\"}\n}\n{\"timestamp\":\"x\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewSuricataReader(strings.NewReader(in))
		for i := 0; i <= 2*strings.Count(in, "\n")+2; i++ {
			if _, err := r.Next(); err == io.EOF {
				return
			}
		}
		t.Errorf("no end after %d calls", 2*strings.Count(in, "\n")+2)
	})
}
