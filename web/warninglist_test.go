package web

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/warninglist"
)

// TestObjectPageWarninglists: the object page of an indicator whose value
// is on a warninglist names the list and the entry; the STIX object shown
// is unchanged, and an indicator of no listed value shows none.
func TestObjectPageWarninglists(t *testing.T) {
	n := newNode(t)
	l, err := warninglist.ReadFile("../testdata/warninglists/lists/public-dns-v4/list.json")
	must(t, err)
	c, errs := warninglist.Compile([]*warninglist.List{l})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	n.api.Warninglists = func(context.Context) *warninglist.Checker { return c }
	const ts = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"`
	var objs []*stix.Object
	for _, s := range []string{
		`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000b1",` + ts + `,"name":"resolver","pattern":"[ipv4-addr:value = '9.9.9.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000b2",` + ts + `,"name":"c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--00000000-0000-4000-8000-0000000000b3","value":"8.8.8.8"}`,
	} {
		o, err := stix.ParseObject([]byte(s))
		must(t, err)
		objs = append(objs, o)
	}
	_, err = n.objects.CreateObjects(ctx, n.intelID, objs)
	must(t, err)
	v := n.visitConsole(t, "analyst")
	status, body := v.get("/console/objects/indicator--00000000-0000-4000-8000-0000000000b1")
	wantPage(t, "listed indicator", status, body, 200, "On warninglist <strong>List of known IPv4 public DNS resolvers</strong>: 9.9.9.9")
	if strings.Count(body, "public DNS resolvers") != 1 {
		t.Errorf("the list appears elsewhere than in its notice")
	}
	status, body = v.get("/console/objects/ipv4-addr--00000000-0000-4000-8000-0000000000b3")
	wantPage(t, "listed observable", status, body, 200, "On warninglist <strong>List of known IPv4 public DNS resolvers</strong>: 8.8.8.8")
	status, body = v.get("/console/objects/indicator--00000000-0000-4000-8000-0000000000b2")
	wantPage(t, "indicator on no list", status, body, 200, "c2")
	if strings.Contains(body, "On warninglist") {
		t.Errorf("an indicator of no listed value is shown on a warninglist")
	}
}
