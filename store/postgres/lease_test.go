package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/store/postgres"
)

// TestLeaseOneHolder: of two processes on one database, one holds a
// lease; the other takes it once it is released, and a lease of another
// name is free meanwhile.
func TestLeaseOneHolder(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	a, b := postgres.NewLeaseService(openDSN(t, dsn)), postgres.NewLeaseService(openDSN(t, dsn))
	la, err := a.TryLease(ctx, "federation")
	if err != nil || la == nil {
		t.Fatalf("first TryLease = %v, %v; want a lease", la, err)
	}
	if lb, err := b.TryLease(ctx, "federation"); err != nil || lb != nil {
		t.Fatalf("TryLease while another process holds it = %v, %v; want nil, nil", lb, err)
	}
	if la2, err := a.TryLease(ctx, "federation"); err != nil || la2 != nil {
		t.Fatalf("TryLease again in the holding process = %v, %v; want nil, nil", la2, err)
	}
	// A process standing by asks again on the connection of its last
	// try: the holder's, and one more in each process, however many
	// tries.
	for range 3 {
		if lb, err := b.TryLease(ctx, "federation"); err != nil || lb != nil {
			t.Fatalf("TryLease while another process holds it = %v, %v", lb, err)
		}
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// Three tries of the process standing by, one of the holder: were a
	// connection opened per try and kept, the server would count five or
	// more. (It counts three, or now and then two: a standing-by
	// connection not yet or no longer seen, which bounds nothing.)
	var conns int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'rampart lease federation'`).Scan(&conns); err != nil {
		t.Fatal(err)
	}
	if conns < 1 || conns > 3 {
		t.Errorf("connections of lease federation: %d; want the holder and at most one standing by in each process (3)", conns)
	}
	other, err := b.TryLease(ctx, "feeds")
	if err != nil || other == nil {
		t.Fatalf("TryLease of another name = %v, %v; want a lease", other, err)
	}
	defer other.Release()
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	if !signalled(la.Lost(), time.Second) {
		t.Fatal("Lost not closed by Release")
	}
	lb, err := b.TryLease(ctx, "federation")
	if err != nil || lb == nil {
		t.Fatalf("TryLease after release = %v, %v; want a lease", lb, err)
	}
	defer lb.Release()
	if lb.Name() != "federation" {
		t.Errorf("Name = %q", lb.Name())
	}
	if signalled(lb.Lost(), 2*postgres.LeaseCheck) {
		t.Error("a held lease reports itself lost")
	}
}

// TestLeaseLostWithConnection: when the server ends the holder's
// connection, the holder hears that it lost the lease within a check, and
// another process takes it.
func TestLeaseLostWithConnection(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	a, b := postgres.NewLeaseService(openDSN(t, dsn)), postgres.NewLeaseService(openDSN(t, dsn))
	la, err := a.TryLease(ctx, "early-warning")
	if err != nil || la == nil {
		t.Fatalf("TryLease = %v, %v", la, err)
	}
	defer la.Release()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	err = admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'rampart lease early-warning'`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the lease's connection: killed %d, %v", killed, err)
	}
	if !signalled(la.Lost(), postgres.LeaseCheck+postgres.LeaseCheckTimeout+time.Second) {
		t.Fatal("the holder did not notice that its connection ended")
	}
	lb, err := b.TryLease(ctx, "early-warning")
	if err != nil || lb == nil {
		t.Fatalf("TryLease after the holder's connection ended = %v, %v; want a lease", lb, err)
	}
	lb.Release()
}
