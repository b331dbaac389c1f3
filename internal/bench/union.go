package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/internal/parallel"
	"github.com/rampart-cti/rampart/stix"
)

// MemberStates are the country codes of the Union's member states, in the
// order a Union gives them to its national nodes.
var MemberStates = []string{
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
	"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}

// Union is a federation of member states simulated on one machine: a
// national node per member state and one or more hubs, each a
// "rampart serve" child process with its own store, set up as an
// operator would with rampart's documented commands alone: "org init"
// makes each organisation's keys, two registry authorities admit them
// all ("registry init/add/sign", threshold 2), "peer add" links every
// national node to every hub and the hubs to each other, and each node
// serves with the signed registry, so its node links are the production
// ones (hybrid post-quantum TLS, signatures checked on every object,
// TLP:AMBER sealed to its recipients).
//
// The topology: a hub relays the envelopes it cannot open to the nodes
// and hubs that pull from it, so with every national node linked to every
// hub, what one node shares reaches the others by each hub, the first
// path to deliver it wins, and the copies that follow are dropped as
// duplicates; the hub-to-hub links carry it on when a node's link to one
// hub is down.
//
// Open sets it up and starts every node; Close stops them. A Union is not
// safe for concurrent Open and Close; its Members are, once open.
type Union struct {
	// Binary is the rampart binary the nodes run (default: the running
	// one).
	Binary string
	// Dir holds every node's data directory and the registry. Required.
	Dir string
	// Nodes is how many national nodes (1 to len(MemberStates)), Hubs how
	// many hubs (at least 1).
	Nodes, Hubs int
	// MinStates is the hubs' early-warning rule: how many member states
	// must sight the same indicator for an alert (0: the default).
	MinStates int
	// Progress, when set, is told of each step of Open.
	Progress func(step string, done, total int)

	// Members are the national nodes, then the hubs, once Open has
	// returned.
	Members []*Member

	password string
}

// Member is one node of a Union: its organisation and its running
// "rampart serve".
type Member struct {
	Name, Country string
	Hub           bool
	Org           string // the organisation's identity id
	Dir           string // data directory
	Link          string // address of its node link
	Objects       string // path of its federated (default) collection's objects

	union  *Union
	target *target
}

// Validate reports parameters out of range, naming their flags.
func (u *Union) Validate() error {
	if u.Nodes < 1 || u.Nodes > len(MemberStates) {
		return fmt.Errorf("--nodes must be from 1 to %d, the member states of the Union (got %d)", len(MemberStates), u.Nodes)
	}
	if u.Hubs < 1 || u.Hubs > 9 {
		return fmt.Errorf("--hubs must be from 1 to 9 (got %d)", u.Hubs)
	}
	if u.Binary != "" {
		if _, err := os.Stat(u.Binary); err != nil {
			return fmt.Errorf("--binary: %v", err)
		}
	}
	return nil
}

// National returns the national nodes, Hubs the hubs.
func (u *Union) National() []*Member   { return u.Members[:u.Nodes] }
func (u *Union) HubMembers() []*Member { return u.Members[u.Nodes:] }

// Open sets up the Union in Dir and starts every node, waiting until each
// serves and has completed a round with each of its peers. On error, what
// was started is stopped.
func (u *Union) Open(ctx context.Context) (err error) {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.Dir == "" {
		return errors.New("union: Dir is required")
	}
	if u.Binary == "" {
		if u.Binary, err = os.Executable(); err != nil {
			return err
		}
	}
	u.password = rand.Text()
	defer func() {
		if err != nil {
			u.Close()
		}
	}()
	for i := range u.Nodes {
		cc := MemberStates[i]
		u.Members = append(u.Members, &Member{Name: "CSIRT " + cc, Country: cc, union: u, Dir: filepath.Join(u.Dir, strings.ToLower(cc))})
	}
	for i := range u.Hubs {
		u.Members = append(u.Members, &Member{Name: fmt.Sprintf("EU hub %d", i+1), Country: "EU", Hub: true, union: u, Dir: filepath.Join(u.Dir, fmt.Sprintf("hub%d", i+1))})
	}
	if err := u.setUp(ctx); err != nil {
		return err
	}
	if err := u.start(ctx); err != nil {
		return err
	}
	return u.waitLinked(ctx)
}

// setUp makes the organisations, the registry and the peers.
func (u *Union) setUp(ctx context.Context) error {
	// Each CSIRT, and each hub's operator, makes its organisation.
	var mu sync.Mutex
	done := 0
	err := u.each(ctx, u.Members, func(m *Member) error {
		out, err := u.run(ctx, "org", "init", "--name", m.Name, "--country", m.Country, "--data", m.Dir)
		if err != nil {
			return err
		}
		m.Org = strings.TrimSpace(out)
		if !strings.HasPrefix(m.Org, "identity--") {
			return fmt.Errorf("rampart org init for %s printed %q, not an identity id", m.Name, out)
		}
		mu.Lock()
		done++
		u.progress("organisations", done, len(u.Members))
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	// The registry authority (two members, both must sign) admits them.
	reg := filepath.Join(u.Dir, "registry.json")
	a1, a2 := filepath.Join(u.Dir, "a1.key"), filepath.Join(u.Dir, "a2.key")
	for _, args := range [][]string{
		{"keys", "generate", "-o", a1},
		{"keys", "generate", "-o", a2},
		{"registry", "init", "--threshold", "2", "--authority", "a1=" + a1 + ".pub", "--authority", "a2=" + a2 + ".pub", reg},
	} {
		if _, err := u.run(ctx, args...); err != nil {
			return err
		}
	}
	for i, m := range u.Members {
		if m.Link, err = freeAddr(); err != nil {
			return err
		}
		role := "national-csirt"
		if m.Hub {
			role = "hub"
		}
		if _, err := u.run(ctx, "registry", "add", "--org", m.Org, "--name", m.Name, "--country", m.Country, "--role", role,
			"--keys", filepath.Join(m.Dir, "org.key.pub"), "--node", "https://"+m.Link+"/", reg); err != nil {
			return err
		}
		u.progress("registry", i+1, len(u.Members))
	}
	for _, key := range []string{a1, a2} {
		if _, err := u.run(ctx, "registry", "sign", "--key", key, reg); err != nil {
			return err
		}
	}
	signed, err := os.ReadFile(reg)
	if err != nil {
		return err
	}
	// Every national node peers with every hub; every hub with every
	// other member.
	done = 0
	return u.each(ctx, u.Members, func(m *Member) error {
		// Each node keeps its own copy: serve writes the versions it
		// accepts back to it.
		if err := os.WriteFile(filepath.Join(m.Dir, "registry.json"), signed, 0o644); err != nil {
			return err
		}
		for _, p := range u.Members {
			if p == m || (!m.Hub && !p.Hub) {
				continue
			}
			if _, err := u.run(ctx, "peer", "add", "--org", p.Org, "--registry", reg, "--data", m.Dir); err != nil {
				return err
			}
		}
		if m.Hub && u.MinStates > 0 {
			if _, err := u.run(ctx, "alert", "rules", "--min-states", fmt.Sprint(u.MinStates), "--data", m.Dir); err != nil {
				return err
			}
		}
		mu.Lock()
		done++
		u.progress("peers", done, len(u.Members))
		mu.Unlock()
		return nil
	})
}

// start runs "rampart serve" for every member.
func (u *Union) start(ctx context.Context) error {
	var mu sync.Mutex
	done := 0
	return u.each(ctx, u.Members, func(m *Member) error {
		t, err := startTarget(ctx, u.Binary, m.Dir, u.password, &tail{max: 30},
			"--log-format", "text", "--log-level", "warn", "--registry", filepath.Join(m.Dir, "registry.json"))
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		mu.Lock()
		m.target = t
		done++
		u.progress("nodes serving", done, len(u.Members))
		mu.Unlock()
		if m.Objects, err = t.objectsPath(ctx); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		return nil
	})
}

// waitLinked waits until every member has completed a round with each of
// its peers (rampart_peer_last_sync_timestamp_seconds in its /metrics).
func (u *Union) waitLinked(ctx context.Context) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		linked, links := 0, 0
		var late *Member
		for _, m := range u.Members {
			want := u.Hubs - 1
			if m.Hub {
				want += u.Nodes
			} else {
				want++
			}
			got, err := m.syncedPeers(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			linked += min(got, want)
			links += want
			if got < want && late == nil {
				late = m
			}
		}
		u.progress("links up", linked, links)
		if late == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s has not synchronised with all its peers after 5 minutes:\n%s", late.Name, late.target.log)
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// Close stops every node (SIGINT, then SIGKILL after 20 s) and waits for
// them to exit.
func (u *Union) Close() error {
	var wg sync.WaitGroup
	for _, m := range u.Members {
		if m.target != nil {
			wg.Go(m.target.stop)
		}
	}
	wg.Wait()
	return nil
}

func (u *Union) progress(step string, done, total int) {
	if u.Progress != nil {
		u.Progress(step, done, total)
	}
}

// each runs f for every member, on every core, and returns the errors.
func (u *Union) each(ctx context.Context, ms []*Member, f func(*Member) error) error {
	errs := make([]error, len(ms))
	parallel.Each(len(ms), func(i int) {
		if errs[i] = ctx.Err(); errs[i] == nil {
			errs[i] = f(ms[i])
		}
	})
	return errors.Join(errs...)
}

// run runs a rampart command and returns its standard output; the error
// has its standard error.
func (u *Union) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, u.Binary, args...)
	cmd.Env = append(os.Environ(), "RAMPART_ADMIN_PASSWORD="+u.password)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("rampart %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// Sign signs STIX objects with the member's organisation keys ("rampart
// keys sign") and returns them signed, one JSON text each.
func (m *Member) Sign(ctx context.Context, objs ...string) ([]string, error) {
	f, err := os.CreateTemp(m.union.Dir, "unsigned-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	fmt.Fprintf(f, `{"type":"bundle","id":%q,"objects":[%s]}`, stix.NewID("bundle"), strings.Join(objs, ","))
	if err := f.Close(); err != nil {
		return nil, err
	}
	out := strings.TrimSuffix(f.Name(), ".json") + "-signed.json"
	defer os.Remove(out)
	if _, err := m.union.run(ctx, "keys", "sign", "--key", filepath.Join(m.Dir, "org.key"), "-o", out, f.Name()); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	bundle, err := stix.ParseBundle(b)
	if err != nil {
		return nil, fmt.Errorf("rampart keys sign wrote %s: %v", out, err)
	}
	var signed []string
	for _, o := range bundle.Objects {
		signed = append(signed, string(o.Raw))
	}
	return signed, nil
}

// Post stores objects in the member's federated collection over TAXII and
// fails unless every one was stored.
func (m *Member) Post(ctx context.Context, objs ...string) error {
	var st struct {
		SuccessCount int   `json:"success_count"`
		Failures     []any `json:"failures"`
	}
	body := `{"objects":[` + strings.Join(objs, ",") + `]}`
	if err := m.target.request(ctx, "POST", m.Objects, "application/taxii+json;version=2.1", strings.NewReader(body), &st); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	if len(st.Failures) > 0 || st.SuccessCount != len(objs) {
		return fmt.Errorf("%s: POST of %d objects: %d stored, failures %v", m.Name, len(objs), st.SuccessCount, st.Failures)
	}
	return nil
}

// Added returns when the member added object id to its federated
// collection (its X-TAXII-Date-Added-First over TAXII), or the zero time
// when it does not hold it, or holds it for no one but its administrator.
func (m *Member) Added(ctx context.Context, id string) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", m.target.base+m.Objects+"?match[id]="+id+"&match[version]=first", nil)
	if err != nil {
		return time.Time{}, err
	}
	req.SetBasicAuth("admin", m.target.password)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", m.Name, err)
	}
	defer resp.Body.Close()
	var page struct {
		Objects []jsontext.Value `json:"objects"`
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return time.Time{}, fmt.Errorf("%s: GET objects: %s %s", m.Name, resp.Status, b)
	}
	if err := json.UnmarshalRead(resp.Body, &page); err != nil {
		return time.Time{}, fmt.Errorf("%s: GET objects: %v", m.Name, err)
	}
	if len(page.Objects) == 0 {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-TAXII-Date-Added-First"))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: X-TAXII-Date-Added-First: %v", m.Name, err)
	}
	return at, nil
}

// Request sends a request to the member's API as its administrator and
// decodes the JSON answer into v (when not nil).
func (m *Member) Request(ctx context.Context, method, path, ctype string, body io.Reader, v any) error {
	if err := m.target.request(ctx, method, path, ctype, body, v); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	return nil
}

// PID returns the process id of the member's "rampart serve".
func (m *Member) PID() int { return m.target.cmd.Process.Pid }

// Log returns the last lines the member's node logged (warnings and
// errors).
func (m *Member) Log() string { return m.target.log.String() }

// Metrics returns the member's /metrics, in the Prometheus text format.
func (m *Member) Metrics(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", m.target.base+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s: %w", m.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: GET /metrics: %s", m.Name, resp.Status)
	}
	return string(b), nil
}

// syncedPeers returns how many of its peers the member has completed a
// round with.
func (m *Member) syncedPeers(ctx context.Context) (int, error) {
	text, err := m.Metrics(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, "rampart_peer_last_sync_timestamp_seconds{"); ok {
			if _, v, _ := strings.Cut(rest, "} "); strings.TrimSpace(v) != "0" {
				n++
			}
		}
	}
	return n, nil
}

// freeAddr returns a loopback address with a port free at the time.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
