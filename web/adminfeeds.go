package web

import (
	"net/http"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/feed"
)

// The feeds pages show the node's feeds and their runs, read-only: feeds
// are defined with "rampart feed add", whose flags this page does not
// repeat.

type feedRow struct {
	Name, Format, Preset, URL, Interval, Collection, Producer, Marking string
	Secrets                                                            bool
	Last                                                               *feed.Run
}

type feedsData struct {
	Feeds       []feedRow
	SettingsErr string
}

type feedData struct {
	Feed feedRow
	Runs []*feed.Run
	// Latest is the latest run that read the feed (not answered 304).
	Latest *feed.Run
}

func rowOf(f *feed.Feed) feedRow {
	return feedRow{Name: f.Name, Format: string(f.Format), Preset: f.Preset, URL: feed.Redact(f.URL),
		Interval: f.EffectiveInterval().String(), Collection: f.APIRoot + "/" + f.Collection,
		Producer: f.Producer, Marking: f.Marking, Secrets: f.Token != "" || len(f.Headers) > 0}
}

func (c *console) adminFeeds(w http.ResponseWriter, r *http.Request, v *visit) error {
	svc, err := c.settings()
	if err != nil {
		return err
	}
	fs := feed.Settings{S: svc}
	feeds, err := fs.Feeds(r.Context())
	var d feedsData
	if err != nil {
		if len(feeds) == 0 {
			return err
		}
		d.SettingsErr = err.Error()
	}
	for _, f := range feeds {
		row := rowOf(f)
		if row.Last, err = fs.LastRun(r.Context(), f.Name); err != nil {
			return err
		}
		d.Feeds = append(d.Feeds, row)
	}
	return c.showAdmin(w, r, v, http.StatusOK, "admin_feeds", "Feeds", d)
}

func (c *console) adminFeed(w http.ResponseWriter, r *http.Request, v *visit) error {
	svc, err := c.settings()
	if err != nil {
		return err
	}
	fs := feed.Settings{S: svc}
	f, err := fs.Feed(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	rec, err := fs.Record(r.Context(), f.Name)
	if err != nil {
		return err
	}
	return c.showAdmin(w, r, v, http.StatusOK, "admin_feed", "Feed "+f.Name, feedData{Feed: rowOf(f), Runs: rec.Runs, Latest: feed.LatestRead(rec.Runs)})
}

// feedJSON is a feed as the JSON API shows it: without its key, its URL
// without query.
type feedJSON struct {
	Name       string    `json:"name"`
	Format     string    `json:"format"`
	Preset     string    `json:"preset,omitempty"`
	URL        string    `json:"url"`
	Interval   string    `json:"interval"`
	Collection string    `json:"collection"`
	Producer   string    `json:"producer,omitempty"`
	Marking    string    `json:"marking,omitempty"`
	Secrets    bool      `json:"secrets"`
	LastRun    *feed.Run `json:"last_run,omitempty"`
}

func (s *Server) feeds() (feed.Settings, error) {
	if s.Settings == nil {
		return feed.Settings{}, rampart.Errorf(rampart.EUNAVAILABLE, "this node keeps no settings, so no feeds")
	}
	return feed.Settings{S: s.Settings}, nil
}

// handleListFeeds answers GET /api/v1/feeds: every feed with its last
// run (administrators).
func (s *Server) handleListFeeds(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	fs, err := s.feeds()
	if err != nil {
		return err
	}
	feeds, err := fs.Feeds(r.Context())
	if err != nil && len(feeds) == 0 {
		return err
	}
	out := []feedJSON{}
	for _, f := range feeds {
		row := rowOf(f)
		j := feedJSON{Name: row.Name, Format: row.Format, Preset: row.Preset, URL: row.URL, Interval: row.Interval,
			Collection: row.Collection, Producer: row.Producer, Marking: row.Marking, Secrets: row.Secrets}
		if j.LastRun, err = fs.LastRun(r.Context(), f.Name); err != nil {
			return err
		}
		out = append(out, j)
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"feeds": out})
	return nil
}

// handleFeedRuns answers GET /api/v1/feeds/{name}/runs: the records of a
// feed's last runs, newest first (administrators).
func (s *Server) handleFeedRuns(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	fs, err := s.feeds()
	if err != nil {
		return err
	}
	f, err := fs.Feed(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	rec, err := fs.Record(r.Context(), f.Name)
	if err != nil {
		return err
	}
	runs := rec.Runs
	if runs == nil {
		runs = []*feed.Run{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"feed": f.Name, "runs": runs})
	return nil
}
