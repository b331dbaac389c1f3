package feed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Trial is what one read of a feed found, as a dry run shows it: nothing
// is stored.
type Trial struct {
	// Bytes is the size of the body fetched.
	Bytes int
	// Values, Failed and Skipped count the values read, the lines that
	// failed and those skipped (a kind the feed does not turn into
	// indicators).
	Values, Failed, Skipped int
	// Kinds counts the values by kind.
	Kinds map[Kind]int
	// Sample holds the first values read, Failures the first failed
	// lines' errors (*LineError), as many as Try was asked for.
	Sample   []Entry
	Failures []error
	// Broken is what stopped the reading of the body, nil when it was
	// read to its end.
	Broken error
}

// Try fetches the feed once with fetcher and reads it as a run would,
// keeping up to sample values and failures failed lines. It fails when
// the feed cannot be fetched; a body that cannot be read to its end is
// Trial.Broken. Feeds of format taxii and misp are not read this way.
func Try(ctx context.Context, fetcher *Fetcher, f *Feed, sample, failures int) (*Trial, error) {
	if err := f.CheckTrial(); err != nil {
		return nil, err
	}
	resp, err := fetcher.Fetch(ctx, Request{URL: f.URL, Token: f.Token, Headers: f.Headers, MaxBodyBytes: f.MaxBodyBytes})
	if err != nil {
		return nil, err
	}
	t := &Trial{Bytes: len(resp.Body), Kinds: map[Kind]int{}}
	for e, err := range Parse(f, resp.Body) {
		var le *LineError
		switch {
		case err == nil:
			if t.Values++; len(t.Sample) < sample {
				t.Sample = append(t.Sample, e)
			}
			t.Kinds[e.Kind]++
		case errors.As(err, &le) && le.Skipped:
			t.Skipped++
		case errors.As(err, &le):
			if t.Failed++; len(t.Failures) < failures {
				t.Failures = append(t.Failures, err)
			}
		default:
			t.Broken = err
		}
	}
	return t, nil
}

// CheckTrial reports whether Try can read the feed: feeds of format taxii
// and misp are read only by a run.
func (f *Feed) CheckTrial() error {
	if f.Format == FormatTAXII || f.Format == FormatMISP {
		return fmt.Errorf("--dry-run reads csv, list, json and jsonl feeds, not %s", f.Format)
	}
	return nil
}

// KindCounts writes the counts by kind, "3 ipv4, 1 domain", in the order of
// the kinds' names; "" when there are none.
func (t *Trial) KindCounts() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.Kinds)) {
		parts = append(parts, fmt.Sprintf("%d %s", t.Kinds[k], k))
	}
	return strings.Join(parts, ", ")
}
