package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

func testStatuses(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	LoadMedallion(t, s, "")

	st, err := s.Statuses.FindStatusByID(ctx, "trustgroup1", "2d086da7-4bdc-4f91-900e-d77486753710")
	must(t, "find fixture status", err)
	want := &rampart.Status{
		ID: "2d086da7-4bdc-4f91-900e-d77486753710", APIRoot: "trustgroup1", Status: rampart.StatusPending,
		RequestTimestamp: *ts("2016-11-02T12:34:34.123456Z"),
		TotalCount:       4, SuccessCount: 1, FailureCount: 1, PendingCount: 2,
		Successes: []rampart.StatusDetail{{ID: "indicator--cd981c25-8042-4166-8945-51178443bdac", Version: "2014-05-08T09:00:00.000Z",
			Message: "Successfully added object to collection '91a7b528-80eb-42ed-a74d-c6fbd5a26116'."}},
		Failures: []rampart.StatusDetail{{ID: "malware--664fa29d-bf65-4f28-a667-bdb76f29ec98", Version: "2015-05-08T09:00:00.000Z", Message: "Unable to process object"}},
		Pendings: []rampart.StatusDetail{
			{ID: "indicator--252c7c11-daf2-42bd-843b-be65edca9f61", Version: "2016-08-08T09:00:00.000Z"},
			{ID: "relationship--045585ad-a22f-4333-af33-bfd503a683b5", Version: "2016-06-08T09:00:00.000Z"},
		},
	}
	if diff := cmp.Diff(want, st, cmpTime); diff != "" {
		t.Errorf("fixture status (-want +got):\n%s", diff)
	}
	_, err = s.Statuses.FindStatusByID(ctx, "api1", want.ID)
	wantCode(t, "status of another API root", err, rampart.ENOTFOUND)
	_, err = s.Statuses.FindStatusByID(ctx, "trustgroup1", "22101993")
	wantCode(t, "unknown status", err, rampart.ENOTFOUND)

	now := time.Now().UTC()
	fresh := &rampart.Status{APIRoot: "trustgroup1", Account: "admin", Status: rampart.StatusComplete, RequestTimestamp: now,
		TotalCount: 1, SuccessCount: 1, Successes: []rampart.StatusDetail{{ID: "x--1", Version: "v"}}}
	must(t, "create status", s.Statuses.CreateStatus(ctx, fresh))
	if fresh.ID == "" {
		t.Fatalf("CreateStatus assigned no ID")
	}
	got, err := s.Statuses.FindStatusByID(ctx, "trustgroup1", fresh.ID)
	must(t, "find new status", err)
	fresh.RequestTimestamp = fresh.RequestTimestamp.Truncate(time.Microsecond)
	if diff := cmp.Diff(fresh, got, cmpTime); diff != "" {
		t.Errorf("new status (-want +got):\n%s", diff)
	}
	wantCode(t, "duplicate status", s.Statuses.CreateStatus(ctx, &rampart.Status{ID: fresh.ID, APIRoot: "trustgroup1", Status: rampart.StatusPending}), rampart.ECONFLICT)
	wantCode(t, "status of a missing API root", s.Statuses.CreateStatus(ctx, &rampart.Status{APIRoot: "nope", Status: rampart.StatusPending}), rampart.ENOTFOUND)
	wantCode(t, "bad state", s.Statuses.CreateStatus(ctx, &rampart.Status{APIRoot: "trustgroup1", Status: "done"}), rampart.EINVALID)

	n, err := s.Statuses.DeleteStatuses(ctx, now.Add(-24*time.Hour))
	must(t, "delete old statuses", err)
	if n != 2 {
		t.Errorf("DeleteStatuses removed %d, want the 2 fixture statuses", n)
	}
	_, err = s.Statuses.FindStatusByID(ctx, "trustgroup1", want.ID)
	wantCode(t, "deleted status", err, rampart.ENOTFOUND)
	_, err = s.Statuses.FindStatusByID(ctx, "trustgroup1", fresh.ID)
	wantCode(t, "kept status", err, "")
}

func testSecrets(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	const workers = 8
	got := make([][]byte, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { got[i], errs[i] = s.Secrets.FindOrCreateSecret(ctx, "cursor-key", 32) })
	}
	wg.Wait()
	for i := range workers {
		must(t, "concurrent first call", errs[i])
		if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("concurrent first calls returned different secrets (%x, %x)", got[0], got[i])
		}
	}
	if bytes.Equal(got[0], make([]byte, 32)) {
		t.Errorf("secret is all zeros")
	}
	again, err := s.Secrets.FindOrCreateSecret(ctx, "cursor-key", 32)
	must(t, "second call", err)
	if !bytes.Equal(again, got[0]) {
		t.Errorf("second call returned another secret")
	}
	other, err := s.Secrets.FindOrCreateSecret(ctx, "other", 32)
	must(t, "other name", err)
	if bytes.Equal(other, got[0]) {
		t.Errorf("two names share a secret")
	}
	_, err = s.Secrets.FindOrCreateSecret(ctx, "cursor-key", 16)
	if err == nil {
		t.Errorf("asking for 16 bytes of a 32-byte secret succeeded")
	}
	_, err = s.Secrets.FindOrCreateSecret(ctx, "", 32)
	wantCode(t, "empty name", err, rampart.EINVALID)
	_, err = s.Secrets.FindOrCreateSecret(ctx, "huge", 1<<20)
	wantCode(t, "huge secret", err, rampart.EINVALID)
}
