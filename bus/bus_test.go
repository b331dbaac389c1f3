package bus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// openBus starts an embedded server in a temporary folder and connects.
func openBus(t testing.TB, dir string, configure func(*Bus)) (*Server, *Bus) {
	t.Helper()
	ctx := context.Background()
	srv := &Server{DataDir: dir}
	if err := srv.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b := &Bus{URL: srv.URL(), Name: t.Name()}
	if configure != nil {
		configure(b)
	}
	if err := b.Open(ctx); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		srv.Close()
	})
	return srv, b
}

func TestObservationQueue(t *testing.T) {
	ctx := context.Background()
	_, b := openBus(t, t.TempDir(), func(b *Bus) { b.MaxQueuedBatches = 2 })
	received := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for i := range 2 {
		_, err := b.EnqueueObservations(ctx, &rampart.ObservationBatch{
			ID: fmt.Sprintf("batch-%d", i), APIRoot: "cti", Collection: "c1", Format: "jsonl",
			Window: 15 * time.Minute, Received: received, Body: []byte(`{"ipv4-addr:value":"198.51.100.7"}` + "\n"),
		})
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	// The queue holds two: the third is refused, and says so.
	_, err := b.EnqueueObservations(ctx, &rampart.ObservationBatch{ID: "batch-2", APIRoot: "cti", Body: []byte("{}\n")})
	if rampart.ErrorCode(err) != rampart.ETOOMANY {
		t.Fatalf("third batch in a queue of two: got %v, want ETOOMANY", err)
	}
	if n, err := b.QueueLength(ctx); err != nil || n != 2 {
		t.Fatalf("QueueLength = %d, %v; want 2", n, err)
	}

	// A handler that fails once gets the batch again.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var got []*rampart.ObservationBatch
	failed := false
	done := make(chan error, 1)
	go func() {
		done <- b.ConsumeObservations(cctx, func(_ context.Context, batch *rampart.ObservationBatch) error {
			if batch.ID == "batch-0" && !failed {
				failed = true
				return fmt.Errorf("store down")
			}
			got = append(got, batch)
			if len(got) == 2 {
				cancel()
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		// The failed batch comes back after the 5 s delay; on a loaded
		// machine under -race the whole takes far longer than alone (5 s).
		t.Fatal("batches not consumed within 2 minutes")
	}
	if len(got) != 2 {
		t.Fatalf("consumed %d batches, want 2", len(got))
	}
	ids := map[string]*rampart.ObservationBatch{}
	for _, g := range got {
		ids[g.ID] = g
	}
	b0 := ids["batch-0"]
	if b0 == nil || ids["batch-1"] == nil {
		t.Fatalf("consumed %v, want batch-0 and batch-1", ids)
	}
	if b0.APIRoot != "cti" || b0.Collection != "c1" || b0.Format != "jsonl" || b0.Window != 15*time.Minute || !b0.Received.Equal(received) || string(b0.Body) != `{"ipv4-addr:value":"198.51.100.7"}`+"\n" {
		t.Errorf("batch read back as %+v", b0)
	}
	if n, err := b.QueueLength(ctx); err != nil || n != 0 {
		t.Errorf("QueueLength after acknowledgement = %d, %v; want 0", n, err)
	}
}

func TestEnqueueRefusesBadInput(t *testing.T) {
	_, b := openBus(t, t.TempDir(), nil)
	_, err := b.EnqueueObservations(context.Background(), &rampart.ObservationBatch{APIRoot: "a.b", Body: []byte("{}")})
	if rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("API root with a dot: got %v, want EINVALID", err)
	}
	_, err = b.EnqueueObservations(context.Background(), &rampart.ObservationBatch{APIRoot: "cti", Body: make([]byte, DefaultMaxPayload)})
	if rampart.ErrorCode(err) != rampart.ETOOLARGE {
		t.Errorf("batch of the largest message: got %v, want ETOOLARGE", err)
	}
}

func indicator(t testing.TB, i int) *stix.Object {
	t.Helper()
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i, i)
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObjectStreamResumes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, b := openBus(t, dir, nil)
	for i := 1; i <= 5; i++ {
		v := &rampart.ObjectVersion{Object: indicator(t, i), Seq: int64(i)}
		if err := b.PublishObject(ctx, "cti", "c1", v); err != nil {
			t.Fatal(err)
		}
		// A second process of the node publishing the same version is
		// kept once.
		if err := b.PublishObject(ctx, "cti", "c1", v); err != nil {
			t.Fatal(err)
		}
	}
	got, next, err := b.ReadObjects(ctx, 0, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || next != got[2].Seq || got[0].Object.ID != indicator(t, 1).ID || got[0].CollectionID != "c1" || got[0].APIRoot != "cti" {
		t.Fatalf("first read: %d objects, next %d", len(got), next)
	}

	// The server restarts; the store keeps the stream.
	b.Close()
	srv.Close()
	srv2, b2 := openBus(t, dir, nil)
	_ = srv2
	rest, next2, err := b2.ReadObjects(ctx, next, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 || rest[0].Object.ID != indicator(t, 4).ID || rest[1].Object.ID != indicator(t, 5).ID {
		t.Fatalf("after restart, resumed after %d: got %d objects", next, len(rest))
	}
	// Nothing more: an empty read waits, then returns the same position.
	none, next3, err := b2.ReadObjects(ctx, next2, 10, 200*time.Millisecond)
	if err != nil || len(none) != 0 || next3 != next2 {
		t.Fatalf("read at the end: %d objects, next %d (was %d), %v", len(none), next3, next2, err)
	}
}
