package node

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/feed"
)

func TestDefineFeed(t *testing.T) {
	secret := func(v string, err error) func(string) (string, error) {
		return func(string) (string, error) { return v, err }
	}
	def := func(given map[string]string) feed.Definition {
		return feed.Definition{Name: "f", Given: given, APIRoot: DefaultAPIRoot, Collection: DefaultCollection}
	}
	list := map[string]string{"url": "https://feeds.example/list.txt", "format": "list"}
	f, err := DefineFeed(FeedDefinition{Definition: def(list), TokenStdin: true, ReadSecret: secret("s3cret", nil)})
	if err != nil || f.Token != "s3cret" || f.URL != list["url"] || f.Format != feed.FormatList {
		t.Fatalf("DefineFeed = %+v, %v", f, err)
	}
	f, err = DefineFeed(FeedDefinition{Definition: def(list), HeaderStdin: "X-Key", ReadSecret: secret("k", nil)})
	if err != nil || f.Headers["X-Key"] != "k" {
		t.Fatalf("DefineFeed with a header from standard input = %+v, %v", f, err)
	}
	for _, tc := range []struct {
		name string
		d    FeedDefinition
		want string
	}{
		{"unknown preset", FeedDefinition{Definition: feed.Definition{Name: "f", Preset: "nope"}}, `--preset: no preset "nope"`},
		{"bad setting", FeedDefinition{Definition: def(map[string]string{"confidence": "lots"})}, `--confidence "lots"`},
		{"two secrets", FeedDefinition{Definition: def(list), TokenStdin: true, HeaderStdin: "X-Key", ReadSecret: secret("s", nil)}, "give --token-stdin or --http-header-stdin, not both"},
		{"no url", FeedDefinition{Definition: def(map[string]string{"format": "list"})}, "feed add f: give --url"},
	} {
		if _, err := DefineFeed(tc.d); !isConfigError(err) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a config error beginning %q", tc.name, err, tc.want)
		}
	}
	broken := errors.New("no token on standard input")
	if _, err := DefineFeed(FeedDefinition{Definition: def(list), TokenStdin: true, ReadSecret: secret("", broken)}); err != broken {
		t.Errorf("a secret that cannot be read: %v, want %v as it is", err, broken)
	}
}

func isConfigError(err error) bool {
	_, ok := AsConfigError(err)
	return ok
}

func TestTryFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "192.0.2.1\nevil.example\nbad line!\n")
	}))
	defer srv.Close()
	f := &feed.Feed{Name: "t", URL: srv.URL, Format: feed.FormatList}
	tr, err := TryFeed(context.Background(), f, 1, 10)
	if err != nil || tr.Values != 2 || tr.Failed != 1 || len(tr.Sample) != 1 || len(tr.Failures) != 1 {
		t.Fatalf("TryFeed = %+v, %v; want 2 values (1 shown), 1 failed", tr, err)
	}
	f.Format = feed.FormatTAXII
	if _, err := TryFeed(context.Background(), f, 1, 10); !isConfigError(err) || !strings.Contains(err.Error(), "not taxii") {
		t.Errorf("TryFeed of a taxii feed: %v, want a config error", err)
	}
}
