package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/sqlgen"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// QueryFunc runs a read statement in the transaction of one search (so
// that every statement of it sees one snapshot) and returns its rows and
// how to close them.
type QueryFunc func(ctx context.Context, query string, args []any) (sqlgen.Rows, func(), error)

// Find answers a SearchObjects call with the statements of dialect d, run
// by query. T is the type the store's driver scans date_added into, and
// added turns it into the version's DateAdded; B is the type it scans the
// raw JSON into without a copy of its own (see sqlgen.ReadPage).
//
// A page is read tier by tier (the hits whose name holds every word
// first), each tier newest first; the cursor names the tier and seq of
// the last hit of a page. Total is counted on the first page, when it
// does not hold every hit already (within CountTime, or else it is -1),
// and carried by the cursor to the next ones.
func Find[T any, B ~[]byte](ctx context.Context, d *Dialect, sq rampart.SearchQuery, query QueryFunc, added func(T) time.Time) (*rampart.SearchPage, error) {
	q, err := Parse(sq)
	if err != nil {
		return nil, err
	}
	pks, ids, err := collections(ctx, d, q, query)
	if err != nil {
		return nil, err
	}
	page := &rampart.SearchPage{Hits: []rampart.SearchHit{}}
	more := false
	for _, tier := range q.tiers() {
		var after int64
		if c := q.cursor; c != nil {
			if tier > c.tier {
				continue // a tier the previous pages have finished
			}
			if tier == c.tier {
				after = c.seq
			}
		}
		need := q.Limit + 1 - len(page.Hits)
		text, args := statement(d, q, pks, tier, after, need, false)
		rows, done, err := query(ctx, text, args)
		if err != nil {
			return nil, fmt.Errorf("search objects: %w", err)
		}
		page.Hits, err = readHits[T, B](rows, page.Hits, tier, ids, added)
		done()
		if err != nil {
			return nil, err
		}
		if len(page.Hits) > q.Limit {
			more = true
			break
		}
	}
	switch {
	case q.cursor != nil:
		page.Total = q.cursor.total
	case !more:
		page.Total = len(page.Hits) // the first page holds them all
	default:
		if page.Total, err = count(ctx, d, q, pks, query); err != nil {
			return nil, err
		}
	}
	if more {
		page.Hits = page.Hits[:q.Limit]
		last := page.Hits[q.Limit-1]
		c := cursor{tier: int(last.Rank), seq: last.Version.Seq, total: page.Total, sum: q.sum}
		page.Next = c.String()
	}
	return page, nil
}

// collections returns the pk of each collection of q and the id of each
// pk; ENOTFOUND names the first collection that does not exist.
func collections(ctx context.Context, d *Dialect, q *Query, query QueryFunc) ([]int64, map[int64]string, error) {
	text, args := collectionsStatement(d, q.CollectionIDs)
	rows, done, err := query(ctx, text, args)
	if err != nil {
		return nil, nil, fmt.Errorf("search objects: %w", err)
	}
	defer done()
	ids := make(map[int64]string, len(q.CollectionIDs))
	found := make(map[string]bool, len(q.CollectionIDs))
	var pks []int64
	for rows.Next() {
		var (
			pk int64
			id string
		)
		if err := rows.Scan(&pk, &id); err != nil {
			return nil, nil, fmt.Errorf("search objects: %w", err)
		}
		ids[pk], found[id] = id, true
		pks = append(pks, pk)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("search objects: %w", err)
	}
	for _, id := range q.CollectionIDs {
		if !found[id] {
			return nil, nil, versions.CollectionNotFound(id)
		}
	}
	return pks, ids, nil
}

// CountTime bounds the time spent counting the matches of a search
// (up to MaxSearchTotal): past it the page goes without its Total (-1).
// Counting reads every match where a page reads fifty, and some matches
// cost more than others to find: in PostgreSQL a phrase of two frequent
// words is checked in every row that holds both (half a second, with a
// million objects).
const CountTime = 50 * time.Millisecond

// count returns the number of matches of q, at most MaxSearchTotal, or -1
// when counting them takes longer than CountTime. It is the last
// statement of a search: after a timeout, PostgreSQL's transaction is
// good for nothing but its rollback.
func count(ctx context.Context, d *Dialect, q *Query, pks []int64, query QueryFunc) (int, error) {
	cctx := ctx
	if d.Timeout != "" {
		// A cancelled context would cost PostgreSQL its connection; the
		// server ends the statement itself.
		_, done, err := query(ctx, fmt.Sprintf(d.Timeout, CountTime.Milliseconds()), nil)
		if err != nil {
			return 0, fmt.Errorf("search objects: count: %w", err)
		}
		done()
	} else {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, CountTime)
		defer cancel()
	}
	text, args := statement(d, q, pks, tierAll, 0, rampart.MaxSearchTotal+1, true)
	n := 0
	err := func() error {
		rows, done, err := query(cctx, text, args)
		if err != nil {
			return err
		}
		defer done()
		if rows.Next() {
			if err := rows.Scan(&n); err != nil {
				return err
			}
		}
		return rows.Err()
	}()
	switch {
	case err == nil:
		return min(n, rampart.MaxSearchTotal), nil
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case cctx.Err() != nil || timedOut(err):
		return -1, nil
	}
	return 0, fmt.Errorf("search objects: count: %w", err)
}

// timedOut reports whether err is PostgreSQL's statement timeout
// (SQLSTATE 57014, query_canceled).
func timedOut(err error) bool {
	var e interface{ SQLState() string }
	return errors.As(err, &e) && e.SQLState() == "57014"
}

// readHits appends the hits of rows (hitColumns) to hits.
func readHits[T any, B ~[]byte](rows sqlgen.Rows, hits []rampart.SearchHit, tier int, ids map[int64]string, added func(T) time.Time) ([]rampart.SearchHit, error) {
	var (
		pk, seq, size int64
		dateAdded     T
		raw           B
	)
	dest := []any{&pk, &seq, &dateAdded, &size, &raw}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("search objects: %w", err)
		}
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("search objects: stored version %d: %w", seq, err)
		}
		hits = append(hits, rampart.SearchHit{
			CollectionID: ids[pk],
			Version:      &rampart.ObjectVersion{Object: o, DateAdded: added(dateAdded), Seq: seq, Size: size},
			Rank:         float64(tier),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search objects: %w", err)
	}
	return hits, nil
}
