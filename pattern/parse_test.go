package pattern

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"file:size = 1280", "pattern:1:1: expected '[' or '(' to begin an observation expression, found identifier \"file\""},
		{"[file:size = ]", "pattern:1:14: expected a literal value after '=', found ']'"},
		{"[file:name = 'a'", "pattern:1:17: expected ']' to close the observation expression opened at 1:1, found the end of the pattern"},
		{"[file:name = 'a' AND\n  file:size > 4", "pattern:2:16: expected ']' to close the observation expression opened at 1:1"},
		{"[file:name = 'a", "pattern:1:16: string opened at 1:14 is not closed"},
		{"([file:name = 'a'] AND [x:y = 1]", "pattern:1:33: expected ')' to close the parenthesis opened at 1:1"},
		{"[x:y IN ('a', 'b'", "pattern:1:18: expected ',' or ')' to close the set opened at 1:9"},
		{"[x:y[0 = 1]", "pattern:1:8: expected ']' to close the list index opened at 1:5"},
		{"[file.size = 1280]", "pattern:1:6: expected ':' between the object type \"file\" and its first property"},
		{"[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", "pattern:1:20: expected a literal value after '=', found identifier"},
		{"[file:name MATCHES /.*\\.dll/]", "pattern:1:20: unexpected character '/'"},
		{"[x:y = 1] WITHIN ]", "pattern:1:18: expected a positive number of seconds after WITHIN, found ']'"},
		{"[x:y = 1] WITHIN 5 HOURS", "pattern:1:20: expected SECONDS after the WITHIN count"},
		{"[x:y = 1] WITHIN -5 SECONDS", "pattern:1:18: expected a positive number of seconds after WITHIN, found integer -5"},
		{"[x:y ISSUBSET ]", "pattern:1:15: expected a string after ISSUBSET"},
		{"[x:y =? 'a']", "pattern:1:7: unexpected character '?'"},
		{"[x:y = t'2457-73-22T32:81:84.1Z']", "pattern:1:8: timestamp literal t'2457-73-22T32:81:84.1Z': month 73 is out of range"},
		{"[x:y = t'2024-01-15T12:30:45']", "is not of the form YYYY-MM-DDTHH:MM:SS[.s+]Z"},
		{"[x:y = b'====']", "pattern:1:8: binary literal b'====': misplaced '=' padding"},
		{"[x:y = h'abc']", "odd number of digits"},
		{"[foo:bar=1] within 2 seconds", "pattern:1:13: expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern, found identifier \"within\""},
		{"[x:needs-quotes = 1]", "pattern:1:4: property name \"needs-quotes\" contains '-' and must be quoted"},
		{"[x:y > true]", "pattern:1:8: '>' cannot compare with a boolean"},
		{"[x:y = null]", "pattern:1:8: expected a literal value after '=', found identifier \"null\""},
		{"[x:y = 'a\\q']", "pattern:1:10: invalid escape in string"},
		{"[x:y = 007]", "leading zeros are not allowed"},
		{"[x:y = 99999999999999999999]", "out of the 64-bit range"},
		{"[x:y = 1] REPEATS 2", "expected TIMES after the REPEATS count"},
		{"[x:y = 1] START t'2016-01-01T00:00:00Z'", "expected STOP after the START timestamp"},
		{"[x:AND = 1]", "pattern:1:4: expected the first property, found keyword AND (quote it: 'AND')"},
		{"/* open", "comment opened at 1:1 is not closed"},
		{"[x:y NOT 1]", "expected a comparison operator after NOT"},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %T, want *Error", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestErrorSnippet(t *testing.T) {
	_, err := Parse("[file:name = 'a'\n AND file:size = ]")
	want := "pattern:2:18: expected a literal value after '=', found ']'\n     AND file:size = ]\n                     ^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	// A long line is cut around the column, and the caret still points at
	// the offending character.
	long := "[x:y = '" + strings.Repeat("a", 200) + "' AND x:z = ]"
	_, err = Parse(long)
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %q", err)
	}
	caret := strings.Index(lines[2], "^")
	if caret < 0 || caret >= len(lines[1]) || lines[1][caret] != ']' {
		t.Errorf("caret at %d does not point at ']':\n%s\n%s", caret, lines[1], lines[2])
	}
}

func TestCheckErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[file:hashes.'SHA-256' = 'f00']", "pattern:1:26: 'f00' is not a valid SHA-256 hash"},
		{"[file:hashes.MD5 IN ('0123', 'x')]", "is not a valid MD5 hash"},
		{"[x:y = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", "pattern:1:28: duplicate WITHIN qualifier on one observation expression"},
		{"([x:y = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", "duplicate REPEATS qualifier"},
		{"[x:y = 1] WITHIN 0 SECONDS", "WITHIN needs a positive number of seconds (got 0)"},
		{"[x:y = 1] REPEATS 0 TIMES", "REPEATS needs a count of at least 1 (got 0)"},
		{"[x:y = 1] REPEATS 1001 TIMES", "exceeds MaxRepeats"},
		{"[x:y IN (1, true)]", "pattern:1:13: set of IN mixes integer and boolean values"},
		{"[x:y MATCHES '(a)\\\\1']", "backreference (\\1)"},
		{"[x:y MATCHES '(?<=a)b']", "lookbehind ((?<=)"},
		{"[x:y MATCHES '(?!a)b']", "lookahead ((?!)"},
		{"[x:y MATCHES '(?>a)']", "atomic group"},
		{"[x:y MATCHES 'a++']", "possessive quantifier (++)"},
		{"[x:y MATCHES '(a']", "invalid regular expression: missing closing )"},
		{"[x:y MATCHES '((a{100}){100}){100}']", "too large for RE2"},
		{"[x:y MATCHES '" + strings.Repeat("[a-z]{1000}", 25) + "']", "more than MaxRegexInsts"},
		{"[x:y ISSUBSET '10.0.0.0/33']", "ISSUBSET needs an IP address or CIDR block"},
	} {
		_, err := Compile(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
	_, err := Compile("[x:y MATCHES '((a{100}){100}){100}']")
	if !errors.Is(err, ErrTooCostly) {
		t.Errorf("costly regex: errors.Is(ErrTooCostly) = false for %v", err)
	}
}

func TestWarnings(t *testing.T) {
	p, err := Compile("[emailaddr:value = 'a'] AND [file:file_name = 'b'] AND [x-custom:y = 1] AND [file:x_size = 1] AND [file:ctime = t'2024-02-30T00:00:00Z'] AND [emailaddr:x = 1]")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Short())
	}
	want := []string{
		`pattern:1:2: object type "emailaddr" is not a STIX 2.1 cyber-observable type (custom types should begin with x-)`,
		`pattern:1:30: file has no property "file_name" in STIX 2.1 (custom properties should begin with x_)`,
		`pattern:1:113: timestamp t'2024-02-30T00:00:00Z' is not a calendar date; it is read as 2024-03-01T00:00:00Z`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[file:size == +5]", "[file:size = 5]"},
		{"[ file:name<>'a' ]", "[file:name != 'a']"},
		{"[x:y = 'it\\'s \\\\ here']", `[x:y = 'it\'s \\ here']`},
		{"[x:'a b'.\"c\" = 1]", ""},
		{"[x:'a b'.c[*].'d-e'[-1].'AND' NOT IN ( 1 , 2.50, -.5 )]", "[x:'a b'.c[*].'d-e'[-1].'AND' NOT IN (1, 2.5, -0.5)]"},
		{"[x:y = h'0A0b'] OR [x:y = b'AQID'] FOLLOWEDBY ([x:y = true])", "[x:y = h'0a0b'] OR [x:y = b'AQID'] FOLLOWEDBY ([x:y = true])"},
		{"[x:y = 1] WITHIN .5 SECONDS REPEATS +2 TIMES", "[x:y = 1] WITHIN 0.5 SECONDS REPEATS 2 TIMES"},
		{"[x:y = 1] START t'2016-01-01T00:00:00.000Z' STOP t'2016-01-01T00:00:01Z'", "[x:y = 1] START t'2016-01-01T00:00:00.000Z' STOP t'2016-01-01T00:00:01Z'"},
		{"[x:y=1]/* c */AND//line\n[EXISTS x:z]", "[x:y = 1] AND [EXISTS x:z]"},
		{"[(a:b = 1 OR a:c = 2) AND a:d = 3]", "[(a:b = 1 OR a:c = 2) AND a:d = 3]"},
		{"[x:y = 12.0]", "[x:y = 12.0]"},
		{"[x:y MATCHES'^a$']", "[x:y MATCHES '^a$']"},
	} {
		p, err := Parse(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %s, want an error", tc.in, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
		assertRoundTrip(t, p)
	}
}

// treeOpts compares syntax trees ignoring positions and prepared state.
var treeOpts = cmp.Options{
	cmpopts.IgnoreUnexported(Pattern{}, Comparison{}),
	cmpopts.IgnoreTypes(Pos{}),
	cmpopts.IgnoreFields(Pattern{}, "Source", "Warnings"),
	cmpopts.EquateEmpty(),
}

// assertRoundTrip checks that the canonical text parses to the same tree
// and prints identically.
func assertRoundTrip(t testing.TB, p *Pattern) {
	t.Helper()
	s := p.String()
	q, err := Parse(s)
	if err != nil {
		t.Fatalf("canonical form %q does not parse: %v (from %q)", s, err, p.Source)
	}
	if diff := cmp.Diff(p, q, treeOpts); diff != "" {
		t.Errorf("%q reparsed from %q differs (-orig +reparsed):\n%s", s, p.Source, diff)
	}
	if q.String() != s {
		t.Errorf("canonical form not stable: %q then %q", s, q.String())
	}
}

func TestRoundTripVectors(t *testing.T) {
	var patterns []string
	for _, v := range loadVectors[matcherVector](t, "matcher-vectors.json") {
		patterns = append(patterns, v.Pattern)
	}
	for _, v := range loadVectors[validatorVector](t, "validator-vectors.json") {
		patterns = append(patterns, v.Pattern)
	}
	n := 0
	for _, s := range patterns {
		if p, err := Parse(s); err == nil {
			assertRoundTrip(t, p)
			n++
		}
	}
	if n < 400 {
		t.Errorf("only %d patterns parsed", n)
	}
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"bytes", "[x:y = '" + strings.Repeat("a", MaxPatternBytes) + "']", ErrTooLarge},
		{"depth", strings.Repeat("(", MaxDepth+1) + "[x:y = 1]" + strings.Repeat(")", MaxDepth+1), ErrTooDeep},
		{"comparison depth", "[" + strings.Repeat("(", MaxDepth) + "x:y = 1" + strings.Repeat(")", MaxDepth) + "]", ErrTooDeep},
		{"nodes", "[x:y IN (" + strings.Repeat("1, ", MaxNodes) + "1)]", ErrTooManyNodes},
		{"observations", strings.Repeat("[x:y = 1] OR ", MaxNodes/2) + "[x:y = 1]", ErrTooManyNodes},
	} {
		_, err := Parse(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, shortErr(err), tc.want)
		}
	}
	// At the limits, patterns parse.
	ok := strings.Repeat("(", MaxDepth-1) + "[x:y = 1]" + strings.Repeat(")", MaxDepth-1)
	if _, err := Parse(ok); err != nil {
		t.Errorf("depth %d: %v", MaxDepth-1, err)
	}
}

func shortErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
