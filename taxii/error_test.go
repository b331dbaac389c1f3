package taxii_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"

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
