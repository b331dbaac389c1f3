package match

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestZeekSamples reads the Zeek samples, tab-separated and JSON: each
// log's mapping is found from its header or its fields, and its values
// land at their paths.
func TestZeekSamples(t *testing.T) {
	for _, tc := range []struct {
		file    string
		records int
		path    string
		value   string
	}{
		{"tsv/dns.log", 93, "domain-name:value", ""},
		{"tsv/conn.log", 117, "network-traffic:dst_ref.value", ""},
		{"tsv/ssl.log", 13, "domain-name:value", ""},
		{"tsv/files.log", 6, "file:hashes.'SHA-1'", ""},
		{"tsv/x509.log", 2, "x509-certificate:subject", ""},
		{"json/dns.log", 239, "domain-name:value", "isatap.felk.cvut.cz"},
		{"json/conn.log", 576, "network-traffic:dst_ref.value", "ff02::1:3"},
		{"json/http.log", 516, "domain-name:value", ""},
		{"json/ssl.log", 205, "domain-name:value", "ieonline.microsoft.com"},
		{"json/files.log", 936, "file:hashes.MD5", "df7c845e4eadd7bac6cbfe2087bbd482"},
		{"json/x509.log", 154, "x509-certificate:subject", "CN=www.bing.com"},
	} {
		f, err := os.Open(filepath.Join("../testdata/sensors/zeek", tc.file))
		must(t, err)
		recs, bad := readValues(t, NewZeekReader(f, nil))
		f.Close()
		var vals []string
		for _, r := range recs {
			vals = append(vals, r[tc.path]...)
		}
		if len(recs) != tc.records || len(bad) > 0 || len(vals) == 0 || tc.value != "" && !slices.Contains(vals, tc.value) {
			t.Errorf("%s: %d records (want %d), malformed lines %v, %d values at %s (want %q among them)", tc.file, len(recs), tc.records, bad, len(vals), tc.path, tc.value)
		}
	}
}
