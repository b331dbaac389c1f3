package sqlite_test

import (
	"context"
	"testing"

	"github.com/rampart-cti/rampart/store/sqlite"
)

// TestLeaseInProcess: a lease is held once in the process until released.
func TestLeaseInProcess(t *testing.T) {
	ctx := context.Background()
	s := sqlite.NewLeaseService()
	l, err := s.TryLease(ctx, "feeds")
	if err != nil || l == nil {
		t.Fatalf("TryLease = %v, %v; want a lease", l, err)
	}
	if again, err := s.TryLease(ctx, "feeds"); err != nil || again != nil {
		t.Fatalf("TryLease of a held lease = %v, %v; want nil, nil", again, err)
	}
	select {
	case <-l.Lost():
		t.Fatal("a held lease reports itself lost")
	default:
	}
	l.Release()
	l.Release() // twice is fine
	select {
	case <-l.Lost():
	default:
		t.Fatal("Lost not closed by Release")
	}
	if l2, err := s.TryLease(ctx, "feeds"); err != nil || l2 == nil {
		t.Fatalf("TryLease after Release = %v, %v; want a lease", l2, err)
	}
}
