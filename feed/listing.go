package feed

import "context"

// Listing is a feed as a list of feeds shows it: without its secrets, its
// URL redacted, with its latest run (without the failed lines).
type Listing struct {
	Name       string `json:"name"`
	Format     string `json:"format"`
	Preset     string `json:"preset,omitempty"`
	URL        string `json:"url"`
	Interval   string `json:"interval"`
	Collection string `json:"collection"`
	// Secrets says whether the feed holds a token or HTTP headers.
	Secrets bool `json:"secrets"`
	Last    *Run `json:"last_run,omitempty"`
}

// List returns every feed as a Listing, by name. As Feeds, it returns
// the feeds it could read with the error of those it could not; a run
// record that cannot be read leaves Last nil.
func (s Settings) List(ctx context.Context) ([]Listing, error) {
	feeds, err := s.Feeds(ctx)
	var out []Listing
	for _, f := range feeds {
		last, _ := s.LastRun(ctx, f.Name)
		if last != nil {
			last.Failures = nil
		}
		out = append(out, Listing{Name: f.Name, Format: string(f.Format), Preset: f.Preset, URL: Redact(f.URL),
			Interval: f.EffectiveInterval().String(), Collection: f.APIRoot + "/" + f.Collection,
			Secrets: f.Token != "" || len(f.Headers) > 0, Last: last})
	}
	return out, err
}

// Runs returns the latest runs of a feed, newest first, at most limit of
// them (all for 0); ENOTFOUND when there is no such feed.
func (s Settings) Runs(ctx context.Context, name string, limit int) ([]*Run, error) {
	if _, err := s.Feed(ctx, name); err != nil {
		return nil, err
	}
	rec, err := s.Record(ctx, name)
	if err != nil {
		return nil, err
	}
	runs := rec.Runs
	if limit > 0 && len(runs) > limit {
		runs = runs[:limit]
	}
	return runs, nil
}

// Names returns the names of every feed.
func (s Settings) Names(ctx context.Context) ([]string, error) {
	feeds, err := s.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(feeds))
	for i, f := range feeds {
		names[i] = f.Name
	}
	return names, nil
}
