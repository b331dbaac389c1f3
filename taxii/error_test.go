package taxii_test

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
)

// failingObjects fails every listing with err.
type failingObjects struct {
	rampart.ObjectService
	err error
}

func (f failingObjects) FindObjects(context.Context, rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	return nil, f.err
}

// records is a slog handler that keeps the level and message of each
// record.
type records struct {
	mu  sync.Mutex
	got []string
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec.Level.String()+" "+rec.Message)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func (r *records) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.got, "; ")
}

// TestClientGoneIsNotAnInternalError: a client that goes away in the
// middle of a request is logged at INFO, not as an internal error.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("find objects: %w", context.Canceled), "INFO client gone"},
		{fmt.Errorf("write: %w", syscall.EPIPE), "INFO client gone"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "INFO client gone"},
		{errors.New("disk on fire"), "ERROR internal error"},
	}
	for _, tt := range tests {
		logs := &records{}
		hs := newHookServer(t, func(s *taxii.Server) {
			s.Objects = failingObjects{s.Objects, tt.err}
			s.Logger = slog.New(logs)
		})
		if _, err := hs.client.Objects(context.Background(), "api", hs.coll, taxii.Query{}); err == nil {
			t.Fatalf("%v: the listing did not fail", tt.err)
		}
		if got := logs.String(); got != tt.want {
			t.Errorf("%v: logged %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestErrorRetryAfter: a login refused for too many failures is a 429, one
// the node had no time to check a 503, each with Retry-After and its
// TAXII error resource.
func TestErrorRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		title  string
		retry  string
	}{
		{&rampart.Error{Code: rampart.ETOOMANY, Message: "too many failed logins from 192.0.2.1", RetryAfter: 30 * time.Second}, 429, "TooManyRequests", "30"},
		{&rampart.Error{Code: rampart.EUNAVAILABLE, Message: "the node is busy checking passwords", RetryAfter: 2 * time.Second}, 503, "ServiceUnavailable", "2"},
		{rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password"), 401, "Unauthorized", ""},
	} {
		w := httptest.NewRecorder()
		taxii.NewServer().WriteError(w, httptest.NewRequest("GET", "/taxii2/", nil), tt.err)
		var res taxii.ErrorResource
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || w.Header().Get("Retry-After") != tt.retry || res.Title != tt.title || res.Description != rampart.ErrorMessage(tt.err) {
			t.Errorf("%v: %d, Retry-After %q, %+v; want %d, %q, title %q", tt.err, w.Code, w.Header().Get("Retry-After"), res, tt.status, tt.retry, tt.title)
		}
	}
}
