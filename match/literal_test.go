package match

import (
	"regexp"
	"slices"
	"testing"
)

func TestLikeLiteral(t *testing.T) {
	for _, tc := range []struct {
		like, want string
	}{
		{"%/wp-content/plugins/%", "/wp-content/plug"}, // cut to maxLiteral
		{"%/gate.php%", "/gate.php"},
		{"http://%.EXAMPLE/x_y%", ".example/x"},
		{"%ab%", ""}, // too short
		{"%caf\u00e9k%", "caf"},
		{"%cafe\u0301k%", "caf"}, // read in NFC, as LIKE compares
	} {
		got, ok := likeLiteral(tc.like)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("likeLiteral(%q) = %q, %v; want %q", tc.like, got, ok, tc.want)
		}
	}
}

func TestRegexLiterals(t *testing.T) {
	for _, tc := range []struct {
		re   string
		want []string
	}{
		{`^https?://[a-z0-9.]+/abcdefgh/[0-9]+\.php$`, []string{"/abcdefgh/"}},
		{`(?i)PowerShell.*-enc`, []string{"powershell"}},
		{`(evil|wicked)\.example`, []string{".example"}},
		{`(evil|wicked)[0-9]`, []string{"evil", "wicked"}},
		{`(evil|ok)[0-9]`, nil},        // "ok" is too short
		{`(evil)?x[0-9]+`, nil},        // nothing required
		{`(abc){2,}`, []string{"abc"}}, // at least once
		{`a.b.c`, nil},
	} {
		got := regexLiterals(regexp.MustCompile(tc.re))
		if !slices.Equal(got, tc.want) {
			t.Errorf("regexLiterals(%q) = %q, want %q", tc.re, got, tc.want)
		}
	}
}
