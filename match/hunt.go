package match

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/pattern"
)

// A retro-hunt matches an indicator that arrived today against the values
// sensors reported before it: an address a CSIRT learns of on Tuesday that
// hit its sensors on Monday. What was reported is kept as values (Past),
// not whole records, so the hunt reads the values an indicator's anchors
// name (exact values, address blocks, domains and their subdomains),
// rebuilds an observation of each and lets the evaluator decide, as live
// matching does. Patterns that need several observations, or whose
// comparisons no index narrows (LIKE and MATCHES over a literal), or that
// compare two values of one record, are not hunted: HuntStats says so.

// Past holds the values sensors reported.
type Past interface {
	// PastValues returns the values that meet q, at most limit.
	PastValues(ctx context.Context, q PastQuery) ([]PastValue, error)
}

// PastQuery asks for the values at Path: Value exactly, the addresses in
// Prefix, or Domain and its subdomains, seen at or after Since.
type PastQuery struct {
	Path   string
	Value  string
	Prefix netip.Prefix
	Domain string
	Since  time.Time
}

// PastValue is one value one sensor reported, within an hour.
type PastValue struct {
	Path, Value, Sensor string
	First, Last         time.Time
	Count               int64
}

// HuntStats says what a hunt did.
type HuntStats struct {
	// Queries is the number of questions put to the past; Values the
	// values it answered with; Hits the values the indicator matched.
	Queries, Values, Hits int
	// Skipped says why the indicator could not be hunted, "" when it was.
	Skipped string
}

// Hunt matches ind against the values reported since since and calls hit
// for each value it matches, with the sensor that reported it and a Hit
// whose observation stands for the value's count, first and last time.
// An indicator no longer valid when a value was seen (valid_until) does
// not match it; valid_from is not read, since what an indicator says was
// often true before it was written.
func Hunt(ctx context.Context, ind *Indicator, past Past, since time.Time, hit func(sensor string, h Hit)) (HuntStats, error) {
	var st HuntStats
	switch {
	case ind.Revoked:
		st.Skipped = "revoked"
		return st, nil
	case maxObservations(ind.Pattern.Expr) > 1:
		st.Skipped = "the pattern needs several observations; the past keeps single values"
		return st, nil
	}
	anchors, ok := anchorsOf(ind.Pattern.Expr)
	if !ok {
		st.Skipped = "no comparison names a value, an address block or a domain to look for"
		return st, nil
	}
	var ks Keys
	seen := map[PastValue]bool{}
	for _, a := range anchors {
		q := PastQuery{Path: a.path, Since: since}
		switch a.kind {
		case anchorExact:
			q.Value = a.value
		case anchorCIDR:
			q.Prefix = a.prefix
		case anchorSuffix:
			q.Domain = a.value
		default:
			st.Skipped = "a LIKE or MATCHES comparison would need every value of the past read"
			return st, nil
		}
		st.Queries++
		vals, err := past.PastValues(ctx, q)
		if err != nil {
			return st, err
		}
		st.Values += len(vals)
		for _, v := range vals {
			if seen[v] {
				continue
			}
			seen[v] = true
			if !ind.ValidUntil.IsZero() && !v.First.Before(ind.ValidUntil) {
				continue
			}
			k, err := ks.Get(v.Path)
			if err != nil {
				continue // a path this version does not read
			}
			rec := Record{Time: v.First, Fields: []Field{scalarField(k, v.Value)}}
			obs := rec.Observation()
			obs.FirstObserved, obs.LastObserved, obs.NumberObserved = v.First, v.Last, int(min(v.Count, 1<<30))
			observed := []*pattern.Observation{obs}
			res, err := ind.Pattern.Evaluate(observed)
			if err != nil || !res.Matched {
				continue
			}
			st.Hits++
			hit(v.Sensor, Hit{Indicator: ind, Observations: observed, Time: v.First})
		}
	}
	return st, nil
}

// ArchivePaths returns the paths under which a value a record holds at
// key is kept for hunts: the key's own, and for a referenced object's
// value (network-traffic:dst_ref.value) the path of the object it is
// (ipv4-addr:value), as live matching looks it up.
func ArchivePaths(k *Key, value string) []string {
	paths := []string{k.Canon}
	if k.RefProp == "value" {
		var addr netip.Addr
		if looksLikeIP(value) {
			addr, _ = netip.ParseAddr(value)
		}
		if p := valueAlias(value, addr); p != "" && p != k.Canon {
			paths = append(paths, p)
		}
	}
	return paths
}

// ArchiveValue is a value as it is kept for hunts: hashes in lower case,
// as the indexes keep them.
func ArchiveValue(k *Key, value string) string {
	if k.Hash {
		return strings.ToLower(value)
	}
	return value
}
