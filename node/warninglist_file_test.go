package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/warninglist"
)

func TestAddWarninglistFiles(t *testing.T) {
	an := openAuditNode(t, false, false)
	missing := filepath.Join(t.TempDir(), "none.json")
	var got []WarninglistAdded
	var totals []int
	an.AddWarninglistFiles(context.Background(), []string{missing, publicDNS}, func(i, total int, l *warninglist.List) {
		totals = append(totals, total)
	}, func(a WarninglistAdded) { got = append(got, a) })
	if len(got) != 2 || got[0].List != nil || !errors.Is(got[0].Err, os.ErrNotExist) {
		t.Fatalf("reported %+v; want the missing file first, without a list", got)
	}
	if got[1].List == nil || got[1].Err != nil || got[1].Entries == 0 || len(totals) != 1 || totals[0] != 1 {
		t.Errorf("second report %+v, totals %v; want the list stored, 1 of 1", got[1], totals)
	}
	lists, err := an.FindWarninglists(context.Background())
	if err != nil || len(lists) != 1 {
		t.Errorf("FindWarninglists = %d lists, %v; want 1", len(lists), err)
	}
}
