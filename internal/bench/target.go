package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// target is a "rampart serve" child process a benchmark measures: the
// attacks' node, and the Pages benchmark's.
type target struct {
	cmd      *exec.Cmd
	base     string // http://ADDR
	addr     string
	password string
	done     chan error
	log      *tail
}

// servingRE finds the address in the line "rampart serve" logs once it
// serves.
var servingRE = regexp.MustCompile(`serving TAXII 2.1 at http://([^/\s]+)/taxii2/`)

// serveWait is how long a node may take to start serving: loading the
// matcher and early warning from a store of a million objects takes more
// than a minute on two cores.
const serveWait = 5 * time.Minute

// startTarget runs bin serving a node in dir (made when there is none) on
// a loopback port, with the administrator's password and the extra flags,
// keeps its log in log, and waits (at most serveWait) until it serves. When ctx
// ends, the process is interrupted.
func startTarget(ctx context.Context, bin, dir, password string, log *tail, flags ...string) (*target, error) {
	t := &target{password: password, done: make(chan error, 1), log: log}
	args := append([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0"}, flags...)
	t.cmd = exec.CommandContext(ctx, bin, args...)
	t.cmd.Env = append(os.Environ(), "RAMPART_ADMIN_PASSWORD="+t.password)
	t.cmd.Cancel = func() error { return t.cmd.Process.Signal(os.Interrupt) }
	t.cmd.WaitDelay = 15 * time.Second
	setParentDeath(t.cmd)
	stderr, err := t.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := t.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	addr := make(chan string, 1)
	go t.readLog(stderr, addr)
	go func() { t.done <- t.cmd.Wait() }()
	select {
	case t.addr = <-addr:
		t.base = "http://" + t.addr
		return t, nil
	case err := <-t.done:
		return nil, fmt.Errorf("rampart serve stopped before serving: %v\n%s", err, t.log)
	case <-time.After(serveWait):
		t.cmd.Process.Kill()
		return nil, fmt.Errorf("rampart serve did not serve within %s:\n%s", serveWait, t.log)
	}
}

// startTarget runs the attacks' target: a fresh node in the attacker's
// directory, logging its warnings and errors, the last of which are kept.
func (a *attacker) startTarget(ctx context.Context, flags ...string) (*target, error) {
	flags = append([]string{"--log-format", "text", "--log-level", "warn"}, flags...)
	t, err := startTarget(ctx, a.binary, filepath.Join(a.dir, "node"), rand.Text(), &tail{max: 20}, flags...)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(a.Stdout, "target: rampart serve, pid %d, at %s\n", t.cmd.Process.Pid, t.base)
	return t, nil
}

// readLog keeps the target's log, and sends the address it serves at on
// addr.
func (t *target) readLog(stderr io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		t.log.add(line)
		if mm := servingRE.FindStringSubmatch(line); mm != nil {
			select {
			case addr <- mm[1]:
			default:
			}
		}
	}
}

// stop ends the serve process: SIGINT, then SIGKILL after 20 s.
func (t *target) stop() {
	t.cmd.Process.Signal(os.Interrupt)
	select {
	case <-t.done:
	case <-time.After(20 * time.Second):
		t.cmd.Process.Kill()
		<-t.done
	}
}

// stopTarget ends the serve process and prints the last lines of its log
// (its warnings and errors).
func (a *attacker) stopTarget(t *target) {
	t.stop()
	if s := t.log.String(); s != "" {
		fmt.Fprintf(a.Stderr, "rampart: the node's log (last lines):\n%s", s)
	}
}

// rss returns the resident memory of the target, in bytes.
func (t *target) rss() (int64, error) {
	return procStatus(t.cmd.Process.Pid, "VmRSS")
}

// held returns how many of the connections from clients the target still
// holds open, from /proc/net/tcp: a socket the target has closed, whose
// unsent bytes the kernel may still be trying to deliver, belongs to no
// process (inode 0) and is not counted.
func (t *target) held(clients []net.Conn) int {
	_, port, _ := net.SplitHostPort(t.addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X", p)
	remote := map[string]bool{}
	for _, c := range clients {
		remote[fmt.Sprintf(":%04X", c.LocalAddr().(*net.TCPAddr).Port)] = true
	}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) > 9 && strings.HasSuffix(f[1], local) && remote[f[2][strings.LastIndex(f[2], ":"):]] && f[3] == "01" && f[9] != "0" {
			n++
		}
	}
	return n
}

// request sends a request as the administrator and decodes a JSON answer
// into v, if not nil.
func (t *target) request(ctx context.Context, method, path, ctype string, body io.Reader, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth("admin", t.password)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if v == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.UnmarshalRead(resp.Body, v)
}

// objectsPath returns the path of the default collection's objects.
func (t *target) objectsPath(ctx context.Context) (string, error) {
	var cs struct {
		Collections []struct {
			ID    string `json:"id"`
			Alias string `json:"alias"`
		} `json:"collections"`
	}
	if err := t.request(ctx, "GET", "/cti/collections/", "", nil, &cs); err != nil {
		return "", err
	}
	for _, c := range cs.Collections {
		if c.Alias == "default" {
			return "/cti/collections/" + c.ID + "/objects/", nil
		}
	}
	return "", errors.New("the node has no default collection")
}

// heapInUse returns the target's go_memstats_heap_inuse_bytes, from its
// /metrics; 0 when it cannot be read.
func (t *target) heapInUse(ctx context.Context) int64 {
	req, _ := http.NewRequestWithContext(ctx, "GET", t.base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int64(f)
		}
	}
	return 0
}

// basicAuth returns the credentials of HTTP Basic authentication, as they
// follow "Basic " in an Authorization header.
func basicAuth(user, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}
