package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func (c *console) searchPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"search", c.search)
}

// searchTypes are the types the search form offers.
var searchTypes = []string{"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
	"infrastructure", "intrusion-set", "malware", "note", "observed-data", "report", "sighting", "threat-actor", "tool",
	"vulnerability", "relationship"}

// hit is one result as the page shows it.
type hit struct {
	Object   *stix.Object
	Name     string
	Producer string
	Added    time.Time
}

type searchData struct {
	Query    string
	Type     string
	Marking  string
	Producer string
	Since    string
	Until    string
	Types    []string
	Markings []badge
	Asked    bool
	Hits     []hit
	Next     string
	// Total counts the matches when the account reads everything;
	// otherwise it would tell of objects it may not read, and is -1.
	Total int
}

// parseDay reads a date field (YYYY-MM-DD, UTC).
func parseDay(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, rampart.Errorf(rampart.EINVALID, "%s: %q is not a date (YYYY-MM-DD)", name, s)
	}
	return t, nil
}

func (c *console) search(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	d := searchData{Query: strings.TrimSpace(q.Get("q")), Type: q.Get("type"), Marking: q.Get("marking"),
		Producer: strings.TrimSpace(q.Get("producer")), Since: q.Get("since"), Until: q.Get("until"), Types: searchTypes, Total: -1}
	for _, t := range []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed} {
		d.Markings = append(d.Markings, badgeOf(t))
	}
	d.Asked = d.Query != "" || d.Type != "" || d.Marking != "" || d.Producer != "" || d.Since != "" || d.Until != ""
	if !d.Asked {
		return c.show(w, r, v, "search", "Search", "search", d)
	}
	sq, err := d.query()
	if err != nil {
		return err
	}
	sq.Cursor = q.Get("cursor")
	if err := c.find(r.Context(), v, sq, &d); err != nil {
		return err
	}
	return c.show(w, r, v, "search", "Search", "search", d)
}

// query turns the form into a search of the store.
func (d *searchData) query() (rampart.SearchQuery, error) {
	sq := rampart.SearchQuery{Text: d.Query, CreatedBy: d.Producer, Limit: pageSize}
	if d.Type != "" {
		sq.Types = []string{d.Type}
	}
	if d.Marking != "" {
		t, err := stix.ParseTLP(d.Marking)
		if err != nil {
			return sq, rampart.Errorf(rampart.EINVALID, "marking: %v", err)
		}
		sq.Marking = t.MarkingID()
	}
	if d.Producer != "" {
		if typ, _, err := stix.ParseID(d.Producer); err != nil || typ != "identity" {
			return sq, rampart.Errorf(rampart.EINVALID, "producer: %q is not an identity id (identity--UUID)", d.Producer)
		}
	}
	var err error
	if sq.Since, err = parseDay("since", d.Since); err != nil {
		return sq, err
	}
	if sq.Until, err = parseDay("until", d.Until); err != nil {
		return sq, err
	}
	if !sq.Until.IsZero() {
		sq.Until = sq.Until.AddDate(0, 0, 1) // through that day
	}
	return sq, nil
}

// find runs a search over the collections the account reads and keeps
// the hits it may read, each object once.
func (c *console) find(ctx context.Context, v *visit, sq rampart.SearchQuery, d *searchData) error {
	colls, err := c.s.readable(ctx, v.account)
	if err != nil {
		return err
	}
	if len(colls) == 0 {
		return rampart.Errorf(rampart.EFORBIDDEN, "account %q may read no collection: there is nothing to search", v.account.Name)
	}
	reader, err := c.s.reader(ctx, v.account)
	if err != nil {
		return err
	}
	sq.CollectionIDs = colls
	p, err := c.s.Search.SearchObjects(ctx, sq)
	if err != nil {
		return err
	}
	objs, err := c.s.releaseHits(ctx, reader, p.Hits)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, o := range objs {
		if o == nil || seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		h := hit{Object: o, Producer: o.CreatedByRef, Added: p.Hits[i].Version.DateAdded}
		if m, err := membersOf(o); err == nil {
			h.Name = nameOf(m, o)
		}
		d.Hits = append(d.Hits, h)
	}
	if reader == nil {
		d.Total = p.Total
	}
	if p.Next != "" {
		u := url.Values{"q": {d.Query}, "type": {d.Type}, "marking": {d.Marking}, "producer": {d.Producer},
			"since": {d.Since}, "until": {d.Until}, "cursor": {p.Next}}
		d.Next = ConsolePath + "search?" + u.Encode()
	}
	return nil
}
