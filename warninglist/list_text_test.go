package warninglist

import (
	"bytes"
	"strings"
	"testing"
)

func TestListsListingsAndWriteText(t *testing.T) {
	if got := Lists(nil).Listings(); got == nil || len(got) != 0 {
		t.Errorf("Listings(nil) = %#v, want an empty slice (JSON [])", got)
	}
	lists := []*List{
		{ID: "dns", Name: "Public DNS", Type: TypeCIDR, Version: 3, Entries: []string{"8.8.8.8/32", "1.1.1.1/32"}, MatchingAttributes: []string{"ip-dst"}},
		{ID: "all", Name: "Everything", Type: TypeString, Entries: []string{"x"}},
	}
	ls := Lists(lists).Listings()
	if len(ls) != 2 || ls[0].Name != "dns" || ls[0].Title != "Public DNS" || ls[0].Entries != 2 || ls[0].Version != 3 {
		t.Errorf("Listings = %+v", ls)
	}
	var b bytes.Buffer
	if err := Lists(nil).WriteText(&b); err != nil || !strings.HasPrefix(b.String(), "no warninglists") {
		t.Errorf("no lists: %q, %v", b.String(), err)
	}
	b.Reset()
	if err := Lists(lists).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME TYPE ENTRIES APPLIES TO TITLE" {
		t.Fatalf("table:\n%s", b.String())
	}
	if got := strings.Join(strings.Fields(lines[1]), " "); got != "dns cidr 2 ip Public DNS" {
		t.Errorf("row = %q", got)
	}
	if got := strings.Join(strings.Fields(lines[2]), " "); got != "all string 1 everything Everything" {
		t.Errorf("row of a list for every kind = %q", got)
	}
}
