package coord

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// StatementCheck is what an offline check of a statement found.
type StatementCheck struct {
	Statement *Statement
	// Drafter is the verified signature of the statement's latest version
	// (nil when DrafterErr is set).
	Drafter    *trust.Signed
	DrafterErr error
	// Quorum counts the endorsements found next to the statement.
	Quorum *Quorum
	// Problems are reasons to distrust the statement as published: a
	// missing or bad drafter signature, or a published version whose listed
	// endorsements do not reach its threshold.
	Problems []string
}

// OK reports whether the statement's signature verifies and, if it
// claims to be published, the endorsements it lists make the quorum.
func (c *StatementCheck) OK() bool { return len(c.Problems) == 0 }

// CheckStatements checks, offline, every statement among objs (a bundle
// exported from a node: the statements' versions and their endorsements)
// against the registry in v: who drafted each (the signature of its latest
// version), which endorsements count and which do not and why, and, for a
// published version, that the endorsements it lists are among those that
// count and reach its threshold. Statements are returned in id order; an
// object that claims to be a statement but cannot be read is reported as
// an error.
func CheckStatements(objs []*stix.Object, v *trust.Verifier) ([]*StatementCheck, error) {
	versions := map[string][]*stix.Object{}
	for _, o := range objs {
		if o.Type == StatementType {
			versions[o.ID] = append(versions[o.ID], o)
		}
	}
	ids := make([]string, 0, len(versions))
	for id := range versions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*StatementCheck
	for _, id := range ids {
		// The statement is its newest version whose signature verifies: a
		// newer one that does not verify was not written by its drafter
		// and is reported, not believed.
		vs := versions[id]
		slices.SortFunc(vs, func(a, b *stix.Object) int { return b.Version().Compare(a.Version()) })
		o := vs[0]
		drafter, derr := v.Verify(o)
		var ignored []*stix.Object
		for i := 1; derr != nil && i < len(vs); i++ {
			if signed, err := v.Verify(vs[i]); err == nil {
				ignored, o, drafter, derr = vs[:i], vs[i], signed, nil
			}
		}
		s, err := ParseStatement(o)
		if err != nil {
			return nil, err
		}
		c := &StatementCheck{Statement: s, Drafter: drafter, DrafterErr: derr}
		if c.DrafterErr != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("the statement's own signature does not check: %v", c.DrafterErr))
		}
		for _, x := range ignored {
			_, err := v.Verify(x)
			c.Problems = append(c.Problems, fmt.Sprintf("version %s does not check (%v); version %s is the one checked", x.Version(), err, o.Version()))
		}
		// Only the drafter writes a statement's versions: signed versions
		// by several organisations mean someone rewrote another's
		// statement under its id.
		creators := map[string]bool{}
		for _, x := range vs {
			if _, err := v.Verify(x); err == nil {
				creators[x.CreatedByRef] = true
			}
		}
		if len(creators) > 1 {
			var names []string
			for org := range creators {
				names = append(names, org)
			}
			sort.Strings(names)
			c.Problems = append(c.Problems, fmt.Sprintf("signed versions by %d organisations (%s); only the drafter writes a statement's versions", len(names), strings.Join(names, ", ")))
		}
		c.Quorum = CountEndorsements(s, objs, v)
		if s.Status == StatementPublished {
			n := 0
			for _, ref := range s.EndorsementRefs {
				if slices.ContainsFunc(c.Quorum.Counted, func(e Endorser) bool { return e.Endorsement == ref }) {
					n++
				} else {
					c.Problems = append(c.Problems, fmt.Sprintf("published version lists endorsement %s, which does not count here", ref))
				}
			}
			if n < s.Threshold {
				c.Problems = append(c.Problems, fmt.Sprintf("published with %d counted endorsements of the %d required", n, s.Threshold))
			}
		}
		out = append(out, c)
	}
	return out, nil
}
