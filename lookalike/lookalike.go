// Package lookalike finds the domain names that imitate protected ones: a
// ministry's, a bank's, a national e-ID portal's. Phishing and fraud
// register names that read like the real one to a hurried eye, and a CSIRT
// wants to know of them as soon as one shows up in a log, a feed or a
// partner's intelligence. A Finder compiled from the protected domains and
// brands tells, for any name, which of them it imitates and how:
//
//   - homoglyphs: characters that look alike (Cyrillic "а" for Latin "a",
//     "0" for "o", "rn" for "m"), compared by their skeletons as Unicode
//     TR 39 defines them (confusables of Unicode 13), internationalised
//     names (xn--) read in Unicode first; a label that mixes scripts is
//     said so;
//   - typos: one character added, left out or changed, or two side by
//     side swapped (Damerau-Levenshtein distance 1), after the homoglyphs
//     are read;
//   - added words: the name inside a longer label (secure-acmebank-login);
//   - other suffixes: the same name under another top-level domain
//     (acmebank.com for acmebank.fr).
//
// The protected names themselves and their subdomains are not look-alikes.
// Checking a name costs a few hash look-ups and one pass of an automaton,
// whatever the number of protected names.
package lookalike

import (
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/net/idna"

	"github.com/rampart-cti/rampart/internal/ahocorasick"
)

// MinLabel is the shortest protected label checked for typos and added
// words: shorter ones would match too many names.
const MinLabel = 4

// Match is a protected name a domain imitates, and how.
type Match struct {
	Protected string // the protected domain or brand
	Reason    string
}

// protected is one protected name, compiled.
type protected struct {
	name   string // as given
	label  string // the label that carries the name (acmebank)
	skel   string // its skeleton
	suffix string // what follows it in a domain (fr, gouv.fr); "" for a brand
	domain bool
}

// Finder is compiled from protected names; it is immutable and safe for
// concurrent use.
type Finder struct {
	prot []protected
	// domains holds the protected domains, which with their subdomains
	// are no look-alikes.
	domains map[string]bool
	// bySkel maps a skeleton to the protected names that have it;
	// byDeletion maps each skeleton with one character left out.
	bySkel     map[string][]int32
	byDeletion map[string][]int32
	// words finds the skeletons of long enough protected labels inside a
	// label; wordOf maps its hits to protected names.
	words  *ahocorasick.Automaton
	wordOf []int32
}

// New compiles protected domains (acmebank.fr, impots.gouv.fr) and brands
// (acmebank). Names that are not domain names or words are left out.
func New(domains, brands []string) *Finder {
	f := &Finder{domains: map[string]bool{}, bySkel: map[string][]int32{}, byDeletion: map[string][]int32{}}
	add := func(p protected) {
		if p.label == "" {
			return
		}
		p.skel = skeleton(p.label)
		i := int32(len(f.prot))
		f.prot = append(f.prot, p)
		f.bySkel[p.skel] = append(f.bySkel[p.skel], i)
		if len(p.skel) >= MinLabel {
			for _, d := range deletions(p.skel) {
				f.byDeletion[d] = append(f.byDeletion[d], i)
			}
		}
	}
	for _, d := range domains {
		host := hostForm(d)
		label, suffix := split(host)
		add(protected{name: host, label: label, suffix: suffix, domain: true})
		f.domains[host] = true
	}
	for _, b := range brands {
		add(protected{name: strings.ToLower(b), label: strings.ToLower(b)})
	}
	var words []string
	for i, p := range f.prot {
		if len(p.skel) >= MinLabel {
			words = append(words, p.skel)
			f.wordOf = append(f.wordOf, int32(i))
		}
	}
	f.words = ahocorasick.New(words)
	return f
}

// Len returns the number of protected names.
func (f *Finder) Len() int { return len(f.prot) }

// Check returns the protected names host imitates, each once, with the
// reason. host may be an internationalised name in Unicode or in
// xn-- form; it is compared whatever its case.
func (f *Finder) Check(host string) []Match {
	host = hostForm(host)
	if host == "" || len(f.prot) == 0 {
		return nil
	}
	for d := host; d != ""; {
		if f.domains[d] {
			return nil // the real thing, or under it
		}
		_, d, _ = strings.Cut(d, ".")
	}
	label, suffix := split(host)
	if label == "" {
		return nil
	}
	sk := skeleton(label)
	var out []Match
	seen := map[int32]bool{}
	report := func(i int32, reason string) {
		if !seen[i] {
			seen[i] = true
			out = append(out, Match{Protected: f.prot[i].name, Reason: reason})
		}
	}
	mixed := mixedScripts(label)
	for _, i := range f.bySkel[sk] {
		p := f.prot[i]
		switch {
		case label != p.label && mixed:
			report(i, "homoglyphs: "+label+" mixes scripts to read as "+p.label)
		case label != p.label:
			report(i, "homoglyphs: "+label+" reads as "+p.label)
		case p.domain && suffix != p.suffix:
			report(i, "the same name under another suffix: ."+suffix+" for ."+p.suffix)
		case !p.domain:
			// A brand's own name as a domain label: the brand may own
			// it; the watchlist's brands say so without this package.
		}
	}
	if len(sk) >= MinLabel-1 {
		typo := func(i int32) {
			if seen[i] {
				return
			}
			p := f.prot[i]
			if distance(sk, p.skel, 1) == 1 {
				report(i, "typo: "+label+" is one character off "+p.label)
			}
		}
		for _, i := range f.byDeletion[sk] { // one added
			typo(i)
		}
		for _, d := range deletions(sk) {
			for _, i := range f.bySkel[d] { // one left out
				typo(i)
			}
			for _, i := range f.byDeletion[d] { // one changed or swapped
				typo(i)
			}
		}
	}
	var buf [8]int32
	for _, w := range f.words.Scan(sk, buf[:0]) {
		i := f.wordOf[w]
		if p := f.prot[i]; sk != p.skel {
			report(i, "added words: "+label+" holds "+p.label)
		}
	}
	return out
}

// hostForm returns a domain name in lower case, in Unicode when it was
// written in xn-- form, without a final dot; "" when it is no name.
func hostForm(s string) string {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if strings.Contains(s, "xn--") {
		if u, err := idna.ToUnicode(s); err == nil {
			s = u
		}
	}
	return s
}

// twoLevel are the second-level names under which registrations are made
// in many country domains (gouv.fr, co.uk, com.au): the label before them
// carries the name.
var twoLevel = map[string]bool{"co": true, "com": true, "gov": true, "gouv": true, "org": true, "net": true, "ac": true, "edu": true, "gv": true, "or": true, "ne": true, "go": true}

// split returns the label of a host that carries its name and what follows
// it: acmebank and fr for www.acmebank.fr, impots and gouv.fr for
// impots.gouv.fr.
func split(host string) (label, suffix string) {
	labels := strings.Split(host, ".")
	switch n := len(labels); {
	case n == 1:
		return labels[0], ""
	case n >= 3 && twoLevel[labels[n-2]] && len(labels[n-1]) == 2:
		return labels[n-3], labels[n-2] + "." + labels[n-1]
	default:
		return labels[n-2], labels[n-1]
	}
}

// skeleton returns the TR 39 skeleton of a label, in lower case, without
// the hyphens and dots that separate words.
func skeleton(label string) string {
	s := strings.ToLower(confusables.Skeleton(label))
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' {
			return -1
		}
		return r
	}, s)
}

// mixedScripts reports whether a label holds letters of more than one
// script.
func mixedScripts(label string) bool {
	var first *unicode.RangeTable
	for _, r := range label {
		if !unicode.IsLetter(r) {
			continue
		}
		var script *unicode.RangeTable
		for _, t := range []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Han, unicode.Arabic, unicode.Hebrew} {
			if unicode.Is(t, r) {
				script = t
				break
			}
		}
		if script == nil {
			continue
		}
		if first == nil {
			first = script
		} else if first != script {
			return true
		}
	}
	return false
}

// deletions returns s with each of its characters left out in turn.
func deletions(s string) []string {
	rs := []rune(s)
	out := make([]string, 0, len(rs))
	for i := range rs {
		out = append(out, string(slices.Concat(rs[:i], rs[i+1:])))
	}
	return out
}

// distance returns the Damerau-Levenshtein distance (optimal string
// alignment) of a and b, or limit+1 when it is more than limit.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(rb)] > limit {
		return limit + 1
	}
	return prev[len(rb)]
}
