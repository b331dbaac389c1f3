package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/node"
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
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
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
	ind, err := n.HuntIndicator(ctx, c.ID, *id, *pat)
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
