package node

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/warninglist"
)

func TestAddAndCheckWarninglists(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	l, err := warninglist.ReadFile(publicDNS)
	if err != nil {
		t.Fatal(err)
	}
	broken := &warninglist.List{ID: "broken", Name: "broken", Type: "cidr", Entries: []string{"10.0.0.0/8", "not-a-cidr"}}
	var got []WarninglistAdded
	stored := 0
	add := func() {
		an.AddWarninglists(ctx, []*warninglist.List{l, broken}, func(int, *warninglist.List) { stored++ }, func(a WarninglistAdded) { got = append(got, a) })
	}
	add()
	if len(got) != 2 || stored != 2 {
		t.Fatalf("reported %d lists, told of %d stores; want 2", len(got), stored)
	}
	if got[0].Err != nil || got[0].Replaced || got[0].Entries != len(l.Entries) {
		t.Errorf("first list: %+v", got[0])
	}
	if got[1].Err != nil || len(got[1].LeftOut) != 1 || got[1].Entries != 1 {
		t.Errorf("list with a bad entry: %+v; want it stored with one entry left out", got[1])
	}
	got = nil
	add()
	if !got[0].Replaced {
		t.Error("adding a list again did not say it replaced it")
	}
	kinds, hits, err := an.CheckWarninglists(ctx, "", "8.8.8.8")
	if err != nil || len(kinds) != 1 || kinds[0] != warninglist.KindIP || len(hits) == 0 || hits[0].List != l.ID {
		t.Errorf("check 8.8.8.8 = %v, %v, %v; want a hit on %s", kinds, hits, err, l.ID)
	}
	if kinds, hits, _ := an.CheckWarninglists(ctx, "", "example.org"); len(hits) != 0 || kinds[0] != warninglist.KindDomain {
		t.Errorf("example.org: kinds %v, hits %v; want a domain on no list", kinds, hits)
	}
	if _, hits, _ := an.CheckWarninglists(ctx, "ip-dst", "10.1.2.3"); len(hits) != 1 || !strings.Contains(hits[0].List, "broken") {
		t.Errorf("10.1.2.3 as ip-dst: hits %v, want the usable entry of the broken list", hits)
	}
}
