package federation

import (
	"bytes"
	"context"
	json "encoding/json/v2"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/internal/passhash"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/trust"
)

// childEnv names the environment variable that makes the test binary run
// as a node in a child process: its value is the node's directory.
const childEnv = "RAMPART_FEDERATION_TEST_NODE"

// TestMain lets the test binary run a node in a child process that a test
// can kill.
func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// childConfig is what a child node reads from its directory, with
// identity.key, registry.json and rampart.db.
type childConfig struct {
	PageSize int `json:"page_size"`
}

// runChild runs a node from dir until it is killed.
func runChild(dir string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child node:", err)
		return 1
	}
	var cfg childConfig
	b, err := os.ReadFile(filepath.Join(dir, "child.json"))
	if err == nil {
		err = json.Unmarshal(b, &cfg)
	}
	if err != nil {
		return fail(err)
	}
	id, err := trust.ReadIdentityFile(filepath.Join(dir, "identity.key"))
	if err != nil {
		return fail(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "registry.json"))
	if err != nil {
		return fail(err)
	}
	reg, err := trust.ParseRegistry(raw)
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(dir, "rampart.db"))
	if err := db.Open(ctx); err != nil {
		return fail(err)
	}
	cs := sqlite.NewServices(db).Collections
	colls, err := cs.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil || len(colls) == 0 {
		return fail(fmt.Errorf("no collection: %v", err))
	}
	accounts := sqlite.NewServices(db).Accounts
	accounts.PasswordParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	n := NewNode()
	n.Identity, n.Verifier = id, trust.NewVerifier(reg, trust.DefaultPolicy())
	n.Objects, n.Collections, n.Accounts = sqlite.NewObjectService(db), cs, accounts
	n.Statuses, n.Secrets, n.Peers = sqlite.NewServices(db).Statuses, sqlite.NewServices(db).Secrets, sqlite.NewServices(db).Peers
	n.Deliveries, n.Settings, n.Audit = sqlite.NewServices(db).Deliveries, sqlite.NewServices(db).Settings, sqlite.NewServices(db).Audit
	n.Access = &access.Service{Objects: n.Objects, Collections: cs, Organizations: sqlite.NewServices(db).Organizations, Audit: n.Audit,
		Policy: func(context.Context) rampart.Policy { return rampart.Policy{Organization: id.Organization()} }}
	n.APIRoot, n.CollectionID = colls[0].APIRoot, colls[0].ID
	n.PageSize = cfg.PageSize
	n.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := n.Open(ctx); err != nil {
		return fail(err)
	}
	fmt.Println("ready")
	select {}
}

// TestCrashResume kills a node (SIGKILL, in a child process) in the middle
// of pulling a large collection from the hub, starts it again on the same
// store, and checks that it ends up with every object once: no loss, no
// duplicates.
func TestCrashResume(t *testing.T) {
	f := sharedFed(t)
	h := newTestNode(t, f, orgHub, "")
	dir := t.TempDir()
	c := newTestNode(t, f, orgIT, dir)
	link(t, c, h)
	h.start(t, nil)

	const total, pageSize = 1500, 50
	objs := make([]*stix.Object, total)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < total; i += 2 {
				objs[i] = f.signed(t, object(t, orgFR, stix.TLPGreen, fmt.Sprintf("object %d", i), ""))
			}
		})
	}
	wg.Wait()
	h.add(t, objs...)

	// The hub answers C's first pages, then holds the rest back until C
	// has been killed, so the kill lands in the middle of a round.
	var pages atomic.Int64
	release := make(chan struct{})
	real := h.node.Handler()
	gate := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := trust.PeerFromContext(r.Context()); ok && p.Organization.ID == orgIT && strings.HasSuffix(r.URL.Path, "/objects/") {
			if pages.Add(1) > 8 {
				<-release
			}
		}
		real.ServeHTTP(w, r)
	}))
	h.handler.Store(&gate)

	// C runs in a child process on its store.
	c.stopNode()
	if err := trust.WriteIdentityFile(filepath.Join(dir, "identity.key"), c.id); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(childConfig{PageSize: pageSize})
	for name, data := range map[string][]byte{"registry.json": f.raw, "child.json": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the child node asks for its ninth page", func() bool { return pages.Load() > 8 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(release)
	t.Logf("child node output:\n%s", out.String())

	// What the killed node left: part of the collection.
	c.openStore(t)
	partial := len(c.all(t))
	if partial == 0 || partial >= total {
		t.Fatalf("the node was killed holding %d of %d objects; the test needs it killed mid-sync", partial, total)
	}
	st := c.status(t, orgHub)
	t.Logf("killed holding %d of %d objects, %d of them recorded in its status", partial, total, st.ObjectsIn)

	// Started again, it resumes and completes.
	c.start(t, nil)
	eventually(t, "the restarted node holds every object", func() bool { return len(c.all(t)) >= total })
	got := c.all(t)
	seen := map[string]int{}
	for _, o := range got {
		seen[o.ID]++
	}
	if len(got) != total || len(seen) != total {
		t.Errorf("after the restart the node holds %d versions of %d objects, want %d of %d", len(got), len(seen), total, total)
	}
	for _, o := range objs {
		if seen[o.ID] != 1 {
			t.Errorf("object %s is held %d times, want once", o.ID, seen[o.ID])
		}
	}
	hubLast := h.lastAdded(t)
	eventually(t, "the cursor reaches the hub's last version", func() bool {
		st := c.status(t, orgHub)
		return len(st.Cursors) == 1 && st.Cursors[0].AddedAfter.Equal(hubLast)
	})
	st = c.status(t, orgHub)
	if st.Rejections != 0 {
		t.Errorf("the restarted node refused objects: %+v", st.RecentRejections)
	}
	if st.ObjectsIn > total {
		t.Errorf("the node counts %d objects in, more than the %d there are", st.ObjectsIn, total)
	}
}
