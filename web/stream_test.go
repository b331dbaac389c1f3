package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// memStream is an object stream held in memory.
type memStream struct {
	mu sync.Mutex
	vs []*rampart.StreamedObject
}

func (s *memStream) add(coll string, v *rampart.ObjectVersion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vs = append(s.vs, &rampart.StreamedObject{Seq: uint64(len(s.vs) + 1), APIRoot: "api", CollectionID: coll, Object: v.Object})
}

func (s *memStream) ReadObjects(_ context.Context, after uint64, max int, _ time.Duration) ([]*rampart.StreamedObject, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if after >= uint64(len(s.vs)) {
		return nil, after, nil
	}
	out := s.vs[after:min(int(after)+max, len(s.vs))]
	return out, out[len(out)-1].Seq, nil
}

// TestStreamGivesExactlyWhatEachAccountMayRead is the object stream's
// promise: a subscriber receives every version it may read, exactly the
// ones it may read (grants, TLP and addressing, as TAXII reads), and
// resumes after a restart from its last position without gaps or
// repeats.
func TestStreamGivesExactlyWhatEachAccountMayRead(t *testing.T) {
	m := newMatrix(t)
	stream := &memStream{}
	m.api.ObjectStream = stream

	// The fixture's objects, in two halves: the second comes after the
	// subscribers stopped.
	names := make([]string, 0, len(m.ids))
	for name := range m.ids {
		names = append(names, name)
	}
	slices.Sort(names)
	publish := func(names []string) {
		for _, name := range names {
			found := false
			for _, coll := range []string{m.coordID, m.intelID, m.sightings} {
				page, err := m.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{m.ids[name]}})
				must(t, err)
				for _, v := range page.Versions {
					stream.add(coll, v)
					found = true
				}
			}
			if !found {
				t.Fatalf("%s (%s) is in no collection", name, m.ids[name])
			}
		}
	}
	half := len(names) / 2
	publish(names[:half])

	// read follows the stream from after until it gives nothing more,
	// in pages of three, and returns the ids read and where it stopped.
	read := func(user string, after uint64) ([]string, uint64) {
		t.Helper()
		var ids []string
		for range 1000 {
			a := m.do(user, "GET", fmt.Sprintf("/api/v1/stream?after=%d&limit=3", after), "")
			m.want(a, 200)
			next := uint64(a.json["next"].(float64))
			objs := a.json["objects"].([]any)
			for _, o := range objs {
				o := o.(map[string]any)
				ids = append(ids, o["object"].(map[string]any)["id"].(string))
				if seq := uint64(o["seq"].(float64)); seq <= after || seq > next {
					t.Errorf("%s: seq %d outside (%d, %d]", user, seq, after, next)
				}
			}
			if next == after {
				return ids, next
			}
			after = next
		}
		t.Fatalf("%s: the stream did not end", user)
		return nil, 0
	}
	for _, acct := range matrixAccounts {
		first, pos := read(acct.name, 0)
		publish(names[half:]) // while the subscriber is away
		rest, end := read(acct.name, pos)
		if end != uint64(len(stream.vs)) {
			t.Errorf("%s: stopped at %d of %d", acct.name, end, len(stream.vs))
		}
		got := append(first, rest...)
		var want []string
		for _, name := range names {
			if strings.Contains(m.readers[name], acct.letter) {
				want = append(want, m.ids[name])
			}
		}
		slices.Sort(want)
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		if !slices.Equal(sorted, want) {
			t.Errorf("%s read %d versions, want %d:\n got %v\nwant %v", acct.name, len(got), len(want), sorted, want)
		}
		// Reset the stream to its first half for the next account.
		stream.vs = stream.vs[:0]
		publish(names[:half])
	}

	// An account of an organisation the node does not know reads nothing.
	m.want(m.do("stranger", "GET", "/api/v1/stream", ""), 403)
	// Bad parameters say what is wrong.
	m.want(m.do("own", "GET", "/api/v1/stream?after=-1", ""), 400, "after")
	m.want(m.do("own", "GET", "/api/v1/stream?limit=5000", ""), 400, "limit")
	m.want(m.do("own", "GET", "/api/v1/stream?wait=2h", ""), 400, "wait")
	m.want(m.do("own", "GET", "/api/v1/stream?since=1", ""), 400, "since")
	// The type filter gives only that type.
	a := m.do("own", "GET", "/api/v1/stream?type=indicator&limit=1000", "")
	m.want(a, 200)
	for _, o := range a.json["objects"].([]any) {
		if typ := o.(map[string]any)["object"].(map[string]any)["type"]; typ != "indicator" {
			t.Errorf("type=indicator gave a %v", typ)
		}
	}
}

func TestStreamWithoutBus(t *testing.T) {
	n := newNode(t)
	n.want(n.do("analyst", "GET", "/api/v1/stream", ""), 503, "--bus")
}

// fullQueue refuses every batch as a bus whose workers are behind does.
type fullQueue struct{ got []*rampart.ObservationBatch }

func (q *fullQueue) EnqueueObservations(_ context.Context, b *rampart.ObservationBatch) (uint64, error) {
	q.got = append(q.got, b)
	if len(q.got) > 1 {
		return 0, &rampart.Error{Code: rampart.ETOOMANY, Message: "the matcher workers are behind (observation queue full): retry later", RetryAfter: 5 * time.Second}
	}
	return 7, nil
}

func TestObservationsQueued(t *testing.T) {
	m := newMatrix(t)
	q := &fullQueue{}
	m.api.Observations = q
	body := `{"ipv4-addr:value":"198.51.100.2","first_observed":"2026-03-10T11:00:00Z"}` + "\n"
	a := m.do("partner", "POST", "/api/v1/observations?window=15m", body)
	m.want(a, 202, `"queued":true`, `"position":7`)
	if len(q.got) != 1 {
		t.Fatalf("%d batches queued", len(q.got))
	}
	b := q.got[0]
	if string(b.Body) != body || b.Account != "partner" || b.Observer != orgPartner || b.Collection != m.sightings || b.APIRoot != "api" || b.Window != 15*time.Minute || b.ID == "" || a.json["batch"] != b.ID {
		t.Errorf("batch queued as %+v", b)
	}
	// Workers behind: 429 with Retry-After.
	a = m.do("partner", "POST", "/api/v1/observations", body)
	m.want(a, 429, "retry later")
	if got := a.header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5", got)
	}
	// A bad format is refused before anything is queued.
	m.want(m.do("partner", "POST", "/api/v1/observations?format=pcap", body), 400, "pcap")
	if len(q.got) != 2 {
		t.Errorf("%d batches queued, want 2", len(q.got))
	}
	// An upload larger than a queued batch may be is refused.
	m.api.MaxQueuedObservationBytes = 10
	m.want(m.do("partner", "POST", "/api/v1/observations", body), 413, "several requests")
}
