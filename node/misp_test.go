package node

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/sqlite"
)

// Both stores, and the node's ObjectService over them, prepare a batch's
// search documents before its write (ingest.Preparer), so that a MISP
// import makes them while the batch before is written.
var (
	_ ingest.Preparer = (*sqlite.ObjectService)(nil)
	_ ingest.Preparer = (*postgres.ObjectService)(nil)
	_ ingest.Preparer = (*ObjectService)(nil)
)

func TestImportMISPResolvesAndUpdates(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := n.FindCollection(ctx, DefaultAPIRoot, DefaultCollection)
	if err != nil {
		t.Fatal(err)
	}
	const apt28 = "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c"
	is, err := stix.ParseObject([]byte(`{"type":"intrusion-set","spec_version":"2.1","id":"` + apt28 + `","created":"2017-05-31T21:31:48.000Z","modified":"2017-05-31T21:31:48.000Z","name":"APT28","aliases":["Sofacy","Fancy Bear"],"object_marking_refs":["` + stix.TLPClearID + `"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Objects.CreateObjects(ctx, c.ID, []*stix.Object{is}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Event":{"uuid":"5a4e4fdd-1eb4-4ff3-9e87-43fa950d210f","info":"Sofacy again","timestamp":"1767312000","published":true,
	"Orgc":{"name":"CERT-A","uuid":"a0c22599-9e58-4da4-96ac-7051603fa951"},"Tag":[{"name":"tlp:clear"}],
	"Galaxy":[{"type":"threat-actor","GalaxyCluster":[{"uuid":"7cdd1e6f-1f2e-4fd1-8e94-3f1b0fd3c8a1","value":"Sofacy","meta":{"synonyms":["APT28"]}}]}],
	"Attribute":[{"uuid":"11111111-1111-4111-8111-111111111111","type":"domain","value":"sofacy.example","to_ids":true}]}}`
	evs, _, err := misp.Parse([]byte(doc), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := n.ImportMISP(ctx, c, MISPEvents(evs, "t.json"), nil)
	if err != nil || sum.Store.Invalid > 0 || len(sum.MISP.Failures) > 0 {
		t.Fatalf("import: %v, %s, %+v", err, sum.MISP, sum.Store)
	}
	objs, err := n.ReadableObjects(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sets, rels int
	for _, o := range objs {
		switch o.Type {
		case "intrusion-set":
			sets++
		case "relationship":
			if !strings.Contains(string(o.Raw), `"target_ref":"`+apt28+`"`) {
				t.Errorf("relationship %s does not point at the APT28 the node holds", o.Raw)
			}
			rels++
		}
	}
	if sets != 1 || rels != 1 {
		t.Errorf("%d intrusion sets and %d relationships; want the existing APT28 alone, and one indicates", sets, rels)
	}
	// Again: every object is there already.
	evs, _, _ = misp.Parse([]byte(doc), "t.json")
	sum, err = n.ImportMISP(ctx, c, MISPEvents(evs, "t.json"), nil)
	if err != nil || sum.Store.Added != 0 || sum.Store.Present == 0 {
		t.Errorf("second import: %v, %+v; want nothing added", err, sum.Store)
	}
}

// An object the node's checks refuse (here a pattern with a malformed
// SSDEEP hash) fails alone, reported with why.
func TestImportMISPCheckFailsAlone(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := n.FindCollection(ctx, DefaultAPIRoot, DefaultCollection)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Event":{"uuid":"5a4e4fdd-1eb4-4ff3-9e87-43fa950d210f","info":"x","Orgc":{"name":"o","uuid":"a0c22599-9e58-4da4-96ac-7051603fa951"},"Attribute":[
	{"uuid":"11111111-1111-4111-8111-111111111111","type":"ssdeep","value":"not-ssdeep","to_ids":true},
	{"uuid":"22222222-2222-4222-8222-222222222222","type":"domain","value":"good.example","to_ids":true}]}}`
	evs, _, err := misp.Parse([]byte(doc), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	var why []string
	sum, err := n.ImportMISP(ctx, c, MISPEvents(evs, "t.json"), func(o ingest.Outcome) {
		if o.State == ingest.Invalid {
			why = append(why, o.Err.Error())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Store.Invalid != 1 || len(why) != 1 || !strings.Contains(why[0], "indicator--11111111-1111-4111-8111-111111111111") || !strings.Contains(why[0], "SSDEEP") {
		t.Errorf("store: %+v, invalid: %q; want the ssdeep indicator refused, saying why", sum.Store, why)
	}
	if sum.Store.Added < 3 { // identity, the good indicator, the report
		t.Errorf("store: %+v; want the rest stored", sum.Store)
	}
}

// An import whose context ends while objects are converted, checked and
// stored at once stops with the context's error, and every stage ends:
// nothing is left blocked on a channel.
func TestImportMISPCancelled(t *testing.T) {
	n, err := Open(context.Background(), Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := n.FindCollection(context.Background(), DefaultAPIRoot, DefaultCollection)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	stored := 0
	sum, err := n.ImportMISP(ctx, c, MISPEvents(benchEvents(7, 40, 500, false), "gen.json"), func(o ingest.Outcome) {
		if stored++; stored == 100 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("import = %+v, %v; want context.Canceled", sum.Store, err)
	}
	// One batch is stored, one may be in flight and one read: 40 events
	// of 500 attributes make more than 20,000 objects.
	if sum.Store.Added > 3*MISPImportBatch {
		t.Errorf("added %d objects; want the import stopped after at most three batches of %d", sum.Store.Added, MISPImportBatch)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after the import, %d before: a stage did not end", g, before)
	}
}
