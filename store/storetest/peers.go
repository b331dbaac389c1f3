package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

const (
	peerFR  = "identity--11111111-1111-4111-8111-111111111111"
	peerHub = "identity--44444444-4444-4444-8444-444444444444"
)

func testPeers(t *testing.T, open func(t *testing.T) Services) {
	t.Run("CRUD", func(t *testing.T) {
		s := open(t)
		clock := time.Date(2026, 11, 2, 9, 0, 0, 123456000, time.UTC)
		s.SetClock(func() time.Time { return clock })
		peers, err := s.Peers.FindPeers(ctx)
		must(t, "find peers of a new store", err)
		if len(peers) != 0 {
			t.Errorf("a new store has %d peers, want none", len(peers))
		}
		fr := &rampart.Peer{ID: peerFR, Name: "CERT-FR", URL: "https://cti.cert.fr:8443", APIRoot: "api"}
		hub := &rampart.Peer{ID: peerHub, Name: "EU hub", URL: "https://hub.example.eu/", APIRoot: "federation"}
		must(t, "create peer", s.Peers.CreatePeer(ctx, hub))
		must(t, "create peer", s.Peers.CreatePeer(ctx, fr))
		if !fr.CreatedAt.Equal(clock) {
			t.Errorf("CreatedAt = %v, want the store clock %v", fr.CreatedAt, clock)
		}
		wantCode(t, "same peer again", s.Peers.CreatePeer(ctx, &rampart.Peer{ID: peerFR, URL: "https://x.example", APIRoot: "api"}), rampart.ECONFLICT)

		got, err := s.Peers.FindPeerByID(ctx, peerFR)
		must(t, "find peer", err)
		if diff := cmp.Diff(fr, got, cmpTime); diff != "" {
			t.Errorf("peer (-want +got):\n%s", diff)
		}
		peers, err = s.Peers.FindPeers(ctx)
		must(t, "find peers", err)
		if diff := cmp.Diff([]*rampart.Peer{fr, hub}, peers, cmpTime); diff != "" {
			t.Errorf("peers in name order (-want +got):\n%s", diff)
		}
		_, err = s.Peers.FindPeerByID(ctx, "identity--99999999-9999-4999-8999-999999999999")
		wantCode(t, "unknown peer", err, rampart.ENOTFOUND)

		must(t, "delete peer", s.Peers.DeletePeer(ctx, peerFR))
		wantCode(t, "delete again", s.Peers.DeletePeer(ctx, peerFR), rampart.ENOTFOUND)
		_, err = s.Peers.FindPeerByID(ctx, peerFR)
		wantCode(t, "deleted peer", err, rampart.ENOTFOUND)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		for _, p := range []rampart.Peer{
			{ID: "", URL: "https://a.example", APIRoot: "api"},
			{ID: "indicator--11111111-1111-4111-8111-111111111111", URL: "https://a.example", APIRoot: "api"},
			{ID: peerFR, URL: "http://a.example", APIRoot: "api"},
			{ID: peerFR, URL: "https://", APIRoot: "api"},
			{ID: peerFR, URL: "https://a.example/?x=1", APIRoot: "api"},
			{ID: peerFR, URL: "https://user:pw@a.example/", APIRoot: "api"},
			{ID: peerFR, URL: "https://a.example", APIRoot: ""},
			{ID: peerFR, URL: "https://a.example", APIRoot: "a/b"},
		} {
			wantCode(t, fmt.Sprintf("create %+v", p), s.Peers.CreatePeer(ctx, &p), rampart.EINVALID)
		}
		peers, err := s.Peers.FindPeers(ctx)
		must(t, "find peers", err)
		if len(peers) != 0 {
			t.Errorf("invalid peers were stored: %d", len(peers))
		}
	})

	t.Run("Sync", func(t *testing.T) {
		s := open(t)
		must(t, "create peer", s.Peers.CreatePeer(ctx, &rampart.Peer{ID: peerHub, Name: "EU hub", URL: "https://hub.example.eu", APIRoot: "api"}))
		st, err := s.Peers.FindPeerStatus(ctx, peerHub)
		must(t, "status of a new peer", err)
		if diff := cmp.Diff(&rampart.PeerStatus{PeerID: peerHub}, st, cmpTime); diff != "" {
			t.Errorf("status of a new peer (-want +got):\n%s", diff)
		}

		t1 := time.Date(2026, 11, 2, 10, 0, 0, 1000, time.UTC)
		after1 := time.Date(2026, 11, 2, 9, 59, 59, 999999000, time.UTC)
		must(t, "record a page", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{
			PeerID: peerHub, At: t1, ObjectsIn: 10,
			Cursor: &rampart.PeerCursor{CollectionID: "c1", AddedAfter: after1, Lag: 1500 * time.Microsecond},
			Rejections: []*rampart.PeerRejection{
				{ObjectID: "indicator--1", Version: "2026-11-01T00:00:00.000Z", Reason: "bad-signature", Message: "first"},
				{At: t1.Add(-time.Second), ObjectID: "indicator--2", Version: "v2", Reason: "replay", Message: "second"},
			},
		}))
		must(t, "record an error", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerHub, At: t1.Add(time.Second), Error: "connection refused", ObjectsOut: 3}))
		st, err = s.Peers.FindPeerStatus(ctx, peerHub)
		must(t, "status", err)
		want := &rampart.PeerStatus{
			PeerID: peerHub, LastError: "connection refused", LastErrorAt: t1.Add(time.Second),
			ObjectsIn: 10, ObjectsOut: 3, Rejections: 2,
			Cursors: []*rampart.PeerCursor{{PeerID: peerHub, CollectionID: "c1", AddedAfter: after1, Lag: 1500 * time.Microsecond, UpdatedAt: t1}},
			RecentRejections: []*rampart.PeerRejection{
				{At: t1.Add(-time.Second), ObjectID: "indicator--2", Version: "v2", Reason: "replay", Message: "second"},
				{At: t1, ObjectID: "indicator--1", Version: "2026-11-01T00:00:00.000Z", Reason: "bad-signature", Message: "first"},
			},
		}
		if diff := cmp.Diff(want, st, cmpTime); diff != "" {
			t.Errorf("status after a page and an error (-want +got):\n%s", diff)
		}
		if st.Lag() != 1500*time.Microsecond {
			t.Errorf("Lag() = %v, want 1.5ms", st.Lag())
		}

		// A completed round clears the error; a cursor never moves back.
		t2 := t1.Add(time.Minute)
		must(t, "record a completed round", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{
			PeerID: peerHub, At: t2, Completed: true,
			Cursor: &rampart.PeerCursor{CollectionID: "c1", AddedAfter: after1.Add(-time.Hour), Lag: time.Hour},
		}))
		must(t, "record a second collection", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{
			PeerID: peerHub, At: t2, Cursor: &rampart.PeerCursor{CollectionID: "c0", AddedAfter: t2, Lag: 2 * time.Second},
		}))
		st, err = s.Peers.FindPeerStatus(ctx, peerHub)
		must(t, "status", err)
		if !st.LastSync.Equal(t2) || st.LastError != "" {
			t.Errorf("after a completed round: LastSync %v, LastError %q; want %v and none", st.LastSync, st.LastError, t2)
		}
		if len(st.Cursors) != 2 || st.Cursors[0].CollectionID != "c0" || !st.Cursors[1].AddedAfter.Equal(after1) || st.Cursors[1].Lag != 1500*time.Microsecond {
			t.Errorf("cursors after an older position was recorded: %+v %+v; want c0, then c1 still at %v", st.Cursors[0], st.Cursors[len(st.Cursors)-1], after1)
		}
		if st.Lag() != 2*time.Second {
			t.Errorf("Lag() = %v, want the largest, 2s", st.Lag())
		}

		wantCode(t, "cursor without collection", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerHub, Cursor: &rampart.PeerCursor{}}), rampart.EINVALID)
		wantCode(t, "sync of an unknown peer", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerFR, ObjectsIn: 1}), rampart.ENOTFOUND)
		_, err = s.Peers.FindPeerStatus(ctx, peerFR)
		wantCode(t, "status of an unknown peer", err, rampart.ENOTFOUND)
	})

	t.Run("RejectionsBounded", func(t *testing.T) {
		s := open(t)
		must(t, "create peer", s.Peers.CreatePeer(ctx, &rampart.Peer{ID: peerFR, URL: "https://fr.example", APIRoot: "api"}))
		total := rampart.MaxPeerRejections + 30
		for i := 0; i < total; i += 10 {
			var rs []*rampart.PeerRejection
			for j := i; j < i+10; j++ {
				rs = append(rs, &rampart.PeerRejection{ObjectID: fmt.Sprintf("indicator--%d", j), Reason: "unknown-key"})
			}
			must(t, "record rejections", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerFR, Rejections: rs}))
		}
		st, err := s.Peers.FindPeerStatus(ctx, peerFR)
		must(t, "status", err)
		if st.Rejections != int64(total) {
			t.Errorf("Rejections = %d, want %d", st.Rejections, total)
		}
		if len(st.RecentRejections) != rampart.MaxPeerRejections {
			t.Fatalf("kept %d rejections, want MaxPeerRejections (%d)", len(st.RecentRejections), rampart.MaxPeerRejections)
		}
		if got, want := st.RecentRejections[0].ObjectID, fmt.Sprintf("indicator--%d", total-1); got != want {
			t.Errorf("newest rejection %q, want %q", got, want)
		}
	})

	t.Run("DeleteForgets", func(t *testing.T) {
		s := open(t)
		p := &rampart.Peer{ID: peerFR, URL: "https://fr.example", APIRoot: "api"}
		must(t, "create peer", s.Peers.CreatePeer(ctx, p))
		must(t, "record", s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerFR, ObjectsIn: 5,
			Cursor:     &rampart.PeerCursor{CollectionID: "c1", AddedAfter: time.Now()},
			Rejections: []*rampart.PeerRejection{{ObjectID: "indicator--1", Reason: "revoked"}}}))
		must(t, "delete peer", s.Peers.DeletePeer(ctx, peerFR))
		must(t, "create it again", s.Peers.CreatePeer(ctx, p))
		st, err := s.Peers.FindPeerStatus(ctx, peerFR)
		must(t, "status", err)
		if st.ObjectsIn != 0 || st.Rejections != 0 || len(st.Cursors) != 0 || len(st.RecentRejections) != 0 {
			t.Errorf("a peer added again starts from nothing; got %+v", st)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		must(t, "create peer", s.Peers.CreatePeer(ctx, &rampart.Peer{ID: peerFR, URL: "https://fr.example", APIRoot: "api"}))
		const writers, each = 4, 25
		var wg sync.WaitGroup
		base := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peerFR, ObjectsIn: 1, ObjectsOut: 2,
						Cursor: &rampart.PeerCursor{CollectionID: "c1", AddedAfter: base.Add(time.Duration(w*each+i) * time.Second)}})
					if err != nil {
						t.Errorf("record: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		st, err := s.Peers.FindPeerStatus(ctx, peerFR)
		must(t, "status", err)
		if st.ObjectsIn != writers*each || st.ObjectsOut != 2*writers*each {
			t.Errorf("counters %d in, %d out; want %d and %d", st.ObjectsIn, st.ObjectsOut, writers*each, 2*writers*each)
		}
		if want := base.Add((writers*each - 1) * time.Second); len(st.Cursors) != 1 || !st.Cursors[0].AddedAfter.Equal(want) {
			t.Errorf("cursor %+v, want the furthest position %v", st.Cursors, want)
		}
	})
}
