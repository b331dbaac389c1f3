package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFetchLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT")
		io.WriteString(w, "192.0.2.1\n")
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length: the limit must stop the reading itself.
		chunk := bytes.Repeat([]byte("192.0.2.1\n"), 1000)
		for i := 0; i < 1000; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/announced", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000000000")
		w.WriteHeader(200)
	})
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte("A"), 10<<20))
	zw.Close()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, "198.51.100.1\n")
		zw.Close()
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/a", http.StatusFound) })
	mux.HandleFunc("/chain/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	})
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &Fetcher{MaxBodyBytes: 1 << 20, MaxDecompressedBytes: 2 << 20, MaxRedirects: 3, Timeout: 30 * time.Second}
	ctx := context.Background()

	resp, err := f.Fetch(ctx, Request{URL: srv.URL + "/ok"})
	if err != nil || string(resp.Body) != "192.0.2.1\n" || resp.ETag != `"v1"` || resp.NotModified {
		t.Fatalf("plain fetch: %+v %v", resp, err)
	}
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/ok", ETag: resp.ETag, LastModified: resp.LastModified})
	if err != nil || !resp.NotModified || resp.ETag != `"v1"` {
		t.Fatalf("conditional fetch: %+v %v", resp, err)
	}
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/gz"})
	if err != nil || string(resp.Body) != "198.51.100.1\n" {
		t.Fatalf("gzip body: %+v %v", resp, err)
	}
	for _, c := range []struct {
		path string
		want error
		text string
	}{
		{"/huge", ErrBodyTooLarge, "body exceeds MaxBodyBytes (1048576 bytes)"},
		{"/announced", ErrBodyTooLarge, "announces 5000000000"},
		{"/bomb", ErrDecompressedTooLarge, "decompressed body exceeds MaxDecompressedBytes (2097152 bytes)"},
		{"/loop/a", ErrRedirectLoop, "redirect loop"},
		{"/chain/", ErrTooManyRedirects, "more redirects than MaxRedirects (3)"},
		{"/metadata", ErrRedirectInward, "redirect to an internal address refused: 169.254.169.254"},
		{"/down", nil, "server answered 503 Service Unavailable"},
		{"/slow", ErrTimeout, "no complete answer within Timeout (500ms)"},
	} {
		f := f
		if c.path == "/slow" {
			f = &Fetcher{Timeout: 500 * time.Millisecond}
		}
		_, err := f.Fetch(ctx, Request{URL: srv.URL + c.path + "?key=secret"})
		var fe *FetchError
		if !errors.As(err, &fe) || c.want != nil && !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: got %v, want %v (%q)", c.path, err, c.want, c.text)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the URL's query: %v", c.path, err)
		}
	}
}

// TestFetchRedirectKeepsSecretsHome: a feed's headers and token are not
// sent to another host a redirect names.
func TestFetchRedirectKeepsSecretsHome(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		io.WriteString(w, "192.0.2.1\n")
	}))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k" {
			t.Errorf("the feed's own host did not get its key")
		}
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/feed", http.StatusFound)
	}))
	defer home.Close()
	f := &Fetcher{}
	if _, err := f.Fetch(context.Background(), Request{URL: home.URL, Token: "t", Headers: map[string]string{"X-Api-Key": "k"}}); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Api-Key") != "" || got.Get("Authorization") != "" {
		t.Errorf("secrets sent to another host: %v", got)
	}
}

func TestRedirectTarget(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"https://198.51.100.1/feed", "https://203.0.113.9/feed", true},
		{"https://198.51.100.1/feed", "http://10.0.0.1/admin", false},
		{"https://198.51.100.1/feed", "http://127.0.0.1:8080/", false},
		{"https://198.51.100.1/feed", "http://[::1]/", false},
		{"https://198.51.100.1/feed", "http://localhost/", false},
		{"http://10.1.1.1/feed", "http://10.1.1.2/feed", true},
		{"http://127.0.0.1/feed", "http://169.254.169.254/", false},
		{"http://10.1.1.1/feed", "http://[fe80::1]/", false},
	} {
		from, _ := url.Parse(c.from)
		to, _ := url.Parse(c.to)
		err := checkRedirectTarget(context.Background(), from, to)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrRedirectInward) {
			t.Errorf("%s -> %s: %v", c.from, c.to, err)
		}
	}
}

// TestCheckRedirect: the TAXII client's redirect policy.
func TestCheckRedirect(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := req("https://198.51.100.1/taxii2/")
	if err := CheckRedirect(req("https://203.0.113.1/taxii2/"), []*http.Request{first}); err != nil {
		t.Errorf("a redirect to another public host: %v", err)
	}
	if err := CheckRedirect(req("http://169.254.169.254/"), []*http.Request{first}); !errors.Is(err, ErrRedirectInward) {
		t.Errorf("a redirect to the metadata service: %v", err)
	}
	if err := CheckRedirect(req("https://198.51.100.1/taxii2/"), []*http.Request{first}); !errors.Is(err, ErrRedirectLoop) {
		t.Errorf("a loop: %v", err)
	}
	var via []*http.Request
	for i := 0; i <= DefaultMaxRedirects; i++ {
		via = append(via, req(fmt.Sprintf("https://198.51.100.1/%d", i)))
	}
	if err := CheckRedirect(req("https://198.51.100.1/next"), via); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("too many: %v", err)
	}
}
