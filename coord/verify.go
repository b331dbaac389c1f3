package coord

import (
	"fmt"
	"slices"
	"sort"

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
	latest := map[string]*stix.Object{}
	for _, o := range objs {
		if o.Type != StatementType {
			continue
		}
		if prev := latest[o.ID]; prev == nil || o.Version().Compare(prev.Version()) > 0 {
			latest[o.ID] = o
		}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*StatementCheck
	for _, id := range ids {
		o := latest[id]
		s, err := ParseStatement(o)
		if err != nil {
			return nil, err
		}
		c := &StatementCheck{Statement: s}
		c.Drafter, c.DrafterErr = v.Verify(o)
		if c.DrafterErr != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("the statement's own signature does not check: %v", c.DrafterErr))
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
