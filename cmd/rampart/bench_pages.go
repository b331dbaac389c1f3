package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/taxii"
)

const benchPagesUsage = `Usage: rampart bench pages [flags]

Measures what slow readers of large pages and a POST cut short do to a real
node: it starts "rampart serve" (this binary, or --binary) as a child
process on a fresh data directory and a loopback port, then
  1. stores --objects notes of --object-size bytes each over TAXII;
  2. opens --readers connections that each ask for a page of --limit of
     them and never read the answer, waits until the node's memory stops
     growing, and reports its resident memory (VmRSS, from /proc) before
     and after, and its peak (VmHWM);
  3. POSTs an envelope of --post-objects indicators, sends half of it and
     closes the connection, and reports what the status the node recorded
     says, and at which level the node logged it.
Linux only (/proc).

Flags:
`

const benchPagesExamples = `
Examples:
    rampart bench pages
    rampart bench pages --readers 10 --objects 100 --object-size 2MiB --limit 100
    rampart bench pages --binary /tmp/rampart-old     (an older serve, same load)
`

// benchPages runs "rampart bench pages".
func (m *Main) benchPages(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pages", flag.ContinueOnError)
	binary := fs.String("binary", "", "rampart `binary` to serve with (default: this one)")
	objects := fs.Int("objects", 100, "large objects to store")
	sizeFlag := fs.String("object-size", "2MiB", "size of each large object")
	readers := fs.Int("readers", 10, "connections that ask for a page and never read it")
	limit := fs.Int("limit", 100, "objects per page asked for")
	postObjects := fs.Int("post-objects", 12000, "objects of the POST cut short (0: skip)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchPagesUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchPagesExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench pages", "flags only", fs.Args())
	}
	size, err := parseSize(*sizeFlag)
	if err != nil || size < 300 {
		m.errorf("--object-size: want a size of at least 300 bytes (got %q)", *sizeFlag)
		return errUsage
	}
	if *objects < 1 || *readers < 1 || *limit < 1 || *postObjects < 0 {
		m.errorf("--objects, --readers and --limit must be at least 1, --post-objects at least 0")
		return errUsage
	}
	bin := *binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "rampart-bench-pages-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	password := rand.Text()
	srv, err := startServe(ctx, bin, dir, password)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(m.Stdout, "rampart bench pages: %s serving at %s (pid %d)\n", bin, srv.base, srv.cmd.Process.Pid)
	c := &taxii.Client{BaseURL: srv.base, User: node.AdminName, Password: password}
	cs, err := c.Collections(ctx, node.DefaultAPIRoot)
	if err != nil {
		return err
	}
	coll := cs[0].ID

	// 1. Large objects.
	start := time.Now()
	perPost := max(1, int((32<<20)/size))
	for i := 0; i < *objects; i += perPost {
		var env bytes.Buffer
		env.WriteString(`{"objects":[`)
		for j := i; j < min(i+perPost, *objects); j++ {
			if j > i {
				env.WriteByte(',')
			}
			env.Write(largeNote(j, int(size)))
		}
		env.WriteString(`]}`)
		st, err := c.PostEnvelope(ctx, node.DefaultAPIRoot, coll, &env)
		if err != nil {
			return fmt.Errorf("store large objects: %w", err)
		}
		if st.FailureCount > 0 {
			return fmt.Errorf("store large objects: %d failed: %s", st.FailureCount, st.Failures[0].Message)
		}
	}
	fmt.Fprintf(m.Stdout, "stored: %d objects of %s in %.1fs\n", *objects, progress.FormatBytes(size), time.Since(start).Seconds())

	// 2. Slow readers.
	before, err := srv.settle(ctx, 3*time.Second)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/%s/collections/%s/objects/?limit=%d", node.DefaultAPIRoot, coll, *limit)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(node.AdminName+":"+password))
	var conns []net.Conn
	defer func() {
		for _, cn := range conns {
			cn.Close()
		}
	}()
	for range *readers {
		cn, err := slowReader(srv.base, path, auth)
		if err != nil {
			return err
		}
		conns = append(conns, cn)
	}
	after, err := srv.settle(ctx, 5*time.Second)
	if err != nil {
		return err
	}
	hwm, _ := procStatus(srv.cmd.Process.Pid, "VmHWM")
	// The node may give memory back meanwhile (the heap of the objects
	// just stored): growth can be negative.
	growth := progress.FormatBytes(max(after-before, before-after))
	if after < before {
		growth = "-" + growth
	}
	fmt.Fprintf(m.Stdout, "slow readers: %d connections asking for %d objects of %s each, never reading: VmRSS %s before, %s after (growth %s), VmHWM %s\n",
		*readers, *limit, progress.FormatBytes(size), progress.FormatBytes(before), progress.FormatBytes(after),
		growth, progress.FormatBytes(hwm))
	for _, cn := range conns {
		cn.Close()
	}
	conns = nil

	// 3. A POST cut short.
	if *postObjects == 0 {
		return nil
	}
	return m.benchCutPost(ctx, srv, c, coll, auth, *postObjects)
}

// benchCutPost POSTs envelopes of n indicators and closes the connection,
// once after sending half of one, once right after sending all of one,
// and reports the status the node recorded and how it logged the POST.
func (m *Main) benchCutPost(ctx context.Context, srv *serveProcess, c *taxii.Client, coll, auth string, n int) error {
	for _, cut := range []struct {
		name string
		half bool
	}{{"half sent", true}, {"all sent, then closed", false}} {
		run := fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff)
		var env bytes.Buffer
		env.WriteString(`{"objects":[`)
		for i := range n {
			if i > 0 {
				env.WriteByte(',')
			}
			env.Write(benchIndicator(run, i))
		}
		env.WriteString(`]}`)
		body := env.Bytes()
		if cut.half {
			body = body[:len(body)/2]
		}
		had, err := countType(ctx, c, coll, "indicator")
		if err != nil {
			return err
		}
		logStart := len(srv.log.String())
		host := strings.TrimPrefix(srv.base, "http://")
		cn, err := net.Dial("tcp", host)
		if err != nil {
			return err
		}
		fmt.Fprintf(cn, "POST /%s/collections/%s/objects/ HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			node.DefaultAPIRoot, coll, host, auth, taxii.MediaTypeTAXII, env.Len())
		cn.Write(body)
		cn.Close()

		// The node logs a POST that stopped early with its status; one
		// that recorded none leaves nothing to wait for but time.
		statusRE := regexp.MustCompile(`"level":"(\w+)","msg":"POST stopped before the end of its envelope".*"status":"([0-9a-f-]{36})"`)
		var mm []string
		for deadline := time.Now().Add(20 * time.Second); mm == nil && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			mm = statusRE.FindStringSubmatch(srv.log.String()[logStart:])
		}
		var errs []string
		for line := range strings.Lines(srv.log.String()[logStart:]) {
			if strings.Contains(line, `"level":"ERROR"`) {
				errs = append(errs, strings.TrimSpace(line))
			}
		}
		has, err := countType(ctx, c, coll, "indicator")
		if err != nil {
			return err
		}
		logged := fmt.Sprintf("%d stored; %d ERROR lines in the log", has-had, len(errs))
		if len(errs) > 0 {
			logged += ", first: " + errs[0]
		}
		if mm == nil {
			fmt.Fprintf(m.Stdout, "cut POST of %d objects, %s: no status recorded; %s\n", n, cut.name, logged)
			continue
		}
		st, err := c.Status(ctx, node.DefaultAPIRoot, mm[2])
		if err != nil {
			return err
		}
		why := ""
		if len(st.Failures) > 0 {
			why = st.Failures[0].Message
		}
		fmt.Fprintf(m.Stdout, "cut POST of %d objects, %s: status %s: %d stored, %d not (%q); logged at %s; %s\n",
			n, cut.name, mm[2], st.SuccessCount, st.FailureCount, why, mm[1], logged)
	}
	return nil
}

// countType counts the versions of objects of type typ in collection coll.
func countType(ctx context.Context, c *taxii.Client, coll, typ string) (int, error) {
	n := 0
	q := taxii.Query{Types: []string{typ}, Versions: []string{"all"}, Limit: 1000}
	for {
		m, err := c.Manifest(ctx, node.DefaultAPIRoot, coll, q)
		if err != nil {
			return 0, fmt.Errorf("count %s objects: %w", typ, err)
		}
		n += len(m.Objects)
		if m.More == nil || !*m.More {
			return n, nil
		}
		q.Next = m.Next
	}
}

// largeNote is a note of about size bytes of JSON.
func largeNote(i, size int) []byte {
	return fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%08x-0000-4000-8000-000000000000","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","abstract":"large note %d","content":"%s","object_refs":["identity--8c3b0f3e-6c5e-4c1a-9f0e-2f7a0b1c2d3e"]}`,
		i, i, strings.Repeat("A", size-260))
}

// slowReader connects to base, asks for path with a small receive buffer,
// and never reads the answer.
func slowReader(base, path, auth string) (net.Conn, error) {
	host := strings.TrimPrefix(base, "http://")
	cn, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	if tc, ok := cn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	_, err = fmt.Fprintf(cn, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nAccept: %s\r\n\r\n", path, host, auth, taxii.MediaTypeTAXII)
	if err != nil {
		cn.Close()
		return nil, err
	}
	return cn, nil
}

// serveProcess is a "rampart serve" started by a bench.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	log  *lockedBuffer
	done chan error
}

var servingRE = regexp.MustCompile(`serving TAXII 2.1 at (https?://[^/\s]+)/taxii2/`)

// startServe starts bin serving a fresh node in dir on a loopback port.
func startServe(ctx context.Context, bin, dir, password string) (*serveProcess, error) {
	cmd := exec.Command(bin, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "RAMPART_ADMIN_PASSWORD="+password)
	pr, pw := io.Pipe()
	p := &serveProcess{cmd: cmd, log: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = io.MultiWriter(pw, p.log)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if mm := servingRE.FindStringSubmatch(sc.Text()); mm != nil {
				found <- mm[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.base = <-found:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("%s serve exited: %v\n%s", bin, err, p.log.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s serve did not start within 60s:\n%s", bin, p.log.String())
	case <-ctx.Done():
		cmd.Process.Kill()
		return nil, ctx.Err()
	}
}

// stop ends the serve process: SIGINT, then SIGKILL after 30 s.
func (p *serveProcess) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// settle waits until the process's VmRSS has not grown for quiet, and
// returns it (at most a minute).
func (p *serveProcess) settle(ctx context.Context, quiet time.Duration) (int64, error) {
	last, err := procStatus(p.cmd.Process.Pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	since := time.Now()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		rss, err := procStatus(p.cmd.Process.Pid, "VmRSS")
		if err != nil {
			return 0, err
		}
		if rss > last {
			last, since = rss, time.Now()
		}
		if time.Since(since) >= quiet {
			return rss, nil
		}
	}
	return last, nil
}

// procStatus reads a memory field (in kB) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the node's memory: %w (bench pages needs Linux's /proc)", err)
	}
	for line := range strings.Lines(string(b)) {
		if name, rest, ok := strings.Cut(line, ":"); ok && name == field {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: %s: %q", pid, field, rest)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

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
