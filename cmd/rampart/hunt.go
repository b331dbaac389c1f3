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
	f := struct{ id, pat, since, coll, root string }{since: "30d", coll: node.DefaultCollection, root: node.DefaultAPIRoot}
	for name, p := range map[string]*string{"indicator": &f.id, "pattern": &f.pat, "since": &f.since, "collection": &f.coll, "api-root": &f.root} {
		fs.StringVar(p, name, *p, "")
	}
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
	}
	if (f.id == "") == (f.pat == "") {
		return m.usagef("hunt needs --indicator ID or --pattern PATTERN (one of them)")
	}
	back, err := parseDays(f.since)
	if err == nil && back == 0 {
		err = fmt.Errorf("%q is no time back", f.since)
	}
	if err != nil {
		return m.usagef("--since: %v", err)
	}
	n, c, err := m.openCollection(ctx, &sf, f.root, f.coll)
	if err != nil {
		return err
	}
	ind, err := n.HuntIndicator(ctx, c.ID, f.id, f.pat)
	if err != nil {
		return err
	}
	from := time.Now().Add(-back)
	res, err := n.Hunt(ctx, ind, from, c.ID)
	if res.Skipped != "" {
		m.errorf("%s is not hunted: %s", ind.ID, res.Skipped)
		return errReported
	}
	fmt.Fprintf(m.Stdout, "%s: %s seen since %s matched; %s stored in collection %s\n",
		ind.ID, plural(res.Hits, "value"), from.UTC().Format(time.RFC3339), plural(len(res.Sightings), "sighting"), c.ID)
	for _, s := range res.Sightings {
		fmt.Fprintln(m.Stdout, s.ID)
	}
	return err
}
