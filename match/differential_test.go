package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// The indexes only narrow: an indicator they leave out could not have
// matched. These tests hold a matcher with its indexes to one that
// evaluates every indicator on every record, over random indicators of
// every shape (=, IN, LIKE, MATCHES, ISSUBSET, AND, OR, FOLLOWEDBY,
// REPEATS, WITHIN, START/STOP) and random streams whose values are drawn
// from the same few pieces, so that hits are frequent.

// pieces make up the values and the literals of the patterns.
var pieces = []string{"evil", "EVIL", "gate", ".php", "/x/", "bad", "ex", "ample", "k", "\u212ait", "ſs", "caf\u00e9", "cafe\u0301", "00", "ab"}

func randPiece(r *rand.Rand) string { return pieces[r.IntN(len(pieces))] }

func randText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range 1 + r.IntN(n) {
		b.WriteString(randPiece(r))
	}
	return b.String()
}

// quote writes s as a STIX pattern string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

var diffPaths = []string{"url:value", "domain-name:value", "file:name"}

// randComparison returns a comparison of one of the shapes the indexes
// know, or of one they do not.
func randComparison(r *rand.Rand) string {
	path := diffPaths[r.IntN(len(diffPaths))]
	switch r.IntN(10) {
	case 0:
		return path + " = " + quote(randText(r, 3))
	case 1:
		return path + " IN (" + quote(randText(r, 2)) + ", " + quote(randText(r, 2)) + ")"
	case 2, 3:
		// LIKE with wildcards around and between pieces.
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString([]string{"%", "_", "", "%"}[r.IntN(4)])
			b.WriteString(randPiece(r))
		}
		b.WriteString([]string{"%", "_", ""}[r.IntN(3)])
		return path + " LIKE " + quote(b.String())
	case 4:
		return "domain-name:value LIKE " + quote("%."+randText(r, 2))
	case 5, 6:
		// MATCHES with literals, alternations, classes, repeats and flags.
		var b strings.Builder
		if r.IntN(3) == 0 {
			b.WriteString("(?i)")
		}
		for range 1 + r.IntN(3) {
			switch r.IntN(5) {
			case 0:
				b.WriteString("(" + regexpQuote(randPiece(r)) + "|" + regexpQuote(randPiece(r)) + ")")
			case 1:
				b.WriteString("[a-z]+")
			case 2:
				b.WriteString("(" + regexpQuote(randPiece(r)) + ")?")
			default:
				b.WriteString(regexpQuote(randPiece(r)))
			}
		}
		return path + " MATCHES " + quote(b.String())
	case 8:
		if r.IntN(2) == 0 {
			return "file:hashes.MD5 = " + quote(randHash(r))
		}
		if r.IntN(2) == 0 {
			return "file:hashes.MD5 LIKE " + quote(randHash(r))
		}
		return "file:hashes.MD5 LIKE " + quote(randHash(r)[:4+r.IntN(2)]+"%")
	case 7:
		return "ipv4-addr:value ISSUBSET '198.51.100.0/" + fmt.Sprint(24+r.IntN(9)) + "'"
	}
	return "NOT " + path + " LIKE " + quote("%"+randPiece(r)+"%")
}

// randHash returns one of a few MD5 hashes, its letters in either case.
func randHash(r *rand.Rand) string {
	b := []byte([]string{"cead3f77f6cda6ec00f57d76c9a6879f", "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661"}[r.IntN(3)])
	for i, c := range b {
		if c >= 'a' && r.IntN(2) == 0 {
			b[i] = c - 32
		}
	}
	return string(b)
}

func regexpQuote(s string) string {
	return strings.NewReplacer(".", `\.`, "/", "/").Replace(s)
}

func randExpression(r *rand.Rand) string {
	x := randComparison(r)
	switch r.IntN(4) {
	case 0:
		x += " AND " + randComparison(r)
	case 1:
		x += " OR " + randComparison(r)
	}
	return "[" + x + "]"
}

// randPattern returns a pattern of one or several observations.
func randPattern(r *rand.Rand) string {
	switch r.IntN(7) {
	case 0:
		return randExpression(r) + " FOLLOWEDBY " + randExpression(r)
	case 1:
		return randExpression(r) + " AND " + randExpression(r)
	case 2:
		return randExpression(r) + " REPEATS 2 TIMES"
	case 3:
		return "(" + randExpression(r) + " OR " + randExpression(r) + ") WITHIN 5 SECONDS"
	case 4:
		return randExpression(r) + " START t'2026-03-01T10:00:02Z' STOP t'2026-03-01T10:00:20Z'"
	}
	return randExpression(r)
}

func randRecord(r *rand.Rand, i int) string {
	var fields []string
	for _, p := range diffPaths {
		if r.IntN(3) > 0 {
			fields = append(fields, fmt.Sprintf("%q:%q", p, randText(r, 4)))
		}
	}
	if r.IntN(2) == 0 {
		fields = append(fields, fmt.Sprintf(`"ipv4-addr:value":"198.51.100.%d"`, r.IntN(256)))
	}
	if r.IntN(2) == 0 {
		fields = append(fields, fmt.Sprintf(`"file:hashes.md5":%q`, randHash(r)))
	}
	return fmt.Sprintf(`{"ts":"2026-03-01T10:00:%02dZ",%s}`, i%60, strings.Join(fields, ","))
}

// differ runs one random case and reports where the matchers differ.
func differ(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	var objs []*stix.Object
	var srcs []string
	for i := range 12 {
		src := randPattern(r)
		if _, err := pattern.Compile(src); err != nil {
			continue // a random expression RE2 or the checker refuses
		}
		objs = append(objs, indicator(t, i+1, src, ""))
		srcs = append(srcs, fmt.Sprintf("%02d %s", i+1, src))
	}
	indexed, reference := New(), New()
	reference.unindexed = true
	if err := indexed.AddObjects(objs); err != nil {
		t.Fatal(err)
	}
	if err := reference.AddObjects(objs); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 40 {
		lines = append(lines, randRecord(r, i))
	}
	got, want := sorted(collect(t, indexed, lines...)), sorted(collect(t, reference, lines...))
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("seed %d, record %d %s: indexed matcher hit %q, evaluation of every indicator %q\npatterns:\n%s",
					seed, i, lines[i], got[i], want[i], strings.Join(srcs, "\n"))
			}
		}
	}
}

func TestIndexAgreesWithEvaluation(t *testing.T) {
	for seed := range uint64(300) {
		differ(t, seed)
	}
}

// FuzzIndexAgreesWithEvaluation is the differential test over seeds the
// fuzzer chooses.
func FuzzIndexAgreesWithEvaluation(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { differ(t, seed) })
}

// sorted sorts the hits of each record: the order of the hits of one
// record does not matter.
func sorted(hits []string) []string {
	for i, h := range hits {
		ids := strings.Split(h, ",")
		slices.Sort(ids)
		hits[i] = strings.Join(ids, ",")
	}
	return hits
}
