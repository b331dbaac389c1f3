package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

var huntUsage = helpText("hunt-usage.txt")

func (m *Main) runHunt(ctx context.Context, args []string) error {
	fs := newFlagSet("hunt", huntUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	id := fs.String("indicator", "", "")
	pat := fs.String("pattern", "", "")
	since := fs.String("since", "30d", "")
	coll := fs.String("collection", node.DefaultCollection, "")
	root := fs.String("api-root", node.DefaultAPIRoot, "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("hunt", "flags only", fs.Args())
	}
	if (*id == "") == (*pat == "") {
		return m.usagef("hunt needs --indicator ID or --pattern PATTERN (one of them)")
	}
	back, err := parseDays(*since)
	if err == nil && back == 0 {
		err = fmt.Errorf("%q is no time back", *since)
	}
	if err != nil {
		return m.usagef("--since: %v", err)
	}
	n, c, err := m.openCollection(ctx, &sf, *root, *coll)
	if err != nil {
		return err
	}
	ind, err := m.huntedIndicator(ctx, n, c, *id, *pat)
	if err != nil {
		return err
	}
	res, err := n.Hunt(ctx, ind, time.Now().Add(-back), c.ID)
	if res.Skipped != "" {
		m.errorf("%s is not hunted: %s", ind.ID, res.Skipped)
		return errReported
	}
	fmt.Fprintf(m.Stdout, "%s: %s seen since %s matched; %s stored in collection %s\n",
		ind.ID, plural(res.Hits, "value"), time.Now().Add(-back).UTC().Format(time.RFC3339), plural(len(res.Sightings), "sighting"), c.ID)
	for _, s := range res.Sightings {
		fmt.Fprintln(m.Stdout, s.ID)
	}
	return err
}

// huntedIndicator returns the indicator of the collection by id, or one
// made of a pattern.
func (m *Main) huntedIndicator(ctx context.Context, n *node.Node, c *rampart.Collection, id, pat string) (*match.Indicator, error) {
	if pat != "" {
		now := stix.NewTimestamp(time.Now())
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q}`,
			stix.NameID("indicator", "hunt "+pat), now, now, pat, now))
		if err != nil {
			return nil, err
		}
		return match.ParseIndicator(o)
	}
	page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, IDs: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(page.Versions) == 0 {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "collection %s holds no object %s", c.ID, id)
	}
	return match.ParseIndicator(page.Versions[0].Object)
}
