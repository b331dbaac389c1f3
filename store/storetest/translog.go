package storetest

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"

	"github.com/rampart-cti/rampart"
)

// logEntry returns an entry for object n.
func logEntry(n int) *rampart.LogEntry {
	id := fmt.Sprintf("x-rampart-statement--0d0d0d0d-0000-4000-8000-%012d", n)
	h := sha256.Sum256([]byte(id))
	return &rampart.LogEntry{LeafHash: h[:], Kind: rampart.LogObject, ObjectID: id, Version: "2026-12-01T00:00:00.000Z"}
}

func testLog(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	got, err := s.Log.AppendLog(ctx, []*rampart.LogEntry{logEntry(0), logEntry(1), logEntry(0)})
	must(t, "append", err)
	if len(got) != 2 || got[0].Index != 0 || got[1].Index != 1 || got[0].At.IsZero() {
		t.Fatalf("appended %d entries (%+v), want 2 with indexes 0 and 1 and a time", len(got), got)
	}
	// A leaf held already is left out; the next one takes the next index.
	got, err = s.Log.AppendLog(ctx, []*rampart.LogEntry{logEntry(1), logEntry(2)})
	must(t, "append again", err)
	if len(got) != 1 || got[0].Index != 2 || got[0].ObjectID != logEntry(2).ObjectID {
		t.Fatalf("second append = %+v, want entry 2 at index 2", got)
	}
	for _, bad := range []*rampart.LogEntry{
		{LeafHash: []byte{1}, Kind: rampart.LogObject, ObjectID: "x"},
		{LeafHash: make([]byte, 32), Kind: "other", ObjectID: "x"},
		{LeafHash: make([]byte, 32), Kind: rampart.LogRegistry},
		nil,
	} {
		_, err := s.Log.AppendLog(ctx, []*rampart.LogEntry{logEntry(9), bad})
		wantCode(t, fmt.Sprintf("append %+v", bad), err, rampart.EINVALID)
	}
	all, err := s.Log.FindLogEntries(ctx, 0, 0)
	must(t, "find", err)
	if len(all) != 3 {
		t.Fatalf("the log holds %d entries, want 3 (an invalid batch appends none)", len(all))
	}
	for i, e := range all {
		if e.Index != int64(i) || string(e.LeafHash) != string(logEntry(i).LeafHash) || e.Kind != rampart.LogObject || e.Version == "" {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	page, err := s.Log.FindLogEntries(ctx, 1, 1)
	must(t, "find a page", err)
	if len(page) != 1 || page[0].Index != 1 {
		t.Errorf("FindLogEntries(1, 1) = %+v, want entry 1", page)
	}
	_, err = s.Log.FindLogEntries(ctx, -1, 0)
	wantCode(t, "find from -1", err, rampart.EINVALID)
	e, err := s.Log.FindLogEntryByHash(ctx, logEntry(2).LeafHash)
	must(t, "find by hash", err)
	if e.Index != 2 {
		t.Errorf("FindLogEntryByHash = %+v, want index 2", e)
	}
	_, err = s.Log.FindLogEntryByHash(ctx, make([]byte, 32))
	wantCode(t, "find an unknown hash", err, rampart.ENOTFOUND)
	es, err := s.Log.FindLogEntriesByObject(ctx, logEntry(1).ObjectID)
	must(t, "find by object", err)
	if len(es) != 1 || es[0].Index != 1 {
		t.Errorf("FindLogEntriesByObject = %+v, want entry 1", es)
	}
	es, err = s.Log.FindLogEntriesByObject(ctx, "indicator--00000000-0000-4000-8000-000000000000")
	if err != nil || len(es) != 0 {
		t.Errorf("FindLogEntriesByObject of an object never logged = %+v, %v; want none", es, err)
	}

	// Appends from several handles at once leave no gap.
	other := s.Reopen(t)
	var wg sync.WaitGroup
	for w := range 4 {
		svc := s.Log
		if w%2 == 1 {
			svc = other.Log
		}
		wg.Go(func() {
			for i := range 5 {
				if _, err := svc.AppendLog(ctx, []*rampart.LogEntry{logEntry(100 + 10*w + i)}); err != nil {
					t.Errorf("concurrent append: %v", err)
				}
			}
		})
	}
	wg.Wait()
	all, err = s.Log.FindLogEntries(ctx, 0, 0)
	must(t, "find all", err)
	if len(all) != 23 {
		t.Fatalf("after concurrent appends the log holds %d entries, want 23", len(all))
	}
	for i, e := range all {
		if e.Index != int64(i) {
			t.Fatalf("entry %d has index %d: the log has a gap", i, e.Index)
		}
	}
}
