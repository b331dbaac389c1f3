package export

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Filter chooses the indicators an export holds. Revoked indicators,
// those whose valid_until has passed and those whose valid_from has not
// come yet are always left out. The zero Filter
// keeps every other indicator, at the time Now gives.
type Filter struct {
	// Kinds keeps only entries of these kinds (all when empty), and only
	// indicators with at least one such entry.
	Kinds []Kind
	// MinConfidence, when above 0, keeps indicators whose confidence is
	// at least this; an indicator without a confidence does not reach
	// any minimum.
	MinConfidence int
	// Markings, when not empty, keeps indicators that carry one of these
	// markings: TLP levels (stix.ParseTLP: "amber", "TLP:CLEAR"), matched
	// against the strictest TLP of the indicator, or marking-definition
	// ids matched against its object_marking_refs.
	Markings []string
	// Producers, when not empty, keeps indicators created by one of these
	// identities (created_by_ref).
	Producers []string
	// MaxAge, when above 0, keeps indicators modified at most this long
	// before Now.
	MaxAge time.Duration
	// Now is the time of the export; time.Now when nil.
	Now func() time.Time
	// Score, when set, gives an indicator's lifecycle score (package
	// lifecycle) and whether it has decayed below the threshold; those
	// that have are left out ("decayed") unless IncludeDecayed. An
	// indicator Score fails on is kept, without a score.
	Score func(o *stix.Object) (score float64, decayed bool, err error)
	// IncludeDecayed keeps decayed indicators (with their score).
	IncludeDecayed bool
}

// CheckMarking reports an error when a Filter.Markings element is neither
// a TLP level nor a marking-definition id.
func CheckMarking(s string) error {
	if _, err := stix.ParseTLP(s); err == nil {
		return nil
	}
	if strings.HasPrefix(s, "marking-definition--") {
		return nil
	}
	return fmt.Errorf("%q is neither a TLP level (clear, green, amber, amber+strict, red) nor a marking-definition id", s)
}

// ParseAge reads an age for Filter.MaxAge: a duration as Go writes it
// (12h, 90m) or a number of days (30d). It returns an error quoting s.
func ParseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 100000 {
			return 0, fmt.Errorf("%q is not a number of days (1 to 100000)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not an age: write 30d, 12h or 90m", s)
	}
	return d, nil
}

// Set is the indicators an export holds, and an account of those it left
// out.
type Set struct {
	// Indicators are those the filter kept, in the order of their
	// collections, each once (the newest version when several collections
	// hold it). Those whose pattern gives no entry (Skip set) are here
	// only when the filter names no kind: the STIX format carries them.
	Indicators []*Indicator
	// Skipped counts, by reason, the indicators kept by the filter whose
	// patterns give no blocklist entry.
	Skipped map[string]int
	// Examples holds, for each reason of Skipped, the first indicator
	// skipped for it and the detail.
	Examples map[string]string
	// Filtered counts, by filter ("revoked", "expired", "not yet valid",
	// "confidence", "marking", "producer", "age", "decayed", "kind"),
	// the indicators left out.
	Filtered map[string]int
	// Newest is the last time the export's content changed: the newest
	// modified or date added of every indicator read (kept or not), and
	// every valid_from, valid_until and end of MaxAge already passed. It gives RPZ
	// serials and HTTP Last-Modified; zero for an empty export.
	Newest time.Time
	// Read counts the indicators read.
	Read int
	// Scored is set when the Filter scored the indicators (Score): the
	// formats that have room carry the score.
	Scored bool

	filter Filter
	now    time.Time
	byID   map[string]int
	latest map[string]time.Time
	tlps   []stix.TLP
	marks  []string
}

// NewSet returns an empty Set that keeps what f keeps.
func NewSet(f Filter) *Set {
	s := &Set{Skipped: map[string]int{}, Examples: map[string]string{}, Filtered: map[string]int{}, filter: f, byID: map[string]int{}, latest: map[string]time.Time{}, Scored: f.Score != nil}
	s.now = time.Now()
	if f.Now != nil {
		s.now = f.Now()
	}
	for _, m := range f.Markings {
		if t, err := stix.ParseTLP(m); err == nil {
			s.tlps = append(s.tlps, t)
		} else {
			s.marks = append(s.marks, m)
		}
	}
	return s
}

// Now returns the time the Set filters at.
func (s *Set) Now() time.Time { return s.now }

func (s *Set) newer(t time.Time) {
	if t.After(s.Newest) && !t.After(s.now) {
		s.Newest = t
	}
}

// Add reads an indicator added to its collection at added, and keeps it
// if the filter does. It returns an error only when o is not an indicator
// that decodes; other objects are the caller's to leave out.
func (s *Set) Add(o *stix.Object, added time.Time) error {
	in, err := ReadIndicator(o)
	if err != nil {
		return err
	}
	s.Read++
	s.newer(in.Modified)
	s.newer(added)
	if last, ok := s.latest[in.ID]; ok {
		// Another collection's copy: the newest version decides.
		if !in.Modified.After(last) {
			return nil
		}
		if i, ok := s.byID[in.ID]; ok {
			s.Indicators[i] = nil
			delete(s.byID, in.ID)
		}
	}
	s.latest[in.ID] = in.Modified
	if why := s.leaveOut(in); why != "" {
		s.Filtered[why]++
		return nil
	}
	if s.filter.Score != nil {
		score, decayed, err := s.filter.Score(o)
		if err == nil {
			in.Score = score
			if decayed && !s.filter.IncludeDecayed {
				s.Filtered["decayed"]++
				return nil
			}
		}
	}
	s.newer(in.ValidFrom) // the time it entered the export
	if len(s.filter.Kinds) > 0 {
		var es []Entry
		for _, e := range in.Entries {
			if slices.Contains(s.filter.Kinds, e.Kind) {
				es = append(es, e)
			}
		}
		if len(es) == 0 && in.Skip == "" {
			s.Filtered["kind"]++
			return nil
		}
		in.Entries = es
	}
	if in.Skip != "" {
		s.Skipped[in.Skip]++
		if _, ok := s.Examples[in.Skip]; !ok {
			s.Examples[in.Skip] = in.ID + ": " + in.SkipDetail
		}
		if len(s.filter.Kinds) > 0 {
			return nil
		}
	}
	s.byID[in.ID] = len(s.Indicators)
	s.Indicators = append(s.Indicators, in)
	return nil
}

// leaveOut returns the filter that leaves in out, "" when it is kept.
func (s *Set) leaveOut(in *Indicator) string {
	f := &s.filter
	switch {
	case in.Revoked:
		return "revoked"
	case !in.ValidUntil.IsZero() && !in.ValidUntil.After(s.now):
		s.newer(in.ValidUntil)
		return "expired"
	case in.ValidFrom.After(s.now):
		return "not yet valid"
	case f.MinConfidence > 0 && in.Confidence < f.MinConfidence:
		return "confidence"
	case len(f.Markings) > 0 && !slices.Contains(s.tlps, in.TLP) && !slices.ContainsFunc(s.marks, func(m string) bool { return slices.Contains(in.Markings, m) }):
		return "marking"
	case len(f.Producers) > 0 && !slices.Contains(f.Producers, in.Producer):
		return "producer"
	case f.MaxAge > 0 && s.now.Sub(in.Modified) > f.MaxAge:
		s.newer(in.Modified.Add(f.MaxAge))
		return "age"
	}
	return ""
}

// Done drops the places of indicators replaced by a newer version; call it
// once every indicator is added, before writing. More may be added after,
// and Done called again.
func (s *Set) Done() {
	s.Indicators = slices.DeleteFunc(s.Indicators, func(in *Indicator) bool { return in == nil })
	clear(s.byID)
	for i, in := range s.Indicators {
		s.byID[in.ID] = i
	}
}

// WithValues returns how many indicators of the Set have entries: those
// the blocklist formats carry.
func (s *Set) WithValues() int {
	n := 0
	for _, in := range s.Indicators {
		if in != nil && len(in.Entries) > 0 {
			n++
		}
	}
	return n
}

// Entries returns the entries of the indicators of the given kinds (all
// when none is given), each value once, in order.
func (s *Set) Entries(kinds ...Kind) []Entry {
	var out []Entry
	seen := map[Entry]bool{}
	for _, in := range s.Indicators {
		if in == nil {
			continue
		}
		for _, e := range in.Entries {
			if (len(kinds) == 0 || slices.Contains(kinds, e.Kind)) && !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// Release returns what a reader may read of versions read from a
// collection: one entry per version, nil for each it may not read. Collect
// takes it; nil releases everything (the node's own view).
type Release func(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) ([]*stix.Object, error)

// collectPage is how many versions Collect reads at a time.
const collectPage = 1000

// Collect reads the latest version of every indicator of the collections
// (ids) through release, and returns the Set f keeps. progress, when set,
// is called after each page with the number of indicators read so far.
// It returns the store's error, or one naming an indicator that does not
// decode (never the case for what a store holds, which was validated).
func Collect(ctx context.Context, objects rampart.ObjectService, collections []string, release Release, f Filter, progress func(read int64)) (*Set, error) {
	s := NewSet(f)
	for _, coll := range collections {
		of := rampart.ObjectFilter{CollectionID: coll, Types: []string{"indicator"}, Limit: collectPage}
		for {
			page, err := objects.FindObjects(ctx, of)
			if err != nil {
				return nil, err
			}
			objs := make([]*stix.Object, len(page.Versions))
			for i, v := range page.Versions {
				objs[i] = v.Object
			}
			if release != nil && len(objs) > 0 {
				if objs, err = release(ctx, coll, page.Versions); err != nil {
					return nil, err
				}
			}
			for i, o := range objs {
				if o == nil {
					continue
				}
				if err := s.Add(o, page.Versions[i].DateAdded); err != nil {
					return nil, fmt.Errorf("collection %s: %v", coll, err)
				}
			}
			if progress != nil {
				progress(int64(s.Read))
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			of.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	s.Done()
	return s, nil
}
