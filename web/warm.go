package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart"
)

// maxWarmKnowledge is how many kinds of reader Warm builds knowledge for.
const maxWarmKnowledge = 3

// Warm builds, one after the other, the attribution knowledge of the
// first kinds of reader among the node's accounts (administrators first,
// at most maxWarmKnowledge), so that the first attribution after a start
// does not wait for it: built from a million objects it takes some 20 s on
// two cores, which a node starting does beside loading its matcher.
// Accounts of one organisation, relation and administrator flag read the
// same knowledge. Warm returns when they are built, ctx ends or an error
// stops it; the error is only worth logging, since a query builds what
// is missing anyway.
func (s *Server) Warm(ctx context.Context) error {
	accounts, err := s.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	slices.SortStableFunc(accounts, func(a, b *rampart.Account) int {
		return -cmp.Compare(boolInt(a.Admin), boolInt(b.Admin))
	})
	seen := map[string]bool{}
	for _, a := range accounts {
		if len(seen) == maxWarmKnowledge {
			break
		}
		readable, err := s.readable(ctx, a)
		if err != nil {
			return err
		}
		if len(readable) == 0 {
			continue
		}
		rd, err := s.reader(ctx, a)
		if err != nil {
			continue // an account of an unknown organisation reads nothing
		}
		key := knowledgeKey(readable, rd)
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, err := s.knowledge.entry(ctx, readable, rd, s.release(rd), 0); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// knowledgeKey names the knowledge of a set of collections as a reader
// reads it.
func knowledgeKey(collections []string, reader *rampart.Reader) string {
	collections = slices.Clone(collections)
	slices.Sort(collections)
	key := strings.Join(collections, ",")
	if reader != nil {
		key += fmt.Sprintf(" as %q %s admin=%t", reader.Organization, reader.Relation, reader.Admin)
	}
	return key
}
