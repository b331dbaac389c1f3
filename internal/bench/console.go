package bench

import (
	"context"
	"crypto/rand"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

// Console measures how long the console's pages take on a node that holds
// many objects: a store filled once (kept in Data for later runs), then a
// "rampart serve" child process, an administrator signed in through the
// sign-in form, and each page asked for again and again: the first time
// (which builds what the page caches) reported apart.
type Console struct {
	Binary   string // rampart binary to serve with (default: the running one)
	Data     string // node directory, filled once and kept; a temporary one when empty
	Objects  int    // objects the store holds
	Requests int    // timed requests per page

	Stdout io.Writer // results
	Stderr io.Writer
}

// Validate reports parameters out of range, naming their flags.
func (b *Console) Validate() error {
	if b.Objects < 1000 || b.Requests < 1 {
		return errors.New("--objects must be at least 1000 and --requests at least 1")
	}
	return nil
}

// consoleState is what a filled directory remembers: its administrator's
// password and how many objects it holds.
type consoleState struct {
	Password string `json:"password"`
	Objects  int    `json:"objects"`
}

const consoleStateFile = "bench-console.json"

// Run fills the store when needed, serves it and times the pages.
func (b *Console) Run(ctx context.Context) error {
	dir := b.Data
	if dir == "" {
		d, err := os.MkdirTemp("", "rampart-bench-console-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	st, err := b.fill(ctx, dir)
	if err != nil {
		return err
	}
	bin := b.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	srv, err := startTarget(ctx, bin, dir, st.Password, &tail{max: 20}, "--log-format", "text", "--log-level", "warn")
	if err != nil {
		return err
	}
	defer srv.stop()
	c, err := signIn(ctx, srv.base, st.Password)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.Stdout, "rampart bench console: %d objects, %d requests per page, serve pid %d\n", st.Objects, b.Requests, srv.cmd.Process.Pid)
	failed := 0
	for _, p := range consolePages() {
		if err := b.time(ctx, c, srv.base, p); err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(b.Stdout, "%-60s failed: %v\n", p, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d pages failed", failed, len(consolePages()))
	}
	return nil
}

// consolePages are the pages timed: every section, searches by value, by
// name and by words, and object pages of a busy and a quiet object.
func consolePages() []string {
	return []string{
		"/console/",
		"/console/alerts",
		"/console/incidents",
		"/console/search?q=" + url.QueryEscape(benchIP(4242)),
		"/console/search?q=" + url.QueryEscape("Bench Group 7"),
		"/console/search?q=" + url.QueryEscape("loader beacon"),
		"/console/search?type=indicator",
		"/console/objects/" + benchID("intrusion-set", 7),
		"/console/objects/" + benchID("indicator", 4242),
		"/console/attribution",
		"/console/statements",
		"/console/admin",
	}
}

func (b *Console) time(ctx context.Context, c *http.Client, base, path string) error {
	get := func() (time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return time.Since(start), err
	}
	first, err := get() // builds what the page caches
	if err != nil {
		return err
	}
	var ds []time.Duration
	for range b.Requests {
		d, err := get()
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	fmt.Fprintf(b.Stdout, "%-60s first %7.1f ms  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms\n", path,
		ms(first), ms(ds[len(ds)/2]), ms(ds[(len(ds)*95+99)/100-1]), ms(ds[len(ds)-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// signIn signs in as the administrator through the console's form and
// returns a client holding the session.
func signIn(ctx context.Context, base, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	resp, err := c.Get(base + "/console/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, after, _ := strings.Cut(string(page), `name="csrf" value="`)
	token, _, _ := strings.Cut(after, `"`)
	resp, err = c.PostForm(base+"/console/login", url.Values{"csrf": {token}, "name": {"admin"}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(resp.Request.URL.Path, "login") {
		return nil, fmt.Errorf("sign in as admin: %s at %s", resp.Status, resp.Request.URL.Path)
	}
	return c, nil
}

// fill makes the node in dir when there is none and adds objects until it
// holds Objects.
func (b *Console) fill(ctx context.Context, dir string) (*consoleState, error) {
	path := filepath.Join(dir, consoleStateFile)
	st := &consoleState{}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	} else if errors.Is(err, os.ErrNotExist) {
		st.Password = rand.Text()
	} else {
		return nil, err
	}
	if st.Objects >= b.Objects {
		return st, nil
	}
	n, err := node.Open(ctx, node.Config{DataDir: dir, Create: true, AdminPassword: st.Password, Notices: b.Stderr})
	if err != nil {
		return nil, err
	}
	defer n.Close()
	coll, err := n.FindCollection(ctx, node.DefaultAPIRoot, "default")
	if err != nil {
		return nil, err
	}
	bar := progress.New(b.Stderr, "fill", int64(b.Objects), "objects")
	start := time.Now()
	const batch = 5000
	now := time.Now().UTC()
	for st.Objects < b.Objects {
		var objs []*stix.Object
		for i := st.Objects; i < min(st.Objects+batch, b.Objects); i++ {
			o, err := stix.ParseObject(consoleObject(i, now))
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
		if _, err := n.Objects.CreateObjects(ctx, coll.ID, objs); err != nil {
			return nil, err
		}
		st.Objects += len(objs)
		bar.Set(0, int64(st.Objects))
		data, _ := json.Marshal(st)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	bar.Done()
	fmt.Fprintf(b.Stdout, "fill: store holds %d objects (%.1fs)\n", st.Objects, time.Since(start).Seconds())
	return st, nil
}

// benchGroups is how many intrusion sets the filled store holds.
const benchGroups = 200

func benchID(typ string, i int) string {
	return fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", typ, i, len(typ))
}

func benchIP(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// consoleObject is the i-th object of the console's store: in every ten,
// six indicators, two relationships tying an indicator to an intrusion
// set, one sighting of an indicator in the last 30 days, and one
// intrusion set (the first benchGroups) or note.
func consoleObject(i int, now time.Time) []byte {
	ts := now.Add(-time.Duration(i%(30*24)) * time.Hour).Format("2006-01-02T15:04:05.000Z")
	common := fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q,"object_marking_refs":[%q]`, ts, ts, stix.TLPGreen.MarkingID())
	k, slot := i/10, i%10
	switch {
	case slot < 6:
		j := k*6 + slot
		return fmt.Appendf(nil, `{"type":"indicator",%s,"id":%q,"name":"loader beacon %d","description":"Command and control of a loader seen in campaign %d.","pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":%q}`,
			common, benchID("indicator", j), j, j%97, benchIP(j), ts)
	case slot < 8:
		j := k*6 + (slot-6)*3
		return fmt.Appendf(nil, `{"type":"relationship",%s,"id":%q,"relationship_type":"indicates","source_ref":%q,"target_ref":%q}`,
			common, benchID("relationship", k*2+slot-6), benchID("indicator", j), benchID("intrusion-set", j%benchGroups))
	case slot == 8:
		j := k * 6
		return fmt.Appendf(nil, `{"type":"sighting",%s,"id":%q,"sighting_of_ref":%q,"first_seen":%q,"last_seen":%q,"count":1}`,
			common, benchID("sighting", k), benchID("indicator", j), ts, ts)
	case k < benchGroups:
		return fmt.Appendf(nil, `{"type":"intrusion-set",%s,"id":%q,"name":"Bench Group %d","aliases":["Bench Alias %d"],"description":"A group of the console benchmark."}`,
			common, benchID("intrusion-set", k), k, k)
	}
	return fmt.Appendf(nil, `{"type":"note",%s,"id":%q,"abstract":"analyst note %d","content":"Observed activity, case %d.","object_refs":[%q]}`,
		common, benchID("note", k), k, k, benchID("indicator", k*6))
}
