package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

func testDeliveries(t *testing.T, open func(t *testing.T) Services) {
	t.Run("Record", func(t *testing.T) {
		s := open(t)
		t1 := time.Date(2026, 12, 3, 8, 0, 0, 1000, time.UTC)
		clock := t1
		s.SetClock(func() time.Time { return clock })
		const (
			obj1 = "indicator--0c0c0c0c-0000-4000-8000-000000000001"
			obj2 = "indicator--0c0c0c0c-0000-4000-8000-000000000002"
			v1   = "2026-12-01T00:00:00.000Z"
		)
		sealed := &rampart.Delivery{ObjectID: obj1, Version: v1, Recipient: orgBank, Status: rampart.DeliverySealed, EnvelopeID: "envelope-1"}
		noKey := &rampart.Delivery{ObjectID: obj1, Version: v1, Recipient: orgMinistr, Status: rampart.DeliveryFailed, Reason: "no encryption key", Attempts: 1}
		revoked := &rampart.Delivery{ObjectID: obj2, Version: v1, Recipient: orgBank, Status: rampart.DeliveryFailed, Reason: "key revoked", Attempts: 2}
		must(t, "record", s.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{sealed, noKey, revoked}))
		if sealed.Attempts != 1 || !sealed.UpdatedAt.Equal(t1) {
			t.Errorf("recorded delivery: %d attempts at %v, want 1 (0 counts as one) at the store clock %v", sealed.Attempts, sealed.UpdatedAt, t1)
		}

		// Recording one again replaces it; the attempts add up.
		t2 := t1.Add(time.Minute)
		clock = t2
		must(t, "record again", s.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{
			{ObjectID: obj1, Version: v1, Recipient: orgMinistr, Status: rampart.DeliveryFailed, Reason: "no encryption key yet"},
		}))
		t3 := t2.Add(time.Minute)
		clock = t3
		must(t, "record a success", s.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{
			{ObjectID: obj2, Version: v1, Recipient: orgBank, Status: rampart.DeliverySealed, EnvelopeID: "envelope-2", Attempts: 1},
		}))

		all, err := s.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{})
		must(t, "find", err)
		want := []*rampart.Delivery{
			{ObjectID: obj2, Version: v1, Recipient: orgBank, Status: rampart.DeliverySealed, EnvelopeID: "envelope-2", Attempts: 3, UpdatedAt: t3},
			{ObjectID: obj1, Version: v1, Recipient: orgMinistr, Status: rampart.DeliveryFailed, Reason: "no encryption key yet", Attempts: 2, UpdatedAt: t2},
			{ObjectID: obj1, Version: v1, Recipient: orgBank, Status: rampart.DeliverySealed, EnvelopeID: "envelope-1", Attempts: 1, UpdatedAt: t1},
		}
		if diff := cmp.Diff(want, all, cmpTime); diff != "" {
			t.Errorf("deliveries, newest first (-want +got):\n%s", diff)
		}

		str := func(s string) *string { return &s }
		failed := rampart.DeliveryFailed
		tests := []struct {
			f    rampart.DeliveryFilter
			want []*rampart.Delivery
		}{
			{rampart.DeliveryFilter{ObjectID: str(obj1)}, want[1:]},
			{rampart.DeliveryFilter{Recipient: str(orgBank)}, []*rampart.Delivery{want[0], want[2]}},
			{rampart.DeliveryFilter{Status: &failed}, want[1:2]},
			{rampart.DeliveryFilter{ObjectID: str(obj1), Recipient: str(orgBank)}, want[2:]},
			{rampart.DeliveryFilter{Recipient: str(orgBank), Status: &failed}, nil},
			{rampart.DeliveryFilter{Limit: 2}, want[:2]},
		}
		for _, tt := range tests {
			got, err := s.Deliveries.FindDeliveries(ctx, tt.f)
			must(t, "find", err)
			if diff := cmp.Diff(tt.want, got, cmpTime); diff != "" {
				t.Errorf("FindDeliveries(%+v) (-want +got):\n%s", tt.f, diff)
			}
		}
		_, err = s.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{Limit: -1})
		wantCode(t, "negative limit", err, rampart.EINVALID)

		sums, err := s.Deliveries.FindDeliverySummaries(ctx)
		must(t, "summaries", err)
		wantSums := []*rampart.DeliverySummary{
			{Recipient: orgMinistr, Failed: 1, LastFailure: "no encryption key yet", LastFailureAt: t2},
			{Recipient: orgBank, Sealed: 2},
		}
		if orgBank < orgMinistr {
			wantSums[0], wantSums[1] = wantSums[1], wantSums[0]
		}
		if diff := cmp.Diff(wantSums, sums, cmpTime); diff != "" {
			t.Errorf("summaries by recipient (-want +got):\n%s", diff)
		}
	})

	t.Run("LatestFailure", func(t *testing.T) {
		s := open(t)
		for i, f := range []struct {
			reason string
			hour   int
		}{{"first", 1}, {"third", 3}, {"second", 2}} {
			must(t, "record", s.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{{
				ObjectID: fmt.Sprintf("indicator--0c0c0c0c-0000-4000-8000-%012d", i), Version: "v", Recipient: orgBank,
				Status: rampart.DeliveryFailed, Reason: f.reason, UpdatedAt: time.Date(2026, 12, 3, f.hour, 0, 0, 0, time.UTC),
			}}))
		}
		sums, err := s.Deliveries.FindDeliverySummaries(ctx)
		must(t, "summaries", err)
		want := []*rampart.DeliverySummary{{Recipient: orgBank, Failed: 3, LastFailure: "third", LastFailureAt: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}}
		if diff := cmp.Diff(want, sums, cmpTime); diff != "" {
			t.Errorf("summary: the latest failure is the one updated last, whatever the order of recording (-want +got):\n%s", diff)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := open(t)
		var ds []*rampart.Delivery
		for i := range 150 {
			ds = append(ds, &rampart.Delivery{ObjectID: fmt.Sprintf("indicator--0c0c0c0c-0000-4000-8000-%012d", i), Version: "v",
				Recipient: orgBank, Status: rampart.DeliverySealed, UpdatedAt: time.Date(2026, 12, 3, 0, 0, i, 0, time.UTC)})
		}
		must(t, "record 150", s.Deliveries.RecordDeliveries(ctx, ds))
		got, err := s.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{})
		must(t, "find", err)
		if len(got) != 100 || got[0].ObjectID != ds[149].ObjectID || got[99].ObjectID != ds[50].ObjectID {
			t.Errorf("without a limit: %d deliveries, want the newest 100", len(got))
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		good := &rampart.Delivery{ObjectID: "indicator--0c0c0c0c-0000-4000-8000-000000000001", Version: "v", Recipient: orgBank, Status: rampart.DeliverySealed}
		for _, bad := range []*rampart.Delivery{
			nil,
			{Version: "v", Recipient: orgBank, Status: rampart.DeliverySealed},
			{ObjectID: good.ObjectID, Version: "v", Status: rampart.DeliverySealed},
			{ObjectID: good.ObjectID, Version: "v", Recipient: orgBank, Status: "lost"},
			{ObjectID: good.ObjectID, Version: "v", Recipient: orgBank, Status: rampart.DeliveryFailed, Attempts: -1},
		} {
			wantCode(t, fmt.Sprintf("record %+v", bad), s.Deliveries.RecordDeliveries(ctx, []*rampart.Delivery{good, bad}), rampart.EINVALID)
		}
		got, err := s.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{})
		must(t, "find", err)
		if len(got) != 0 {
			t.Errorf("a refused batch stored %d deliveries", len(got))
		}
	})
}
