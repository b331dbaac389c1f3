package node

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestAuditQueryCheck(t *testing.T) {
	for _, tc := range []struct {
		q       AuditQuery
		wantErr string
	}{
		{AuditQuery{}, ""},
		{AuditQuery{Limit: -1}, "audit list: --limit must be 0 (all) or more (got -1)"},
		{AuditQuery{Since: "last week"}, `audit list: --since "last week": give an RFC 3339 time`},
	} {
		err := tc.q.Check()
		if ce, ok := AsConfigError(err); tc.wantErr == "" && err != nil || tc.wantErr != "" && (!ok || !strings.HasPrefix(ce.Msg, tc.wantErr)) {
			t.Errorf("Check(%+v) = %v; want %q", tc.q, err, tc.wantErr)
		}
	}
	q := AuditQuery{Object: "indicator--1", Org: auditOrgDE, Since: "2026-03-10T09:30:00Z"}
	if err := q.Check(); err != nil {
		t.Fatal(err)
	}
	if f := q.filter; f.ObjectID == nil || *f.ObjectID != q.Object || f.Recipient == nil || *f.Recipient != auditOrgDE ||
		f.Since == nil || !f.Since.Equal(time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("filter %+v", f)
	}
	if q = (AuditQuery{}); q.Check() != nil || q.filter.ObjectID != nil || q.filter.Recipient != nil || q.filter.Since != nil {
		t.Errorf("an empty query filters: %+v", q.filter)
	}
}

func TestFindAuditList(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	if _, err := an.CheckpointAuditText(ctx); err == nil || !strings.Contains(err.Error(), "holds no record yet") {
		t.Errorf("checkpoint of an empty log: %v", err)
	}
	an.appendAudit(t, 3)
	q := AuditQuery{Limit: 2}
	if err := q.Check(); err != nil {
		t.Fatal(err)
	}
	l, err := an.FindAuditList(ctx, &q)
	if err != nil || len(l.Records) != 2 || !l.More {
		t.Fatalf("FindAuditList = %+v, %v; want 2 records and more", l, err)
	}
	var b strings.Builder
	if err := l.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SEQ  TIME") || !strings.HasPrefix(lines[1], "1    ") ||
		!strings.HasSuffix(lines[1], "  CERT-Bund  peer     CERT-Bund  yes") {
		t.Errorf("WriteText =\n%s", b.String())
	}
	b.Reset()
	if err := l.WriteJSON(&b); err != nil || strings.Count(b.String(), "\n") != 2 || !strings.HasPrefix(b.String(), `{"seq":1,`) {
		t.Errorf("WriteJSON = %q, %v; want 2 lines", b.String(), err)
	}
	for _, want := range []string{"checkpoint at record 3", "record 3, the last, is checkpointed already"} {
		if got, err := an.CheckpointAuditText(ctx); got != want || err != nil {
			t.Errorf("CheckpointAuditText = %q, %v; want %q", got, err, want)
		}
	}
}
