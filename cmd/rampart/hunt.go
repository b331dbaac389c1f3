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

const huntUsage = `Usage:
    rampart hunt --indicator ID [--since 30d] [flags]
    rampart hunt --pattern PATTERN [--since 30d] [flags]

hunt matches an indicator against what the node's sensors reported before
it came (the archive a serving node keeps of the values matched through
POST /api/v1/observations and "rampart match --store") and stores what it
finds as sightings, with the times the values were seen: one per sensor and
hour. A serving node hunts every indicator it stores by itself; hunt does
it on demand, for another period or a pattern of your own.

Exact values, address blocks (ISSUBSET) and domains with their subdomains
(LIKE '%.domain') are hunted; patterns that need several observations, or
only LIKE or MATCHES comparisons, are not (the summary says so).

Flags:
    --indicator ID      an indicator of --collection
    --pattern P         a STIX pattern instead (hunted as an indicator the
                        summary names; the sightings refer to it by id)
    --since D           how far back (default 30d; days as Nd, or 36h)
    --collection REF    the collection (id or alias) holding the indicator,
                        and where sightings are stored (default: default)
    --data DIR, --postgres URL, --api-root NAME
                        the node's store

Examples:
    rampart hunt --indicator indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
    rampart hunt --pattern "[ipv4-addr:value ISSUBSET '203.0.113.0/24']" --since 7d
`

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
