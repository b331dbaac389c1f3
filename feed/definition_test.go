package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/settingstest"
)

func TestDefine(t *testing.T) {
	f, err := Define(Definition{Name: "ssl", Preset: "feodotracker",
		Given:   map[string]string{"url": "https://example.org/list.csv", "separator": `\t`, "confidence": "70", "interval": "2h0m0s", "columns": "a, b,,c", "header-row": "true", "data": "/ignored"},
		Headers: []string{"X-Key : abc"}, APIRoot: "root", Collection: "feeds"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Preset != "feodotracker" || f.Format == "" {
		t.Errorf("preset not applied: preset %q, format %q", f.Preset, f.Format)
	}
	if f.URL != "https://example.org/list.csv" || f.Separator != "\t" || *f.Confidence != 70 || f.Interval.D != 2*time.Hour || !f.Header {
		t.Errorf("settings not applied: %+v", f)
	}
	if got := strings.Join(f.Columns, "|"); got != "a|b|c" {
		t.Errorf("columns = %q, want a|b|c", got)
	}
	if f.Headers["X-Key"] != "abc" || f.APIRoot != "root" || f.Collection != "feeds" || f.Name != "ssl" {
		t.Errorf("headers or place wrong: %+v", f)
	}
	if err := f.CheckNew(); err != nil {
		t.Errorf("CheckNew: %v", err)
	}
}

func TestDefineErrors(t *testing.T) {
	for _, tc := range []struct {
		d    Definition
		want string // in Define's or CheckNew's error
	}{
		{Definition{Name: "x", Preset: "nope"}, `--preset: no preset "nope"`},
		{Definition{Name: "x", Headers: []string{"no colon"}}, `--http-header "no colon": want NAME: VALUE`},
		{Definition{Name: "x", Given: map[string]string{"confidence": "many"}}, `--confidence "many"`},
		{Definition{Name: "x", Given: map[string]string{"format": "csv"}}, "feed add x: give --url (or a --preset)"},
		{Definition{Name: "x", Given: map[string]string{"url": "https://e.org/"}}, "feed add x: give --format"},
		{Definition{Name: "x", Preset: "zoneh"}, "preset zoneh has no public URL: give --url"},
		{Definition{Name: "x", Given: map[string]string{"url": "ftp://e.org/", "format": "csv"}}, `url "ftp://e.org/" is not an http or https URL`},
	} {
		f, err := Define(tc.d)
		if err == nil {
			err = f.CheckNew()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.d, err, tc.want)
		}
	}
}

func TestTry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("# comment\n192.0.2.1\nexample.org\n192.0.2.2\nnot a value!\n198.51.100.7\n"))
	}))
	defer srv.Close()
	f := &Feed{Name: "t", URL: srv.URL, Format: FormatList, Comment: "#"}
	tr, err := Try(context.Background(), &Fetcher{}, f, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Values != 4 || len(tr.Sample) != 2 || tr.Failed != 1 || len(tr.Failures) != 1 || tr.Broken != nil {
		t.Errorf("trial = %+v, want 4 values (2 shown), 1 failure", tr)
	}
	if got, want := tr.KindCounts(), "1 domain, 3 ipv4"; got != want {
		t.Errorf("KindCounts = %q, want %q", got, want)
	}
	if _, err := Try(context.Background(), &Fetcher{}, &Feed{Name: "t", URL: srv.URL, Format: FormatTAXII}, 1, 1); err == nil {
		t.Error("Try read a TAXII feed")
	}
}

func TestListAndRuns(t *testing.T) {
	ctx := context.Background()
	s := Settings{S: settingstest.NewMemory()}
	for _, f := range []*Feed{
		{Name: "b", URL: "https://e.org/b?key=secret", Format: FormatList, Token: "t"},
		{Name: "a", URL: "https://e.org/a", Format: FormatCSV, APIRoot: "r", Collection: "c"},
	} {
		if err := s.AddFeed(ctx, f, false); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.List(ctx)
	if err != nil || len(rows) != 2 {
		t.Fatalf("List = %v, %v", rows, err)
	}
	if rows[0].Name != "a" || rows[0].Collection != "r/c" || rows[0].Secrets || rows[0].Last != nil {
		t.Errorf("row a = %+v", rows[0])
	}
	if rows[1].URL != "https://e.org/b?…" || !rows[1].Secrets {
		t.Errorf("row b = %+v: want its URL redacted and its secrets told", rows[1])
	}
	names, err := s.Names(ctx)
	if err != nil || strings.Join(names, ",") != "a,b" {
		t.Errorf("Names = %v, %v", names, err)
	}
	for i := range 3 {
		run := &Run{Feed: "a", Started: time.Unix(int64(i), 0), Status: StatusOK}
		if err := s.SaveRun(ctx, run, State{}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(ctx, "a", 2)
	if err != nil || len(runs) != 2 {
		t.Errorf("Runs(a, 2) = %d runs, %v; want 2", len(runs), err)
	}
	if _, err := s.Runs(ctx, "zz", 0); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("Runs of no feed: %v, want ENOTFOUND", err)
	}
}
