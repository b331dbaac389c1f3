package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// Entry is one value of an indicator, as blocklists carry it.
type Entry struct {
	Kind  Kind
	Value string // canonical: see ReadIndicator
}

// Indicator is what the exports need of one STIX indicator.
type Indicator struct {
	ID   string
	Name string
	// Confidence is the indicator's confidence (0–100), -1 when it has
	// none.
	Confidence int
	// TLP is the strictest TLP level marking the indicator
	// (stix.StrictestTLP), stix.TLPUnmarked when none does.
	TLP      stix.TLP
	Markings []string // object_marking_refs
	Producer string   // created_by_ref, "" when absent
	Revoked  bool
	Modified time.Time
	// ValidFrom and ValidUntil bound when the indicator holds; ValidUntil
	// is zero when it has no end.
	ValidFrom, ValidUntil time.Time
	// Entries are the values its pattern names, in the pattern's order,
	// without repeats. Empty when Skip is set.
	Entries []Entry
	// Skip, when not empty, is why the pattern gives no blocklist entry
	// ("LIKE comparison", "AND across observations", …): a short reason,
	// the same for every indicator skipped for it, which Set.Skipped
	// counts. SkipDetail adds the value or path at fault.
	Skip       string
	SkipDetail string
	// Raw is the indicator's STIX JSON, for the STIX format.
	Raw []byte
	// Score is the indicator's lifecycle score (0–100), -1 when the
	// export was not scored (Filter.Score).
	Score float64
}

// ReadIndicator reads what the exports need of a STIX indicator. It
// returns an error only when o is not an indicator or its JSON does not
// decode as one; a pattern that gives no entry sets Skip instead.
//
// Values are canonical: addresses as net/netip prints them, prefixes
// masked (10.0.0.0/8; a full-length prefix is an address), domains in
// lowercase without a final dot, hashes in lowercase hex, URLs and e-mail
// addresses with a lowercase host.
func ReadIndicator(o *stix.Object) (*Indicator, error) {
	if o.Type != "indicator" {
		return nil, fmt.Errorf("%s: not an indicator", o.ID)
	}
	// Only the members the exports use: decoding the whole typed
	// indicator costs twice as much.
	var si struct {
		Name        string         `json:"name"`
		Confidence  *int           `json:"confidence"`
		Pattern     string         `json:"pattern"`
		PatternType string         `json:"pattern_type"`
		ValidFrom   stix.Timestamp `json:"valid_from"`
		ValidUntil  stix.Timestamp `json:"valid_until"`
	}
	if err := o.Decode(&si); err != nil {
		return nil, fmt.Errorf("%s: %v", o.ID, err)
	}
	in := &Indicator{
		ID: o.ID, Name: si.Name, Confidence: -1, Score: -1, TLP: stix.StrictestTLP(o),
		Markings: o.ObjectMarkingRefs, Producer: o.CreatedByRef, Revoked: o.Revoked,
		Modified: o.Modified.Time(), ValidFrom: si.ValidFrom.Time(), ValidUntil: si.ValidUntil.Time(),
		Raw: o.Raw,
	}
	if si.Confidence != nil {
		in.Confidence = *si.Confidence
	}
	if si.PatternType != "stix" {
		in.Skip, in.SkipDetail = "pattern type not stix", si.PatternType
		return in, nil
	}
	p, err := pattern.Parse(si.Pattern)
	if err != nil {
		in.Skip, in.SkipDetail = "invalid pattern", err.Error()
		return in, nil
	}
	es, sk := observationEntries(p.Expr)
	if sk != nil {
		in.Skip, in.SkipDetail = sk.reason, sk.detail
		return in, nil
	}
	seen := map[Entry]bool{}
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			in.Entries = append(in.Entries, e)
		}
	}
	return in, nil
}

// skip is why a part of a pattern gives no entry.
type skip struct{ reason, detail string }

func skipf(reason, format string, args ...any) *skip {
	return &skip{reason, fmt.Sprintf(format, args...)}
}

// observationEntries returns the entries of an observation expression:
// those of each side of OR; AND and FOLLOWEDBY need several observations,
// which a blocklist cannot ask for.
func observationEntries(x pattern.ObservationExpr) ([]Entry, *skip) {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return comparisonEntries(x.Expr)
	case *pattern.ObservationParen:
		return observationEntries(x.X)
	case *pattern.ObservationBinary:
		switch x.Op {
		case pattern.ObsAnd:
			return nil, skipf("AND across observations", "at %s", x.OpPos)
		case pattern.ObsFollowedBy:
			return nil, skipf("FOLLOWEDBY", "at %s", x.OpPos)
		}
		l, sk := observationEntries(x.Left)
		if sk != nil {
			return nil, sk
		}
		r, sk := observationEntries(x.Right)
		if sk != nil {
			return nil, sk
		}
		return append(l, r...), nil
	case *pattern.Qualified:
		switch q := x.Qualifier.(type) {
		case *pattern.Repeats:
			return nil, skipf("REPEATS qualifier", "REPEATS %d TIMES", q.Count)
		case *pattern.StartStop:
			return nil, skipf("START STOP qualifier", "at %s", q.At)
		}
		// WITHIN bounds the time between observations; with AND and
		// FOLLOWEDBY refused, it asks nothing more of one observation.
		return observationEntries(x.X)
	}
	return nil, skipf("unknown expression", "%T", x)
}

// comparisonEntries returns the entries of the inside of an observation.
// OR gives those of both sides. AND gives entries only when its other
// conditions add nothing a blocklist would miss: the type of the object a
// reference points to (implied by its value), or a file's other
// properties beside one of its hashes (the hash names the content).
func comparisonEntries(x pattern.ComparisonExpr) ([]Entry, *skip) {
	switch x := x.(type) {
	case *pattern.ComparisonParen:
		return comparisonEntries(x.X)
	case *pattern.Comparison:
		return valueEntries(x)
	case *pattern.ComparisonBinary:
		if !x.And {
			l, sk := comparisonEntries(x.Left)
			if sk != nil {
				return nil, sk
			}
			r, sk := comparisonEntries(x.Right)
			if sk != nil {
				return nil, sk
			}
			return append(l, r...), nil
		}
		return conjunctionEntries(conjuncts(x, nil))
	}
	return nil, skipf("unknown expression", "%T", x)
}

// conjuncts flattens nested ANDs (and parentheses around them).
func conjuncts(x pattern.ComparisonExpr, out []pattern.ComparisonExpr) []pattern.ComparisonExpr {
	switch y := x.(type) {
	case *pattern.ComparisonParen:
		if b, ok := y.X.(*pattern.ComparisonBinary); ok && b.And {
			return conjuncts(b, out)
		}
	case *pattern.ComparisonBinary:
		if y.And {
			return conjuncts(y.Right, conjuncts(y.Left, out))
		}
	}
	return append(out, x)
}

func conjunctionEntries(parts []pattern.ComparisonExpr) ([]Entry, *skip) {
	var (
		groups  [][]Entry
		other   []*pattern.Comparison
		firstSk *skip
	)
	for _, p := range parts {
		if c, ok := p.(*pattern.Comparison); ok && isRefType(c) {
			continue
		}
		es, sk := comparisonEntries(p)
		if sk == nil {
			groups = append(groups, es)
			continue
		}
		c, ok := p.(*pattern.Comparison)
		if !ok {
			return nil, sk
		}
		other = append(other, c)
		if firstSk == nil {
			firstSk = sk
		}
	}
	if len(groups) == 0 {
		return nil, firstSk
	}
	hashes := true
	var all []Entry
	for _, g := range groups {
		for _, e := range g {
			hashes = hashes && e.Kind.IsHash()
		}
		all = append(all, g...)
	}
	switch {
	case hashes:
		// Hashes of one file, beside its name or size: the hash decides.
		for _, c := range other {
			if c.Path.Type != "file" && c.Path.Type != "artifact" {
				return nil, skipf("AND with another condition", "%s", c.Path)
			}
		}
		return all, nil
	case len(groups) > 1:
		return nil, skipf("AND of several values", "at %s", parts[1].Pos())
	case len(other) > 0:
		return nil, skipf("AND with another condition", "%s", other[0].Path)
	}
	return all, nil
}

// isRefType reports a comparison of the type of the object a reference
// points to (network-traffic:dst_ref.type = 'ipv4-addr'), which the value
// compared beside it implies.
func isRefType(c *pattern.Comparison) bool {
	n := len(c.Path.Steps)
	return !c.Not && c.Op == pattern.OpEQ && n >= 2 && c.Path.Steps[n-1].Kind == pattern.StepKey &&
		c.Path.Steps[n-1].Key == "type" && strings.HasSuffix(c.Path.Steps[n-2].Key, "_ref")
}

// valueEntries returns the entries of one comparison.
func valueEntries(c *pattern.Comparison) ([]Entry, *skip) {
	if c.Not {
		return nil, skipf("negated comparison", "%s", c)
	}
	kind := pathKind(c.Path)
	if kind == pathNone {
		return nil, skipf("no value kind for this property", "%s", c.Path)
	}
	var lits []*pattern.Literal
	switch c.Op {
	case pattern.OpEQ, pattern.OpIsSubset:
		lits = []*pattern.Literal{c.Value.(*pattern.Literal)}
	case pattern.OpIn:
		lits = c.Value.(*pattern.SetLiteral).Values
	case pattern.OpLike:
		l := c.Value.(*pattern.Literal)
		if strings.ContainsAny(l.Str, "%_") {
			return nil, skipf("LIKE comparison", "%s", c)
		}
		lits = []*pattern.Literal{l}
	case pattern.OpMatches:
		return nil, skipf("MATCHES comparison", "%s", c)
	default:
		return nil, skipf(c.Op.String()+" comparison", "%s", c)
	}
	if c.Op == pattern.OpIsSubset && kind != pathIP {
		return nil, skipf("ISSUBSET on a value that is not an address", "%s", c.Path)
	}
	var out []Entry
	for _, l := range lits {
		if l.Kind != pattern.LitString {
			return nil, skipf("value not a string", "%s", c.Path)
		}
		e, err := entryOf(kind, c.Path, l.Str)
		if err != nil {
			return nil, skipf("invalid value", "%s %q: %v", c.Path, l.Str, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// pathKinds are what an object path holds.
type pathKindT uint8

const (
	pathNone pathKindT = iota
	pathIP
	pathDomain
	pathURL
	pathHash
	pathEmail
)

// pathKind tells what values an object path holds.
func pathKind(p *pattern.ObjectPath) pathKindT {
	keys := make([]string, 0, len(p.Steps))
	for _, st := range p.Steps {
		switch st.Kind {
		case pattern.StepKey:
			keys = append(keys, st.Key)
		default:
			keys = append(keys, "[]")
		}
	}
	path := strings.Join(keys, ".")
	switch p.Type {
	case "ipv4-addr", "ipv6-addr":
		if path == "value" {
			return pathIP
		}
	case "network-traffic":
		if path == "src_ref.value" || path == "dst_ref.value" {
			return pathIP
		}
	case "domain-name":
		if path == "value" {
			return pathDomain
		}
	case "url":
		if path == "value" {
			return pathURL
		}
	case "file", "artifact":
		if len(keys) == 2 && keys[0] == "hashes" && hashKind(keys[1]) != 0 {
			return pathHash
		}
	case "email-addr":
		if path == "value" {
			return pathEmail
		}
	case "email-message":
		switch path {
		case "from_ref.value", "sender_ref.value", "to_refs.[].value", "cc_refs.[].value", "bcc_refs.[].value":
			return pathEmail
		}
	}
	return pathNone
}

// hashKind returns the kind of a hashes key ("SHA-256", "sha256"), 0 for
// others.
func hashKind(key string) Kind {
	switch strings.ToUpper(strings.ReplaceAll(key, "-", "")) {
	case "MD5":
		return KindMD5
	case "SHA1":
		return KindSHA1
	case "SHA256":
		return KindSHA256
	}
	return 0
}

// entryOf checks a value of a path and returns it as an entry.
func entryOf(k pathKindT, p *pattern.ObjectPath, v string) (Entry, error) {
	switch k {
	case pathIP:
		return ipEntry(p.Type, v)
	case pathDomain:
		d, err := CheckDomain(v)
		return Entry{KindDomain, d}, err
	case pathURL:
		u, err := CheckURL(v)
		return Entry{KindURL, u}, err
	case pathHash:
		kind := hashKind(p.Steps[1].Key)
		h, err := checkHash(kind, v)
		return Entry{kind, h}, err
	case pathEmail:
		e, err := CheckEmail(v)
		return Entry{KindEmail, e}, err
	}
	return Entry{}, fmt.Errorf("no value kind")
}
