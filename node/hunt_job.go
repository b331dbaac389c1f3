package node

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// HuntJob is a retro-hunt as "rampart hunt" asks for it: an indicator of
// the collection by id, or one made of a pattern, over the values the
// node's sensors reported in the last Back.
type HuntJob struct {
	Indicator, Pattern string
	Back               time.Duration
	// CollectionID holds the indicator and receives the sightings.
	CollectionID string
}

// Check refuses a hunt that names neither an indicator nor a pattern, or
// both, with a ConfigError named after the flags of "rampart hunt".
func (h HuntJob) Check() error {
	if (h.Indicator == "") == (h.Pattern == "") {
		return configErrorf("hunt needs --indicator ID or --pattern PATTERN (one of them)")
	}
	return nil
}

// HuntReport is what RunHunt did: the result of Hunt, the indicator
// hunted, since when and the collection the sightings went to.
type HuntReport struct {
	HuntResult
	IndicatorID, CollectionID string
	Since                     time.Time
}

// RunHunt checks h, finds or makes its indicator (HuntIndicator) and hunts
// it (Hunt). It returns the report of a hunt that ran, with Hunt's error
// if any; Check's errors, HuntIndicator's, and an error saying why the
// indicator could not be hunted (revoked, a pattern of several
// observations, nothing to look for) without a report.
func (n *Node) RunHunt(ctx context.Context, h HuntJob) (*HuntReport, error) {
	if err := h.Check(); err != nil {
		return nil, err
	}
	ind, err := n.HuntIndicator(ctx, h.CollectionID, h.Indicator, h.Pattern)
	if err != nil {
		return nil, err
	}
	r := &HuntReport{IndicatorID: ind.ID, CollectionID: h.CollectionID, Since: time.Now().Add(-h.Back)}
	r.HuntResult, err = n.Hunt(ctx, ind, r.Since, h.CollectionID)
	if r.Skipped != "" {
		return nil, fmt.Errorf("%s is not hunted: %s", ind.ID, r.Skipped)
	}
	return r, err
}

// WriteText writes how many values the hunt matched and how many
// sightings it stored, then the id of each, one a line.
func (r *HuntReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s seen since %s matched; %s stored in collection %s\n", r.IndicatorID, countOf(r.Hits, "value", "values"),
		r.Since.UTC().Format(time.RFC3339), countOf(len(r.Sightings), "sighting", "sightings"), r.CollectionID)
	for _, s := range r.Sightings {
		fmt.Fprintln(&b, s.ID)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
