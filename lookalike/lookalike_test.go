package lookalike

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

func TestCheck(t *testing.T) {
	f := New([]string{"acmebank.fr", "impots.gouv.fr", "france-identite.gouv.fr"}, []string{"paypal"})
	puny := func(s string) string {
		a, err := idna.ToASCII(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		host, protected, reason string
	}{
		// Homoglyphs: Cyrillic а (U+0430) and е (U+0435), digits for
		// letters, rn for m; in Unicode and in xn-- form.
		{"\u0430cmeb\u0430nk.fr", "acmebank.fr", "mixes scripts"},
		{puny("\u0430cmeb\u0430nk.fr"), "acmebank.fr", "mixes scripts"},
		{"acrnebank.fr", "acmebank.fr", "homoglyphs"},
		{"acmebank.fr.", "", ""}, // the real one
		{"www.acmebank.fr", "", ""},
		{"1mpots.gouv.fr", "impots.gouv.fr", ""},
		{"imp0ts.gouv.fr", "impots.gouv.fr", "homoglyphs"},
		{"p\u0430yp\u0430l.com", "paypal", "homoglyphs"},
		{"xn--pypal-4ve.com", "paypal", "homoglyphs"}, // pаypal
		// Typos.
		{"acmebnak.fr", "acmebank.fr", "typo"},
		{"acmebanks.fr", "acmebank.fr", "typo"},
		{"acmbank.fr", "acmebank.fr", "typo"},
		{"acmevank.com", "acmebank.fr", "typo"},
		{"impots.gouv-fr.net", "", ""}, // label "gouv-fr": holds no protected name
		{"impotsgouv.fr", "impots.gouv.fr", "added words"},
		// Added words, other suffixes.
		{"secure-acmebank-login.com", "acmebank.fr", "added words"},
		{"login.acmebank-secure.fr", "acmebank.fr", "added words"},
		{"acmebank.com", "acmebank.fr", "another suffix"},
		{"france-identite.com", "france-identite.gouv.fr", "another suffix"},
		{"franceidentite.fr", "france-identite.gouv.fr", ""},
		{"impots.gouv.fr.evil.example", "", ""}, // the label carrying the name is "evil"
		// Unrelated names.
		{"example.org", "", ""},
		{"bank.fr", "", ""},
		{"acme.fr", "", ""},
	} {
		got := f.Check(tc.host)
		if tc.protected == "" {
			if len(got) != 0 {
				t.Errorf("%s: %v, want no look-alike", tc.host, got)
			}
			continue
		}
		found := false
		for _, m := range got {
			if m.Protected == tc.protected && strings.Contains(m.Reason, tc.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %v, want %s (%q)", tc.host, got, tc.protected, tc.reason)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"acmebank", "acmebank", 0}, {"acmebank", "acmebnak", 1}, {"acmebank", "acmbank", 1},
		{"acmebank", "acmebanks", 1}, {"acmebank", "xcmebanx", 2}, {"acmebank", "bank", 2},
	} {
		if got := distance(tc.a, tc.b, 1); got != min(tc.want, 2) {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, min(tc.want, 2))
		}
	}
}

// BenchmarkCheck checks names against 10,000 protected domains (random
// names of 6 to 14 letters under gouv.fr): the cost of running every
// domain the matcher sees through the look-alikes.
func BenchmarkCheck(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var domains []string
	for range 10000 {
		l := make([]byte, 6+r.IntN(9))
		for i := range l {
			l[i] = byte('a' + r.IntN(26))
		}
		domains = append(domains, string(l)+".gouv.fr")
	}
	f := New(domains, []string{"acmebank", "paypal"})
	typo := []byte(strings.TrimSuffix(domains[42], ".gouv.fr"))
	typo[2], typo[3] = typo[3], typo[2]
	hosts := []string{"www.example.org", "cdn.tracker.example.net", "secure-acmebank-login.com", strings.Replace(domains[7], ".gouv.fr", ".com", 1), string(typo) + ".gouv.fr", "mail.google.com", "a1b2c3d4e5.example.net", "update.microsoft.com"}
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		n += len(f.Check(hosts[i%len(hosts)]))
	}
	if n == 0 {
		b.Fatal("no look-alike found")
	}
}
