package main

// End-to-end tests: they build the real rampart binary, start it as a
// separate process and speak TAXII 2.1 to it over the network.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// rampartBinary builds cmd/rampart once per test run.
func rampartBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rampart-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "rampart")
		cmd := exec.Command("go", "build", "-o", buildPath, ".")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=go1.27.3")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// servingRE finds the address in the line "rampart serve" logs once it
// serves.
var servingRE = regexp.MustCompile(`serving TAXII 2.1 at (https?://[^/\s]+)/taxii2/`)

// lockedBuffer collects a child's log for several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// nodeProcess is a running "rampart serve".
type nodeProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // e.g. http://127.0.0.1:41234
	stderr *lockedBuffer
	done   chan error
}

// startNode runs the binary's serve command on a free loopback port and
// waits until it serves.
func startNode(t *testing.T, dataDir string, env []string, args ...string) *nodeProcess {
	t.Helper()
	bin := rampartBinary(t)
	args = append([]string{"serve", "--data", dataDir, "--listen", "127.0.0.1:0", "--log-format", "json"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	buf := &lockedBuffer{}
	cmd.Stderr = io.MultiWriter(pw, buf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProcess{t: t, cmd: cmd, stderr: buf, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.base = <-found:
	case err := <-p.done:
		t.Fatalf("rampart serve exited: %v\n%s", err, buf.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("rampart serve did not start:\n%s", buf.String())
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the node with SIGTERM and waits for a clean exit.
func (p *nodeProcess) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("rampart serve exited with %v\n%s", err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		p.t.Errorf("rampart serve did not stop on SIGTERM")
	}
}

// kill ends the node with SIGKILL, as a crash would.
func (p *nodeProcess) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// runCLI runs the binary with args and returns stdout, stderr and the exit
// status.
func runCLI(t *testing.T, stdin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(rampartBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

const e2ePassword = "e2e-admin-password-1"

func indicatorJSON(i int, extra string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"ind %d","pattern":"[ipv4-addr:value = '10.0.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}`,
		i, i, (i/256)%256, i%256, extra)
}

func envelope(objs ...string) string { return `{"objects":[` + strings.Join(objs, ",") + `]}` }

func TestEndToEnd(t *testing.T) { testEndToEnd(t, nil) }

// TestEndToEndPostgres runs the same session against a node whose store is
// a real PostgreSQL server.
func TestEndToEndPostgres(t *testing.T) {
	testEndToEnd(t, []string{"RAMPART_POSTGRES=" + pgtest.NewDatabase(t)})
}

// testEndToEnd exercises every TAXII endpoint, filter, paging, access rule
// and bad-input case against a node started with storeEnv.
func testEndToEnd(t *testing.T, storeEnv []string) {
	dir := t.TempDir()
	env := append([]string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, storeEnv...)
	proc := startNode(t, dir, env)
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}

	// Discovery, API root, collections.
	r := tt.get("/taxii2/", "")
	tt.want(r, 200)
	if r.json["default"] != proc.base+"/cti/" {
		t.Errorf("discovery default = %v", r.json["default"])
	}
	tt.want(tt.get("/cti/", ""), 200)
	r = tt.get("/cti/collections/", "")
	tt.want(r, 200)
	colls := r.json["collections"].([]any)
	if len(colls) != 1 {
		t.Fatalf("collections: %s", r.body)
	}
	coll := colls[0].(map[string]any)
	collID := coll["id"].(string)
	if coll["can_read"] != true || coll["can_write"] != true || coll["alias"] != "default" {
		t.Errorf("default collection: %v", coll)
	}
	tt.want(tt.get("/cti/collections/"+collID+"/", ""), 200)
	objs := "/cti/collections/" + collID + "/objects/"

	// POST: 25 valid indicators, one malformed object, one too deep; the
	// valid ones are stored, the others listed with the reason.
	var batch []string
	for i := 0; i < 25; i++ {
		batch = append(batch, indicatorJSON(i, ""))
	}
	deep := indicatorJSON(999, `,"x_deep":`+strings.Repeat("[", 100)+strings.Repeat("]", 100))
	badPattern := strings.Replace(indicatorJSON(998, ""), `[ipv4-addr:value = '10.0.3.230']`, `[ipv4-addr:value = '10.0.3.230'`, 1)
	batch = append(batch, `{"type":"indicator","id":"not-an-id"}`, deep, badPattern)
	r = tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(batch...)))
	tt.want(r, 202)
	if r.json["success_count"] != 25.0 || r.json["failure_count"] != 3.0 || r.json["status"] != "complete" {
		t.Fatalf("status: %s", r.body)
	}
	failures := fmt.Sprint(r.json["failures"])
	if !strings.Contains(failures, "not-an-id") || !strings.Contains(failures, "MaxDepth") ||
		!strings.Contains(failures, "pattern:1:32: expected ']'") {
		t.Errorf("failures do not say why: %s", failures)
	}
	statusID := r.json["id"].(string)
	r = tt.get("/cti/status/"+statusID+"/", "")
	tt.want(r, 200)
	if r.json["total_count"] != 28.0 {
		t.Errorf("status resource: %s", r.body)
	}

	// A client that leaves out the trailing slash is redirected with its
	// method and body kept.
	r = tt.do(http.MethodPost, strings.TrimSuffix(objs, "/"), "", strings.NewReader(envelope(indicatorJSON(1, ""))))
	if r.status != 202 || r.json["success_count"] != 1.0 {
		t.Errorf("POST without the trailing slash: %d %s", r.status, r.body)
	}

	// A second version of indicator 0.
	v2 := strings.Replace(indicatorJSON(0, ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-02-01T00:00:00.000Z"`, 1)
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(v2))), 202)
	id0 := "indicator--00000000-0000-4000-8000-000000000000"

	// Paging with next through all 25 objects, 10 at a time, in date_added
	// order and without repeats; the last version of indicator 0 comes last.
	var seen []string
	q := "limit=10"
	for page := 0; ; page++ {
		r = tt.get(objs, q)
		tt.want(r, 200)
		if r.header.Get("X-TAXII-Date-Added-First") == "" || r.header.Get("X-TAXII-Date-Added-Last") == "" {
			t.Errorf("page %d without X-TAXII-Date-Added headers", page)
		}
		seen = append(seen, r.ids()...)
		if r.more() != true {
			break
		}
		q = "limit=10&next=" + url.QueryEscape(r.json["next"].(string))
	}
	if len(seen) != 25 || seen[24] != id0 {
		t.Errorf("paged ids: %d, last %q", len(seen), seen[len(seen)-1])
	}

	// Filters.
	wantIDs(t, tt.get(objs, "match[id]="+id0), id0)
	if n := len(tt.get(objs, "match[type]=indicator,malware").ids()); n != 25 {
		t.Errorf("match[type]: %d", n)
	}
	if n := len(tt.get(objs, "match[type]=malware").ids()); n != 0 {
		t.Errorf("match[type]=malware: %d", n)
	}
	if n := len(tt.get(objs, "match[version]=all").ids()); n != 26 {
		t.Errorf("match[version]=all: %d", n)
	}
	r = tt.get(objs+id0+"/", "match[version]=first")
	if len(r.objects()) != 1 || r.objects()[0]["modified"] != "2026-01-01T00:00:00.000Z" {
		t.Errorf("first: %s", r.body)
	}
	r = tt.get(objs+id0+"/", "match[version]=2026-02-01T00:00:00Z")
	if len(r.objects()) != 1 {
		t.Errorf("version by timestamp: %s", r.body)
	}
	if n := len(tt.get(objs, "match[spec_version]=2.1").ids()); n != 25 {
		t.Errorf("match[spec_version]: %d", n)
	}
	last := tt.get(objs, "match[id]="+id0).header.Get("X-TAXII-Date-Added-Last")
	wantIDs(t, tt.get(objs, "added_after="+last))
	r = tt.get("/cti/collections/"+collID+"/manifest/", "match[id]="+id0+"&match[version]=all")
	if len(r.objects()) != 2 {
		t.Errorf("manifest: %s", r.body)
	}
	r = tt.get(objs+id0+"/versions/", "")
	if vs := r.json["versions"].([]any); len(vs) != 2 {
		t.Errorf("versions: %s", r.body)
	}

	// DELETE one version, then the object.
	tt.want(tt.do(http.MethodDelete, objs+id0+"/", "match[version]=first", nil), 200)
	if vs := tt.get(objs+id0+"/versions/", "").json["versions"].([]any); len(vs) != 1 {
		t.Errorf("after deleting the first version: %v", vs)
	}
	tt.want(tt.do(http.MethodDelete, objs+id0+"/", "", nil), 200)
	tt.want(tt.get(objs+id0+"/", ""), 404)
	tt.want(tt.do(http.MethodDelete, objs+id0+"/", "", nil), 404)

	// Authentication and access.
	anon := *tt
	anon.user = ""
	r = anon.get("/cti/collections/", "")
	anon.want(r, 401)
	if len(r.header.Values("WWW-Authenticate")) == 0 {
		t.Error("401 without WWW-Authenticate")
	}
	wrong := *tt
	wrong.pass = "not-the-password"
	wrong.want(wrong.get("/cti/collections/", ""), 401)
	bad := tt.do(http.MethodGet, "/cti/collections/", "", nil, "Authorization", "Bearer rmp_forged")
	tt.want(bad, 401)

	// A reader with a bearer token, created with the CLI while the node
	// runs; a second collection it has no grant on stays invisible to it.
	if _, stderr, code := runCLI(t, "reader-password-123\n", storeEnv, "user", "add", "reader", "--data", dir, "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", storeEnv, "user", "grant", "reader", "default", "--read", "--data", dir); code != 0 {
		t.Fatalf("user grant: %d %s", code, stderr)
	}
	token, stderr, code := runCLI(t, "", storeEnv, "user", "token", "reader", "--label", "e2e", "--data", dir)
	if code != 0 {
		t.Fatalf("user token: %d %s", code, stderr)
	}
	token = strings.TrimSpace(token)
	reader := &taxiiTester{t: t, base: proc.base}
	asReader := func(method, path, query string, body io.Reader) *taxiiResponse {
		return reader.do(method, path, query, body, "Authorization", "Bearer "+token)
	}
	r = asReader(http.MethodGet, objs, "limit=1", nil)
	reader.want(r, 200)
	// The OASIS taxii2-client's token login says "Token", not "Bearer".
	reader.want(reader.do(http.MethodGet, objs, "limit=1", nil, "Authorization", "Token "+token), 200)
	r = asReader(http.MethodPost, objs, "", strings.NewReader(envelope(indicatorJSON(500, ""))))
	reader.want(r, 403)
	r = asReader(http.MethodGet, "/cti/collections/", "", nil)
	if cs := r.json["collections"].([]any); len(cs) != 1 || cs[0].(map[string]any)["can_write"] != false {
		t.Errorf("reader's collections: %s", r.body)
	}
	reader.want(asReader(http.MethodGet, "/cti/collections/"+stix.NewUUID()+"/objects/", "", nil), 404)
	basicReader := &taxiiTester{t: t, base: proc.base, user: "reader", pass: "reader-password-123"}
	basicReader.want(basicReader.get(objs, "limit=1"), 200)
	basicReader.want(basicReader.do(http.MethodDelete, objs+"indicator--00000001-0000-4000-8000-000000000000/", "", nil), 403)

	// Bad input: every case is a 4xx with an error resource.
	for _, c := range []struct {
		name   string
		method string
		path   string
		query  string
		body   string
		hdr    []string
		status int
	}{
		{"malformed JSON", "POST", objs, "", `{"objects":[{"type":`, nil, 400},
		{"not JSON", "POST", objs, "", `hello`, nil, 400},
		{"wrong content type", "POST", objs, "", envelope(indicatorJSON(1, "")), []string{"Content-Type", "application/json"}, 415},
		{"wrong accept", "GET", objs, "", "", []string{"Accept", "application/xml"}, 406},
		{"unknown parameter", "GET", objs, "colour=red", "", nil, 400},
		{"repeated parameter", "GET", objs, "limit=1&limit=2", "", nil, 400},
		{"bad added_after", "GET", objs, "added_after=yesterday", "", nil, 400},
		{"bad limit", "GET", objs, "limit=0", "", nil, 400},
		{"bad version", "GET", objs, "match[version]=newest", "", nil, 400},
		{"all with others", "GET", objs, "match[version]=all,first", "", nil, 400},
		{"forged next", "GET", objs, "next=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", nil, 400},
		{"method", "PUT", objs, "", "{}", nil, 405},
		{"no endpoint", "GET", "/cti/collections/" + collID + "/nothing/", "", "", nil, 404},
	} {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		r := tt.do(c.method, c.path, c.query, body, c.hdr...)
		if r.status != c.status || r.json["title"] == nil || r.json["http_status"] != fmt.Sprint(c.status) {
			t.Errorf("%s: %d %s, want %d with an error resource", c.name, r.status, r.body, c.status)
		}
	}

	// A next cursor from another query, endpoint or collection is refused.
	r = tt.get(objs, "limit=2")
	next := r.json["next"].(string)
	tt.want(tt.get(objs, "limit=2&match[type]=indicator&next="+url.QueryEscape(next)), 400)
	tt.want(tt.get("/cti/collections/"+collID+"/manifest/", "limit=2&next="+url.QueryEscape(next)), 400)
	otherID, stderr, code := runCLI(t, "", storeEnv, "collection", "add", "Other", "--alias", "other", "--data", dir)
	if code != 0 {
		t.Fatalf("collection add: %d %s", code, stderr)
	}
	otherID = strings.TrimSpace(otherID)
	other := "/cti/collections/" + otherID + "/objects/"
	tt.want(tt.do(http.MethodPost, other, "", strings.NewReader(envelope(indicatorJSON(700, ""), indicatorJSON(701, ""), indicatorJSON(702, "")))), 202)
	tt.want(tt.get(other, "limit=2&next="+url.QueryEscape(next)), 400)
	// The reader has no grant on it: it does not exist for the reader.
	reader.want(asReader(http.MethodGet, other, "", nil), 404)
	reader.want(asReader(http.MethodGet, "/cti/collections/"+otherID+"/", "", nil), 404)
	if cs := asReader(http.MethodGet, "/cti/collections/", "", nil).json["collections"].([]any); len(cs) != 1 {
		t.Errorf("the reader sees %d collections", len(cs))
	}

	// An object just over stix.MaxObjectBytes fails alone; one so large
	// that the reader would have to buffer it stops the request with 413,
	// and nothing of that request is stored.
	huge := indicatorJSON(800, `,"description":"`+strings.Repeat("x", stix.MaxObjectBytes+1)+`"`)
	r = tt.do(http.MethodPost, other, "", strings.NewReader(envelope(indicatorJSON(801, ""), huge)))
	if r.status != 202 || r.json["success_count"] != 1.0 || !strings.Contains(fmt.Sprint(r.json["failures"]), "MaxObjectBytes") {
		t.Errorf("object over MaxObjectBytes: %d %.300s", r.status, r.body)
	}
	huger := indicatorJSON(802, `,"description":"`+strings.Repeat("x", 2*stix.MaxObjectBytes)+`"`)
	r = tt.do(http.MethodPost, other, "", strings.NewReader(envelope(indicatorJSON(803, ""), huger)))
	if r.status != 413 || !strings.Contains(r.json["description"].(string), "MaxObjectBytes") {
		t.Errorf("object far over MaxObjectBytes: %d %.300s", r.status, r.body)
	}
	if n := len(tt.get(other, "").ids()); n != 4 {
		t.Errorf("the collection holds %d objects, want 4", n)
	}

	// Health and metrics.
	resp, err := http.Get(proc.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", err, resp)
	}
	resp, err = http.Get(proc.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`rampart_http_requests_total{code="202",method="POST"}`, `rampart_objects_added_total{collection=`,
		"rampart_matcher_indicators ", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(string(mb), want) {
			t.Errorf("metrics lack %s:\n%s", want, mb)
		}
	}

	// The node still serves after all of this.
	tt.want(tt.get("/taxii2/", ""), 200)
	if strings.Contains(proc.stderr.String(), e2ePassword) || strings.Contains(proc.stderr.String(), token) {
		t.Error("a secret appears in the node's log")
	}
}

func TestEndToEndBodyLimit(t *testing.T) {
	proc := startNode(t, t.TempDir(), []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, "--max-content-length", "4096")
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	r := tt.get("/cti/collections/", "")
	collID := r.json["collections"].([]any)[0].(map[string]any)["id"].(string)
	var batch []string
	for i := 0; i < 50; i++ {
		batch = append(batch, indicatorJSON(i, ""))
	}
	r = tt.do(http.MethodPost, "/cti/collections/"+collID+"/objects/", "", strings.NewReader(envelope(batch...)))
	tt.want(r, 413)
	if r.json["title"] != "RequestEntityTooLarge" {
		t.Errorf("413: %s", r.body)
	}
	if n := len(tt.get("/cti/collections/"+collID+"/objects/", "").ids()); n != 0 {
		t.Errorf("a refused body stored %d objects", n)
	}
	tt.want(tt.do(http.MethodPost, "/cti/collections/"+collID+"/objects/", "", strings.NewReader(envelope(batch[:2]...))), 202)
}

func TestEndToEndFirstStart(t *testing.T) {
	dir := t.TempDir()
	proc := startNode(t, dir, nil)
	path := filepath.Join(dir, node.CredentialsFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no credentials file: %v\n%s", err, proc.stderr.String())
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(proc.stderr.String(), path) {
		t.Errorf("serve does not say where the credentials are:\n%s", proc.stderr.String())
	}
	b, _ := os.ReadFile(path)
	m := regexp.MustCompile(`password: (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("credentials file: %s", b)
	}
	if strings.Contains(proc.stderr.String(), string(m[1])) {
		t.Error("the generated password appears in the log")
	}
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: string(m[1])}
	tt.want(tt.get("/cti/collections/", ""), 200)
	// A restart keeps the account and does not write the file again.
	proc.stop()
	proc = startNode(t, dir, nil)
	tt.base = proc.base
	tt.want(tt.get("/cti/collections/", ""), 200)
}

func TestEndToEndTransport(t *testing.T) {
	// Plain HTTP off loopback is refused, with a hint.
	_, stderr, code := runCLI(t, "", nil, "serve", "--data", t.TempDir(), "--listen", "0.0.0.0:0")
	if code != 2 || !strings.Contains(stderr, "only loopback addresses may go without TLS") || !strings.Contains(stderr, "hint:") {
		t.Errorf("serve on 0.0.0.0 without TLS: exit %d\n%s", code, stderr)
	}

	dir := t.TempDir()
	proc := startNode(t, dir, []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, "--tls-self-signed")
	if !strings.HasPrefix(proc.base, "https://") {
		t.Fatalf("self-signed node serves %s", proc.base)
	}
	var state tls.ConnectionState
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			state = cs
			return nil
		},
	}}}
	c := &taxii.Client{BaseURL: proc.base, HTTPClient: client, User: "admin", Password: e2ePassword}
	if _, err := c.Discovery(context.Background()); err != nil {
		t.Fatal(err)
	}
	if state.Version != tls.VersionTLS13 || state.CurveID != tls.X25519MLKEM768 {
		t.Errorf("TLS version %x, key exchange %v; want TLS 1.3 with X25519MLKEM768", state.Version, state.CurveID)
	}
	key := filepath.Join(dir, "tls", "self-signed.key")
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("self-signed key %s: %v %v", key, fi, err)
	}
}

// TestEndToEndCrash kills the node (SIGKILL) while clients post, restarts
// it, and checks that every object whose POST was acknowledged is there and
// that no object is half-written.
func TestEndToEndCrash(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	proc := startNode(t, dir, env)
	c := &taxii.Client{BaseURL: proc.base, User: "admin", Password: e2ePassword}
	ctx := context.Background()
	cs, err := c.Collections(ctx, node.DefaultAPIRoot)
	if err != nil {
		t.Fatal(err)
	}
	coll := cs[0].ID

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				var objs []*stix.Object
				var ids []string
				for i := 0; i < 200; i++ {
					n := w<<24 | b<<8 | i
					o, err := stix.ParseObject([]byte(indicatorJSON(n, "")))
					if err != nil {
						t.Error(err)
						return
					}
					objs = append(objs, o)
					ids = append(ids, o.ID)
				}
				st, err := c.AddObjects(ctx, node.DefaultAPIRoot, coll, objs)
				if err != nil {
					return // the node died mid-request
				}
				if st.SuccessCount == 200 {
					mu.Lock()
					acked = append(acked, ids...)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	proc.kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no POST was acknowledged before the crash")
	}

	proc = startNode(t, dir, env)
	c.BaseURL = proc.base
	stored := map[string]bool{}
	q := taxii.Query{Limit: 1000}
	for {
		p, err := c.Objects(ctx, node.DefaultAPIRoot, coll, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			if stored[o.ID] {
				t.Errorf("object %s listed twice", o.ID)
			}
			stored[o.ID] = true
			if err := node.Validate(o); err != nil {
				t.Errorf("object %s is not whole: %v", o.ID, err)
			}
		}
		if !p.More {
			break
		}
		q.Next = p.Next
	}
	for _, id := range acked {
		if !stored[id] {
			t.Fatalf("acknowledged object %s lost in the crash (%d acknowledged, %d stored)", id, len(acked), len(stored))
		}
	}
	t.Logf("%d objects acknowledged before the crash, %d stored after it", len(acked), len(stored))
	if len(stored)%200 != 0 {
		t.Errorf("%d objects stored: a POST of 200 was stored in part", len(stored))
	}
}
