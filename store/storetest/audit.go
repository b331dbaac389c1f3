package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

// auditRecord returns a record of object n sent to the bank by a peer.
func auditRecord(n int) *rampart.AuditRecord {
	return &rampart.AuditRecord{
		ObjectID: fmt.Sprintf("indicator--0d0d0d0d-0000-4000-8000-%012d", n), Version: "2026-12-01T00:00:00.000Z",
		Recipient: orgBank, Channel: rampart.AuditPeer, Via: orgBank, Sealed: n%2 == 0,
	}
}

// checkChain fails t unless rs are the whole log: Seqs 1, 2, … without
// gaps, At never going back, and each Hash AuditHash of the one before.
func checkChain(t *testing.T, rs []*rampart.AuditRecord) {
	t.Helper()
	var prev []byte
	for i, r := range rs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has Seq %d, want %d: the log has a gap", i, r.Seq, i+1)
		}
		if i > 0 && r.At.Before(rs[i-1].At) {
			t.Errorf("record %d: At %v before the previous record's %v", r.Seq, r.At, rs[i-1].At)
		}
		if want := rampart.AuditHash(prev, r); !bytes.Equal(r.Hash, want) {
			t.Fatalf("record %d: hash %x, want AuditHash of the previous hash and the record, %x", r.Seq, r.Hash, want)
		}
		prev = r.Hash
	}
}

// allAudit returns every record of the log.
func allAudit(t *testing.T, s Services) []*rampart.AuditRecord {
	t.Helper()
	var out []*rampart.AuditRecord
	f := rampart.AuditFilter{Limit: 7}
	for {
		page, err := s.Audit.FindAudit(ctx, f)
		must(t, "find audit records", err)
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
}

func testAudit(t *testing.T, open func(t *testing.T) Services) {
	t.Run("Chain", func(t *testing.T) {
		s := open(t)
		t1 := time.Date(2026, 12, 4, 8, 0, 0, 123456789, time.UTC)
		clock := t1
		s.SetClock(func() time.Time { return clock })
		first := []*rampart.AuditRecord{auditRecord(1), auditRecord(2), auditRecord(3)}
		got, err := s.Audit.AppendAudit(ctx, first)
		must(t, "append", err)
		if len(got) != 3 {
			t.Fatalf("appended %d records, want 3", len(got))
		}
		for i, r := range got {
			if r != first[i] {
				t.Errorf("returned record %d is not the one given", i)
			}
			if want := t1.Truncate(time.Microsecond); !r.At.Equal(want) {
				t.Errorf("record %d: At %v, want the store clock in µs, %v", r.Seq, r.At, want)
			}
		}
		checkChain(t, got)

		// Held records are left out, also when repeated in one call; the
		// others follow without a gap. The clock steps back: At does not.
		clock = t1.Add(-time.Hour)
		again := []*rampart.AuditRecord{auditRecord(2), auditRecord(4), auditRecord(1), auditRecord(4), auditRecord(5)}
		// The same version by another channel or via is another record.
		byAccount := auditRecord(1)
		byAccount.Channel, byAccount.Via = rampart.AuditAccount, "analyst"
		again = append(again, byAccount)
		got, err = s.Audit.AppendAudit(ctx, again)
		must(t, "append again", err)
		var ids []string
		for _, r := range got {
			ids = append(ids, fmt.Sprintf("%d %s %s", r.Seq, r.ObjectID[len(r.ObjectID)-1:], r.Channel))
		}
		if diff := cmp.Diff([]string{"4 4 peer", "5 5 peer", "6 1 account"}, ids); diff != "" {
			t.Errorf("appended (-want +got):\n%s", diff)
		}
		if again[0].Seq != 0 || again[3].Seq != 0 || again[0].Hash != nil {
			t.Errorf("records held already were given Seq %d, %d: want them untouched", again[0].Seq, again[3].Seq)
		}
		all := allAudit(t, s)
		if len(all) != 6 {
			t.Fatalf("the log holds %d records, want 6", len(all))
		}
		checkChain(t, all)
		if diff := cmp.Diff(append(first, got...), all, cmpTime); diff != "" {
			t.Errorf("stored records differ from those returned (-want +got):\n%s", diff)
		}

		str := func(s string) *string { return &s }
		since := t1.Add(time.Microsecond)
		tests := []struct {
			f    rampart.AuditFilter
			want []int64
		}{
			{rampart.AuditFilter{ObjectID: str(auditRecord(1).ObjectID)}, []int64{1, 6}},
			{rampart.AuditFilter{Recipient: str(orgBank), AfterSeq: 4}, []int64{5, 6}},
			{rampart.AuditFilter{Recipient: str(orgMinistr)}, nil},
			{rampart.AuditFilter{Since: &t1}, []int64{1, 2, 3, 4, 5, 6}},
			{rampart.AuditFilter{Since: &since}, nil},
			{rampart.AuditFilter{AfterSeq: 1, Limit: 2}, []int64{2, 3}},
		}
		for _, tt := range tests {
			rs, err := s.Audit.FindAudit(ctx, tt.f)
			must(t, "find", err)
			var seqs []int64
			for _, r := range rs {
				seqs = append(seqs, r.Seq)
			}
			if diff := cmp.Diff(tt.want, seqs); diff != "" {
				t.Errorf("FindAudit(%+v) (-want +got):\n%s", tt.f, diff)
			}
		}
		_, err = s.Audit.FindAudit(ctx, rampart.AuditFilter{Limit: -1})
		wantCode(t, "negative limit", err, rampart.EINVALID)

		bad := auditRecord(9)
		bad.Channel = "email"
		_, err = s.Audit.AppendAudit(ctx, []*rampart.AuditRecord{auditRecord(8), bad})
		wantCode(t, "unknown channel", err, rampart.EINVALID)
		_, err = s.Audit.AppendAudit(ctx, []*rampart.AuditRecord{{ObjectID: "indicator--1", Channel: rampart.AuditPeer, Via: orgBank}})
		wantCode(t, "no recipient", err, rampart.EINVALID)
		if n := len(allAudit(t, s)); n != 6 {
			t.Errorf("refused appends left %d records, want 6", n)
		}
	})

	t.Run("Checkpoints", func(t *testing.T) {
		s := open(t)
		clock := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return clock })
		rs, err := s.Audit.AppendAudit(ctx, []*rampart.AuditRecord{auditRecord(1), auditRecord(2), auditRecord(3)})
		must(t, "append", err)
		wrong := bytes.Clone(rs[2].Hash)
		wrong[0] ^= 1
		wantCode(t, "checkpoint with another hash", s.Audit.CreateAuditCheckpoint(ctx, &rampart.AuditCheckpoint{Seq: 3, Hash: wrong, Signature: []byte("jws")}), rampart.EINVALID)
		wantCode(t, "checkpoint with the previous record's hash", s.Audit.CreateAuditCheckpoint(ctx, &rampart.AuditCheckpoint{Seq: 3, Hash: rs[1].Hash, Signature: []byte("jws")}), rampart.EINVALID)
		wantCode(t, "checkpoint after the last record", s.Audit.CreateAuditCheckpoint(ctx, &rampart.AuditCheckpoint{Seq: 4, Hash: rs[2].Hash, Signature: []byte("jws")}), rampart.EINVALID)
		wantCode(t, "checkpoint at record 0", s.Audit.CreateAuditCheckpoint(ctx, &rampart.AuditCheckpoint{Seq: 0, Signature: []byte("jws")}), rampart.EINVALID)

		c2 := &rampart.AuditCheckpoint{Seq: 2, Hash: rs[1].Hash, Signature: []byte("jws 2")}
		c3 := &rampart.AuditCheckpoint{Seq: 3, Hash: rs[2].Hash, Signature: []byte("jws 3"), At: clock.Add(time.Hour)}
		must(t, "checkpoint 3", s.Audit.CreateAuditCheckpoint(ctx, c3))
		must(t, "checkpoint 2", s.Audit.CreateAuditCheckpoint(ctx, c2))
		if !c2.At.Equal(clock) {
			t.Errorf("checkpoint At %v, want the store clock %v", c2.At, clock)
		}
		wantCode(t, "second checkpoint at record 3", s.Audit.CreateAuditCheckpoint(ctx, &rampart.AuditCheckpoint{Seq: 3, Hash: rs[2].Hash, Signature: []byte("again")}), rampart.ECONFLICT)

		cs, err := s.Audit.FindAuditCheckpoints(ctx, 0, 0)
		must(t, "find checkpoints", err)
		if diff := cmp.Diff([]*rampart.AuditCheckpoint{c2, c3}, cs, cmpTime); diff != "" {
			t.Errorf("checkpoints (-want +got):\n%s", diff)
		}
		cs, err = s.Audit.FindAuditCheckpoints(ctx, 2, 0)
		must(t, "find checkpoints after 2", err)
		if len(cs) != 1 || cs[0].Seq != 3 {
			t.Errorf("checkpoints after record 2: %+v, want the one at 3", cs)
		}
		cs, err = s.Audit.FindAuditCheckpoints(ctx, 0, 1)
		must(t, "find one checkpoint", err)
		if len(cs) != 1 || cs[0].Seq != 2 {
			t.Errorf("first checkpoint: %+v, want the one at 2", cs)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		const writers, each = 8, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					// Every writer also sends record 0, which must be
					// appended once.
					_, err := s.Audit.AppendAudit(ctx, []*rampart.AuditRecord{auditRecord(1 + w*each + i), auditRecord(0)})
					if err != nil {
						t.Errorf("writer %d: append: %v", w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		all := allAudit(t, s)
		if len(all) != writers*each+1 {
			t.Errorf("the log holds %d records, want %d", len(all), writers*each+1)
		}
		checkChain(t, all)
		seen := make(map[string]bool)
		for _, r := range all {
			if seen[r.ObjectID] {
				t.Errorf("%s recorded twice", r.ObjectID)
			}
			seen[r.ObjectID] = true
		}
	})
}
