package search

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		text    string
		phrases []Phrase
		keys    []string
	}{
		{"", nil, nil},
		{"  APT29  ", []Phrase{{Words: []string{"apt29"}}}, nil},
		{`cozy "bear cub"* apt-29 evil.example.com`,
			[]Phrase{{Words: []string{"cozy"}}, {Words: []string{"bear", "cub"}, Prefix: true}, {Words: []string{"apt", "29"}}},
			[]string{"d:com.example.evil."}},
		{`"198.51.100.7"`, nil, []string{"v:198.51.100.7"}},
		{`"" --- cob**`, []Phrase{{Words: []string{"cob"}, Prefix: true}}, nil},
		{`a"b c"`, []Phrase{{Words: []string{"a"}}, {Words: []string{"b", "c"}}}, nil},
	}
	for _, tc := range tests {
		phrases, keys, err := ParseText(tc.text)
		if err != nil {
			t.Errorf("ParseText(%q): %v", tc.text, err)
			continue
		}
		if diff := cmp.Diff(tc.phrases, phrases); diff != "" {
			t.Errorf("ParseText(%q) phrases (-want +got):\n%s", tc.text, diff)
		}
		if diff := cmp.Diff(tc.keys, keys); diff != "" {
			t.Errorf("ParseText(%q) keys (-want +got):\n%s", tc.text, diff)
		}
	}
	for text, says := range map[string]string{
		`cozy "bear`:             "the quote opened at column 6 is not closed",
		`"é" "`:                  "the quote opened at column 5 is not closed",
		"*":                      `"*" at column 1 ends no word`,
		"evil.example.com*":      "a prefix (*) ends a word",
		`"---"*`:                 "has no word to end",
		strings.Repeat("x", 257): "at most 256 bytes",
		strings.Repeat("x ", 33): "at most 32 terms",
		"\xff":                   "UTF-8",
	} {
		_, _, err := ParseText(text)
		if rampart.ErrorCode(err) != rampart.EINVALID || !strings.Contains(rampart.ErrorMessage(err), says) {
			t.Errorf("ParseText(%q): %v, want EINVALID saying %q", text, err, says)
		}
	}
}

func TestTextQuery(t *testing.T) {
	ps := []Phrase{{Words: []string{"cozy", "bear"}}, {Words: []string{"apt"}, Prefix: true}}
	tests := []struct {
		d    *Dialect
		tier int
		want string
	}{
		{SQLite, tierAll, `"cozy bear" AND "apt"*`},
		{SQLite, tierName, `"cozy bear" AND "apt"*`},
		{SQLite, tierOther, `("cozy bear" AND "apt"*) NOT ({name} : ("cozy bear" AND "apt"*))`},
		{PostgreSQL, tierAll, `('cozy' <-> 'bear') & ('apt':*)`},
	}
	for _, tc := range tests {
		if got := tc.d.textQuery(ps, tc.tier); got != tc.want {
			t.Errorf("FTS5 %v, tier %d: %s, want %s", tc.d.FTS5, tc.tier, got, tc.want)
		}
	}
}

func TestParseCursor(t *testing.T) {
	q, err := Parse(rampart.SearchQuery{CollectionIDs: []string{"00000000-0000-4000-8000-000000000001"}, Text: "apt29"})
	if err != nil {
		t.Fatal(err)
	}
	c := cursor{tier: 2, seq: 1234, total: 56, sum: q.sum}
	again, err := Parse(rampart.SearchQuery{CollectionIDs: []string{"00000000-0000-4000-8000-000000000001"}, Text: "apt29", Limit: 7, Cursor: c.String()})
	if err != nil {
		t.Fatal(err)
	}
	if *again.cursor != c || again.Limit != 7 {
		t.Errorf("cursor read back as %+v (limit %d), want %+v", *again.cursor, again.Limit, c)
	}
	for _, bad := range []cursor{{tier: 3, seq: 1, sum: q.sum}, {tier: 1, seq: 0, sum: q.sum}, {tier: 1, seq: 1, total: 10001, sum: q.sum}} {
		if _, err := parseCursor(bad.String(), q.sum); rampart.ErrorCode(err) != rampart.EINVALID {
			t.Errorf("cursor %+v: %v, want EINVALID", bad, err)
		}
	}
}

// FuzzParseText checks that no text makes the parser panic, that every
// error is an EINVALID *rampart.Error, and that what it accepts is made
// of words the indexes can hold and values that name themselves again.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"", "APT29", `cozy "bear cub"* apt-29`, "198.51.100.7 evil[.]example.com",
		"http://x.example/a?b bob@example.org D41D8CD98F00B204E9800998ECF8427E", `"unclosed`, "*", "a**", "\"\"*", "T1059.001 2001:db8::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		phrases, keys, err := ParseText(text)
		if err != nil {
			var e *rampart.Error
			if !errors.As(err, &e) || e.Code != rampart.EINVALID || e.Message == "" {
				t.Fatalf("ParseText(%q): %v, want an EINVALID *rampart.Error", text, err)
			}
			return
		}
		for _, p := range phrases {
			if len(p.Words) == 0 {
				t.Fatalf("ParseText(%q): an empty phrase", text)
			}
			for _, w := range p.Words {
				if w == "" || len(w) > MaxTokenBytes || !utf8.ValidString(w) || strings.ContainsFunc(w, func(r rune) bool { return !isWordRune(r) }) {
					t.Fatalf("ParseText(%q): word %q", text, w)
				}
				if got := Words(nil, w); len(got) != 1 || got[0] != w {
					t.Fatalf("ParseText(%q): word %q is %q as text", text, w, got)
				}
			}
		}
		for _, k := range keys {
			v := value{Key: k, Domain: strings.HasPrefix(k, keyDomain)}
			again, ok := parseValue(v.String())
			if !ok || again.Key != k {
				t.Fatalf("ParseText(%q): value %q (%q) parses again to %q", text, k, v.String(), again.Key)
			}
		}
		for _, d := range []*Dialect{SQLite, PostgreSQL} {
			if q := d.textQuery(phrases, tierOther); len(phrases) > 0 && strings.Count(q, `"`)%2 != 0 {
				t.Fatalf("ParseText(%q): unbalanced quotes in %s", text, q)
			}
		}
	})
}
