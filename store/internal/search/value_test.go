package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		token string
		keys  []string // nil: a word, not a value
	}{
		{"APT29", nil},
		{"phishing", nil},
		{"CVE-2021-44228", nil},
		{"...", nil},
		{"e.g.", nil},
		{"U.S.", nil},
		{"d41d8cd98f00b204e9800998ecf8427", nil}, // 31 digits: no hash
		{"198.51.100.7", []string{"v:198.51.100.7"}},
		{"(198.51.100.7),", []string{"v:198.51.100.7"}},
		{"198.51.100.0/24", []string{"v:198.51.100.0/24"}},
		{"2001:DB8::1", []string{"v:2001:db8::1"}},
		{"2001:db8::", []string{"v:2001:db8::"}},
		{"evil.example.com", []string{"d:com.example.evil."}},
		{"EVIL.example.com.", []string{"d:com.example.evil."}},
		{"evil[.]example[.]com", []string{"d:com.example.evil."}},
		{"xn--80ak6aa92e.com", []string{"d:com.xn--80ak6aa92e."}},
		{"http://x.example/a?b", []string{"v:http://x.example/a?b", "d:example.x."}},
		{"hxxp://x.example/a?b", []string{"v:http://x.example/a?b", "d:example.x."}},
		{"https://198.51.100.7:8443/x", []string{"v:https://198.51.100.7:8443/x", "v:198.51.100.7"}},
		{"bob@example.org", []string{"v:bob@example.org", "d:org.example."}},
		{"bob[@]example.org", []string{"v:bob@example.org", "d:org.example."}},
		{"bob[at]example{.}org", []string{"v:bob@example.org", "d:org.example."}},
		{"evil(.)example[dot]com", []string{"d:com.example.evil."}},
		{"HXXPS://x[.]example/a", []string{"v:https://x.example/a", "d:example.x."}},
		{"198.51.100[.]7[:]8080", []string{"v:198.51.100.7:8080"}},
		{"D41D8CD98F00B204E9800998ECF8427E", []string{"v:d41d8cd98f00b204e9800998ecf8427e"}},
		{"indicator--00000000-0000-4000-8000-000000000004", []string{"v:indicator--00000000-0000-4000-8000-000000000004"}},
		{"T1059.001", []string{"v:t1059.001"}},
		{"1.2.3", []string{"v:1.2.3"}},
		{`C:\Windows\x.exe`, []string{`v:c:\windows\x.exe`}},
		{"see:", nil},
		{"invoice.pdf.exe", []string{"d:exe.pdf.invoice."}},
	}
	for _, tc := range tests {
		v, ok := parseValue(tc.token)
		var got []string
		if ok {
			got = v.keys()
		}
		if diff := cmp.Diff(tc.keys, got); diff != "" {
			t.Errorf("parseValue(%q) keys (-want +got):\n%s", tc.token, diff)
		}
		if !ok {
			continue
		}
		// The canonical text of a value names it again.
		again, ok := parseValue(v.String())
		if !ok || again.Key != v.Key {
			t.Errorf("parseValue(%q).String() = %q, which parses to %q, not %q", tc.token, v.String(), again.Key, v.Key)
		}
	}
}

func TestWords(t *testing.T) {
	got := Words(nil, "APT29 (Cozy-Bear) said: \"Élysée\" 198.51.100.7 naïve_x "+string(make([]byte, 300)))
	want := []string{"apt29", "cozy", "bear", "said", "élysée", "198", "51", "100", "7", "naïve", "x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Words (-want +got):\n%s", diff)
	}
	long := string(make([]rune, 0))
	for range 300 {
		long += "a"
	}
	if got := Words(nil, long+" b"); len(got) != 1 || got[0] != "b" {
		t.Errorf("Words of a 300-letter word: %q, want it left out", got)
	}
}
