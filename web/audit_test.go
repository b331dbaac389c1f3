package web

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/sqlite"
)

const (
	auditDE = "identity--22222222-2222-4222-8222-222222222222"
	auditIT = "identity--33333333-3333-4333-8333-333333333333"
)

// withAudit gives the node's API an audit log of five records: objects 1
// to 3 to DE over the node link (sealed) on 1 March, objects 1 and 2 to
// IT's account "it-soc" on 5 March.
func withAudit(t *testing.T, n *node) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "audit.db"))
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	must(t, db.Open(ctx))
	t.Cleanup(func() { db.Close() })
	audit := sqlite.NewServices(db).Audit
	rec := func(i int, to, channel, via string) *rampart.AuditRecord {
		return &rampart.AuditRecord{ObjectID: fmt.Sprintf("indicator--00000000-0000-4000-8000-00000000000%d", i), Version: "2026-02-01T00:00:00.000Z",
			Recipient: to, Channel: channel, Via: via, Sealed: channel == rampart.AuditPeer}
	}
	_, err := audit.AppendAudit(ctx, []*rampart.AuditRecord{rec(1, auditDE, rampart.AuditPeer, auditDE), rec(2, auditDE, rampart.AuditPeer, auditDE), rec(3, auditDE, rampart.AuditPeer, auditDE)})
	must(t, err)
	clock = clock.AddDate(0, 0, 4)
	_, err = audit.AppendAudit(ctx, []*rampart.AuditRecord{rec(1, auditIT, rampart.AuditAccount, "it-soc"), rec(2, auditIT, rampart.AuditAccount, "it-soc")})
	must(t, err)
	n.api.Audit = audit
}

// seqsOf returns the seqs of the records an answer lists, and its
// next_after ("-" when absent).
func seqsOf(a answer) string {
	records, _ := a.json["records"].([]any)
	seqs := []any{}
	for _, r := range records {
		seqs = append(seqs, r.(map[string]any)["seq"])
	}
	next := "-"
	if v, ok := a.json["next_after"]; ok {
		next = fmt.Sprint(v)
	}
	return fmt.Sprintf("%v next %s", seqs, next)
}

func TestAuditAPI(t *testing.T) {
	n := newNode(t)
	withAudit(t, n)
	tests := []struct {
		query string
		want  string
	}{
		{"", "[1 2 3 4 5] next -"},
		{"?object=indicator--00000000-0000-4000-8000-000000000001", "[1 4] next -"},
		{"?org=" + auditIT, "[4 5] next -"},
		{"?since=2026-03-02T00:00:00Z", "[4 5] next -"},
		{"?org=" + auditDE + "&since=2026-03-02T00:00:00Z", "[] next -"},
		{"?limit=2", "[1 2] next 2"},
		{"?limit=2&after=2", "[3 4] next 4"},
		{"?limit=2&after=4", "[5] next -"},
		{"?after=5", "[] next -"},
	}
	for _, tt := range tests {
		a := n.do("admin", "GET", "/api/v1/audit"+tt.query, "")
		if got := seqsOf(a); a.status != 200 || got != tt.want {
			t.Errorf("GET /api/v1/audit%s: %d %s, want %s", tt.query, a.status, got, tt.want)
		}
	}
	n.want(n.do("admin", "GET", "/api/v1/audit?limit=1&org="+auditDE, ""), 200,
		`"at":"2026-03-01T09:00:00Z"`, `"channel":"peer"`, `"sealed":true`, `"via":"`+auditDE+`"`, `"version":"2026-02-01T00:00:00.000Z"`, `"hash":"`)
	n.want(n.do("admin", "GET", "/api/v1/audit?limit=1&org="+auditIT, ""), 200, `"channel":"account"`, `"sealed":false`, `"via":"it-soc"`)
}

func TestAuditAPIRefuses(t *testing.T) {
	n := newNode(t)
	n.want(n.do("admin", "GET", "/api/v1/audit", ""), 503, "no audit log")
	withAudit(t, n)
	for _, user := range []string{"analyst", "reader", "outsider"} {
		a := n.do(user, "GET", "/api/v1/audit", "")
		n.want(a, 403, "not an administrator")
		if a.json["records"] != nil {
			t.Errorf("%s: records in a 403 answer: %s", user, a.body)
		}
	}
	n.want(n.do("", "GET", "/api/v1/audit", ""), 401)
	n.want(n.do("admin", "POST", "/api/v1/audit", `{}`), 405)
	for query, msg := range map[string]string{
		"?since=yesterday": "parameter since must be an RFC 3339 time",
		"?after=-1":        "parameter after must be the seq of a record",
		"?after=x":         "parameter after must be the seq of a record",
		"?limit=0":         "parameter limit must be a whole number from 1 to 10000",
		"?limit=10001":     "parameter limit must be a whole number from 1 to 10000",
	} {
		n.want(n.do("admin", "GET", "/api/v1/audit"+query, ""), 400, msg)
	}
	n.want(n.do("reader", "GET", "/api/v1/", ""), 200, "GET /api/v1/audit?object=")
}
