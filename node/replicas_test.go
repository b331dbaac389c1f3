package node

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/stix"
)

// TestMain stops the PostgreSQL test server when the tests end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// startReplica opens and starts a node on the PostgreSQL database at dsn,
// as one "rampart serve" replica, stopped with t.
func startReplica(t *testing.T, dsn string) *Node {
	t.Helper()
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), PostgresURL: dsn, Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(ctx, ServeConfig{}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReplicasFollowEachOther writes through one replica and reads what
// the engines of the other know: the search index, early warning (its
// alert written once, by the replica that holds the lease, whichever
// wrote the sightings), and that each singleton's lease is held by one
// replica.
func TestReplicasFollowEachOther(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	a := startReplica(t, dsn)
	b := startReplica(t, dsn)
	replicas := []*Node{a, b}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, name := range leaseNames {
		if name == LeaseFederation || name == LeaseStreamHooks {
			continue // the replicas have no keys and no bus: no federation, no stream
		}
		eventually("one replica holds lease "+name, func() bool {
			k := 0
			for _, n := range replicas {
				if n.serving.leases.holds(name) {
					k++
				}
			}
			if k > 1 {
				t.Fatalf("lease %s held by %d replicas", name, k)
			}
			return k == 1
		})
	}
	// Write through the replica that does not evaluate early warning.
	writer, evaluator := a, b
	if a.serving.leases.holds(LeaseEarlyWarning) {
		writer, evaluator = b, a
	}
	coll, err := writer.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	ts := now.Format("2006-01-02T15:04:05.000Z")
	var objs []*stix.Object
	add := func(s string, args ...any) string {
		o, err := stix.ParseObject([]byte(fmt.Sprintf(s, args...)))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
		return o.ID
	}
	org := func(name, country string) string {
		id, loc := stix.NewID("identity"), stix.NewID("location")
		add(`{"type":"identity","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,"identity_class":"organization"}`, id, ts, ts, name)
		add(`{"type":"location","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"country":%q}`, loc, ts, ts, country)
		add(`{"type":"relationship","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"relationship_type":"located-at","source_ref":%q,"target_ref":%q}`, stix.NewID("relationship"), ts, ts, id, loc)
		return id
	}
	fr, de := org("CERT-FR", "FR"), org("CERT-Bund", "DE")
	ind := add(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"replicated c2","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix","valid_from":%q}`, stix.NewID("indicator"), ts, ts, ts)
	for _, who := range []string{fr, de} {
		add(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`, stix.NewID("sighting"), ts, ts, ind, who, ts, ts)
	}
	if _, err := writer.Objects.CreateObjects(ctx, coll.ID, objs); err != nil {
		t.Fatal(err)
	}

	// The other replica's search finds what was written.
	page, err := evaluator.Search.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{coll.ID}, Text: "198.51.100.77", Types: []string{"indicator"}})
	if err != nil || len(page.Hits) != 1 || page.Hits[0].Version.Object.ID != ind {
		t.Fatalf("search through the other replica: %v, %v; want the indicator", page, err)
	}

	// Early warning, on the replica that evaluates, raises one alert.
	alerts := func() []*rampart.ObjectVersion {
		page, err := writer.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: writer.Coord.CollectionID, Types: []string{coord.AlertType},
			Versions: []string{rampart.VersionAll}})
		if err != nil {
			t.Fatal(err)
		}
		return page.Versions
	}
	eventually("the evaluating replica raises the alert for sightings written through the other", func() bool { return len(alerts()) > 0 })
	// Give a second evaluator, were there one, the time to write its own
	// version: the rules are evaluated within a second of a write.
	time.Sleep(2 * time.Second)
	got := alerts()
	if len(got) != 1 {
		t.Fatalf("%d alert versions, want 1 (the alert once, by the lease holder)", len(got))
	}
	a1, err := coord.ParseAlert(got[0].Object)
	if err != nil || a1.SubjectRef != ind || len(a1.MemberStates) != 2 {
		t.Errorf("alert %v (%v): want one of %s in two member states", a1, err, ind)
	}
	if writer.serving.ew.AlertsWritten() != 0 || evaluator.serving.ew.AlertsWritten() != 1 {
		t.Errorf("alerts written: %d by the writer, %d by the evaluator; want 0 and 1",
			writer.serving.ew.AlertsWritten(), evaluator.serving.ew.AlertsWritten())
	}

	// When the evaluator stops, the other takes its leases over.
	evaluator.Close()
	eventually("the remaining replica takes the early-warning lease", func() bool { return writer.serving.leases.holds(LeaseEarlyWarning) })
	for _, name := range []string{LeaseFeeds, LeaseStatusPurge, LeaseArchive, LeaseAuditCheckpoint} {
		eventually("the remaining replica takes lease "+name, func() bool { return writer.serving.leases.holds(name) })
	}
	// And carries on from the store: the alert stays one version.
	if got := alerts(); len(got) != 1 {
		t.Errorf("%d alert versions after the fail-over, want 1", len(got))
	}
}

// TestLeaseLostStopsSingleton: when the connection that holds a lease
// ends, the replica stops the singleton at once (the lease shows as not
// held only once it has stopped) and takes the lease again when it can.
func TestLeaseLostStopsSingleton(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	a := startReplica(t, dsn)
	deadline := time.Now().Add(30 * time.Second)
	for !a.serving.leases.holds(LeaseEarlyWarning) {
		if time.Now().After(deadline) {
			t.Fatal("the only replica never takes the early-warning lease")
		}
		time.Sleep(10 * time.Millisecond)
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'rampart lease early-warning'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the lease's connection: %d, %v", killed, err)
	}
	// Within a check the replica lets go; it takes the lease again after
	// DefaultLeaseRetry, so a poll every 10 ms sees the gap.
	deadline = time.Now().Add(30 * time.Second)
	for a.serving.leases.holds(LeaseEarlyWarning) {
		if time.Now().After(deadline) {
			t.Fatal("the replica still runs early warning after its lease's connection ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	deadline = time.Now().Add(30 * time.Second)
	for !a.serving.leases.holds(LeaseEarlyWarning) {
		if time.Now().After(deadline) {
			t.Fatal("the replica does not take the lease again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
