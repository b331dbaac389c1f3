package objecthook

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// memStream is a rampart.ObjectStream in memory, positions from 1.
type memStream struct {
	mu      sync.Mutex
	objs    []*rampart.StreamedObject
	added   chan struct{}
	dropped uint64 // positions up to this one are lost to retention
}

func newMemStream() *memStream { return &memStream{added: make(chan struct{}, 1)} }

func (s *memStream) add(t *testing.T, coll string, raws ...string) {
	t.Helper()
	s.mu.Lock()
	for _, raw := range raws {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		s.objs = append(s.objs, &rampart.StreamedObject{Seq: uint64(len(s.objs) + 1), APIRoot: "cti", CollectionID: coll, Object: o})
	}
	s.mu.Unlock()
	select {
	case s.added <- struct{}{}:
	default:
	}
}

func (s *memStream) ReadObjects(ctx context.Context, after uint64, limit int, wait time.Duration) ([]*rampart.StreamedObject, uint64, error) {
	deadline := time.Now().Add(wait)
	for {
		s.mu.Lock()
		if after > 0 && after < s.dropped {
			s.mu.Unlock()
			return nil, after, rampart.Errorf(rampart.ECONFLICT, "position %d lost", after)
		}
		start := max(after, s.dropped)
		if int(start) < len(s.objs) {
			end := min(len(s.objs), int(start)+limit)
			out := slices.Clone(s.objs[start:end])
			s.mu.Unlock()
			return out, uint64(end), nil
		}
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return nil, after, nil
		}
		select {
		case <-ctx.Done():
			return nil, after, ctx.Err()
		case <-s.added:
		case <-time.After(min(left, 50*time.Millisecond)):
		}
	}
}

const (
	producerA = "identity--a1a1a1a1-0000-4000-8000-000000000001"
	producerB = "identity--b2b2b2b2-0000-4000-8000-000000000002"
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlpRed    = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// indicator returns an indicator of a pattern, by a producer, under a
// marking ("" for none).
func indicator(n int, pattern, producer, marking string) string {
	m := ""
	if marking != "" {
		m = fmt.Sprintf(`,"object_marking_refs":[%q]`, marking)
	}
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","created_by_ref":%q,"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}`, n, producer, pattern, m)
}
