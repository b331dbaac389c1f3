package main

// Output: what each attack measured goes to stdout, one line per measure;
// the serving node's log, and diagnostics, go to stderr.

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

const attackUsage = `Usage: rampart bench attack <name> [flags]

Starts "rampart serve" (this binary, a fresh node in a temporary directory,
on loopback), attacks it, and prints what the node did. docs/PERFORMANCE.md
("Hostile load") records the results with these commands.

    slow-readers
        Fills the default collection with --objects indicators of
        --object-size bytes, then --clients clients ask for all of them in
        one page and never read. Prints the serve process's resident memory
        (VmRSS) and open descriptors over --hold: how much the node holds,
        and for how long.
    idle-links
        Serves a node with keys and a registry, opens --idle connections to
        its node link from 127.0.0.1 and MaxPendingPerHost more from each of
        127.0.0.2 to 127.0.0.--hosts, none of which ever starts TLS (each is
        opened again when the node closes it), and meanwhile connects
        --attempts times as a registered peer from 127.0.0.9 (trust.Dialer,
        then TAXII discovery and the collections over the link). Prints each
        attempt's time.
    early-refusal
        Sends, --repeat times each, requests declaring a --declared-byte
        body and sending it as fast as the node takes it: too large (413)
        and without credentials (401), to TAXII and the JSON API. Prints the
        time from the end of the headers to the answer, and what the client
        could send before the node closed the connection.
    slow-body
        POSTs to TAXII and the JSON API bodies trickled at one byte a
        second, and prints when the node cut each.
    writers
        --writers clients each POST, one after the other for --duration,
        envelopes of --post-objects new indicators to the default
        collection (HTTP Basic as the administrator, whose password the
        node checks once and remembers), while --readers clients GET pages
        of 100. Prints the POSTs' latency (p50, p95, p99, max), the
        throughput, the errors by status and the load average; fails when
        the POST p99 is 1 s or more.

Flags:
`

const attackExamples = `
Examples:
    rampart bench attack slow-readers
    rampart bench attack slow-readers --clients 10 --objects 100 --object-size 2MiB --hold 90s
    rampart bench attack idle-links --idle 256 --hosts 8
    rampart bench attack early-refusal --declared 70MiB
    rampart bench attack slow-body
    rampart bench attack writers --writers 200 --duration 60s
    rampart bench attack writers --serve /tmp/rampart-before --readers 20
`

func (m *Main) runAttack(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, attackUsage+attackExamples)
	if err != nil {
		return err
	}
	attacks := []string{"slow-readers", "idle-links", "early-refusal", "slow-body", "writers"}
	if !slices.Contains(attacks, sub) {
		return m.unknownSubcommand("bench attack", sub, strings.Join(attacks, ", "))
	}
	fs := flag.NewFlagSet("bench attack "+sub, flag.ContinueOnError)
	clients := fs.Int("clients", 10, "slow readers (slow-readers)")
	objects := fs.Int("objects", 100, "objects stored and asked for in one page (slow-readers)")
	objectSize := fs.String("object-size", "2MiB", "size of each object (slow-readers)")
	hold := fs.Duration("hold", 90*time.Second, "how long the slow readers stay (slow-readers)")
	idle := fs.Int("idle", 256, "idle connections from 127.0.0.1 (idle-links)")
	hosts := fs.Int("hosts", 8, "idle connections also come from 127.0.0.2 to 127.0.0.`N`, MaxPendingPerHost each (idle-links)")
	attempts := fs.Int("attempts", 10, "connections of the registered peer during the attack, one a second (idle-links)")
	declared := fs.String("declared", "70MiB", "declared body size (early-refusal)")
	repeat := fs.Int("repeat", 20, "requests of each kind (early-refusal)")
	writers := fs.Int("writers", 200, "clients POSTing at once (writers)")
	readers := fs.Int("readers", 0, "clients reading pages meanwhile (writers)")
	postObjects := fs.Int("post-objects", 5, "new indicators per POST (writers)")
	duration := fs.Duration("duration", 60*time.Second, "how long the clients POST (writers)")
	serve := fs.String("serve", "", "the rampart `binary` to attack, to compare releases (default: this one)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), attackUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), attackExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench attack "+sub, "flags only", fs.Args())
	}
	size, err := parseSize(*objectSize)
	if err != nil || size < 1 || size > stix.MaxObjectBytes-4096 {
		m.errorf("--object-size %q: give a size from 1 byte to %d bytes (stix.MaxObjectBytes)", *objectSize, stix.MaxObjectBytes-4096)
		return errUsage
	}
	decl, err := parseSize(*declared)
	if err != nil || decl < 1 {
		m.errorf("--declared %q: give a size such as 70MiB", *declared)
		return errUsage
	}
	if *hosts < 1 || *hosts > 8 {
		m.errorf("--hosts must be from 1 to 8 (127.0.0.9 is the peer's), got %d", *hosts)
		return errUsage
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"clients", *clients}, {"objects", *objects}, {"idle", *idle}, {"attempts", *attempts}, {"repeat", *repeat},
		{"writers", *writers}, {"post-objects", *postObjects}} {
		if f.v < 1 {
			m.errorf("--%s must be at least 1 (got %d)", f.name, f.v)
			return errUsage
		}
	}
	if *readers < 0 {
		m.errorf("--readers must not be negative (got %d)", *readers)
		return errUsage
	}
	if *serve == "" {
		if *serve, err = os.Executable(); err != nil {
			return err
		}
	} else if _, err := os.Stat(*serve); err != nil {
		m.errorf("--serve: %v", err)
		return errUsage
	}
	a := &attacker{Main: m, binary: *serve}
	dir, err := os.MkdirTemp("", "rampart-attack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	switch sub {
	case "slow-readers":
		return a.slowReaders(ctx, dir, *clients, *objects, int(size), *hold)
	case "idle-links":
		return a.idleLinks(ctx, dir, *idle, *hosts, *attempts)
	case "early-refusal":
		return a.earlyRefusal(ctx, dir, decl, *repeat)
	case "writers":
		if *duration <= 0 {
			m.errorf("--duration must be positive (got %s)", *duration)
			return errUsage
		}
		return a.writers(ctx, dir, *writers, *readers, *postObjects, *duration)
	}
	return a.slowBody(ctx, dir)
}

// attacker runs the attacks against a "rampart serve" of binary.
type attacker struct {
	*Main
	binary string
}

// slowReaders: clients that ask for a page of large objects and
// never read it.
func (a *attacker) slowReaders(ctx context.Context, dir string, clients, objects, size int, hold time.Duration) error {
	t, err := a.startTarget(ctx, dir, "--max-page-size", strconv.Itoa(max(objects, 1000)))
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	path, err := t.objectsPath(ctx)
	if err != nil {
		return err
	}
	// Fill, in envelopes well under max_content_length.
	perPost := max(1, (48<<20)/size)
	for i := 0; i < objects; i += perPost {
		var b strings.Builder
		b.WriteString(`{"objects":[`)
		for j := i; j < min(objects, i+perPost); j++ {
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z","description":"`,
				stix.NewID("indicator"), j%250+1)
			b.WriteString(strings.Repeat("x", size-400))
			b.WriteString(`"}`)
		}
		b.WriteString(`]}`)
		if err := t.request(ctx, "POST", path, "application/taxii+json;version=2.1", strings.NewReader(b.String()), nil); err != nil {
			return fmt.Errorf("fill: %v", err)
		}
	}
	time.Sleep(2 * time.Second)
	base, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "stored %d objects of %d bytes; serve process VmRSS %s\n", objects, size, mib(base))

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	auth := "Basic " + basicAuth("admin", t.password)
	for range clients {
		c, err := net.Dial("tcp", t.addr)
		if err != nil {
			return err
		}
		c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET %s?limit=%d HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nAccept: application/taxii+json;version=2.1\r\n\r\n", path, objects, t.addr, auth)
		conns = append(conns, c)
	}
	start := time.Now()
	var peak, peakHeap int64
	var peakAt, heldUntil time.Duration
	next := time.Duration(0)
	for time.Since(start) < hold {
		time.Sleep(250 * time.Millisecond)
		r, err := t.rss()
		if err != nil {
			return err
		}
		if r > peak+1<<20 || peak == 0 {
			peakAt = time.Since(start)
		}
		peak = max(peak, r)
		held := t.held(conns)
		if held > 0 {
			heldUntil = time.Since(start)
		}
		if since := time.Since(start); since >= next {
			heap := t.heapInUse(ctx)
			peakHeap = max(peakHeap, heap)
			fmt.Fprintf(a.Stdout, "  %3.0fs: VmRSS %s, Go heap in use %s, %d connections held\n", since.Seconds(), mib(r), mib(heap), held)
			next += 10 * time.Second
		}
	}
	end, _ := t.rss()
	fmt.Fprintf(a.Stdout, "%d clients asked for %d objects each and never read, for %s\n", clients, objects, hold)
	fmt.Fprintf(a.Stdout, "peak VmRSS %s (%s over the %s before), reached %s after they asked; peak Go heap in use (sampled every 10 s) %s\n", mib(peak), signedMiB(peak-base), mib(base), peakAt.Round(time.Second), mib(peakHeap))
	if heldUntil < hold-time.Second {
		fmt.Fprintf(a.Stdout, "the node closed their connections %s after they asked\n", heldUntil.Round(time.Second))
	} else {
		fmt.Fprintf(a.Stdout, "the node still held their connections after %s\n", hold)
	}
	fmt.Fprintf(a.Stdout, "VmRSS at the end: %s (%s), Go heap in use %s; the Go runtime returns freed memory to the system gradually\n", mib(end), signedMiB(end-base), mib(t.heapInUse(ctx)))
	return nil
}

// idleLinks: connections to the node link that never start TLS,
// while a registered peer connects.
func (a *attacker) idleLinks(ctx context.Context, dir string, idle, hosts, attempts int) error {
	orgA, orgB := "identity--a0000000-0000-4000-8000-00000000000a", "identity--b0000000-0000-4000-8000-00000000000b"
	idA, err := trust.GenerateIdentity(trust.EUPQBase, orgA)
	if err != nil {
		return err
	}
	idB, err := trust.GenerateIdentity(trust.EUPQBase, orgB)
	if err != nil {
		return err
	}
	auth, err := trust.GenerateIdentity(trust.EUPQBase, "")
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority", Keys: auth.KeySet().SigningKeys()}}, now)
	if err != nil {
		return err
	}
	for _, o := range []*trust.Organization{
		{ID: orgA, Name: "CERT-A", Country: "FR", Role: trust.RoleNationalCSIRT, Keys: idA.KeySet().Keys},
		{ID: orgB, Name: "CERT-B", Country: "DE", Role: trust.RoleNationalCSIRT, Keys: idB.KeySet().Keys},
	} {
		if err := doc.SetOrganization(o, now); err != nil {
			return err
		}
	}
	if err := doc.Sign(auth); err != nil {
		return err
	}
	raw, err := doc.Marshal()
	if err != nil {
		return err
	}
	regPath, keyPath := filepath.Join(dir, "registry.json"), filepath.Join(dir, "a.key")
	if err := os.WriteFile(regPath, raw, 0o644); err != nil {
		return err
	}
	if err := trust.WriteIdentityFile(keyPath, idA); err != nil {
		return err
	}
	reg, err := trust.ParseRegistry(raw)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	link := ln.Addr().String()
	ln.Close()
	t, err := a.startTarget(ctx, dir, "--identity", keyPath, "--registry", regPath, "--peer-listen", link)
	if err != nil {
		return err
	}
	defer a.stopTarget(t)

	peer := &trust.Dialer{Identity: idB, Verifier: trust.NewVerifier(reg, trust.DefaultPolicy()), Peer: orgA,
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}, Timeout: 30 * time.Second}
	connect := func() (time.Duration, error) {
		start := time.Now()
		tr := &http.Transport{DialTLSContext: peer.DialContext}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		for _, p := range []string{"/taxii2/", "/cti/collections/"} {
			req, _ := http.NewRequestWithContext(ctx, "GET", "https://"+link+p, nil)
			req.Header.Set("Accept", "application/taxii+json;version=2.1")
			resp, err := c.Do(req)
			if err != nil {
				return time.Since(start), err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return time.Since(start), fmt.Errorf("GET %s over the node link: %s", p, resp.Status)
			}
		}
		return time.Since(start), nil
	}
	// B becomes A's peer, as "rampart peer add" makes it; the running
	// node picks it up within federation.DefaultPeerRefresh.
	add := exec.CommandContext(ctx, a.binary, "peer", "add", "--data", filepath.Join(dir, "node"), "--org", orgB, "--name", "CERT-B", "--url", "https://127.0.0.1:9/")
	if out, err := add.CombinedOutput(); err != nil {
		return fmt.Errorf("rampart peer add: %v\n%s", err, out)
	}
	d, err := connect()
	for deadline := time.Now().Add(30 * time.Second); err != nil && time.Now().Before(deadline); d, err = connect() {
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("the peer cannot connect even before the attack: %v\n%s", err, t.log)
	}
	fmt.Fprintf(a.Stdout, "before the attack: the peer connects and reads discovery and the collections in %s\n", d.Round(time.Millisecond))

	actx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var open, opened atomic.Int64
	hold := func(src string, n int) {
		for range n {
			wg.Go(func() {
				nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
				for actx.Err() == nil {
					c, err := nd.DialContext(actx, "tcp", link)
					if err != nil {
						time.Sleep(10 * time.Millisecond)
						continue
					}
					open.Add(1)
					opened.Add(1)
					closed := make(chan struct{})
					go func() { io.Copy(io.Discard, c); close(closed) }()
					select {
					case <-actx.Done():
					case <-closed:
					}
					c.Close()
					open.Add(-1)
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
	hold("127.0.0.1", idle)
	for i := 2; i <= hosts; i++ {
		hold(fmt.Sprintf("127.0.0.%d", i), trust.MaxPendingPerHost)
	}
	time.Sleep(2 * time.Second)
	fmt.Fprintf(a.Stdout, "attack: %d silent connections from 127.0.0.1 and %d from each of 127.0.0.2-%d, reopened when closed; %d open now\n",
		idle, trust.MaxPendingPerHost, hosts, open.Load())
	var times []time.Duration
	failed := 0
	for i := range attempts {
		d, err := connect()
		if err != nil {
			failed++
			fmt.Fprintf(a.Stdout, "peer connection %d from 127.0.0.9: failed after %s: %v\n", i+1, d.Round(time.Millisecond), err)
		} else {
			times = append(times, d)
			fmt.Fprintf(a.Stdout, "peer connection %d from 127.0.0.9: handshake, node proofs, discovery and collections in %s (%d silent connections open)\n", i+1, d.Round(time.Millisecond), open.Load())
		}
		time.Sleep(time.Second)
	}
	stop()
	wg.Wait()
	slices.Sort(times)
	if len(times) > 0 {
		fmt.Fprintf(a.Stdout, "under attack: %d of %d peer connections succeeded; median %s, slowest %s; the attackers opened %d connections in all\n",
			len(times), attempts, times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), opened.Load())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d peer connections failed under attack", failed, attempts)
	}
	return nil
}

// refusal is one kind of request the node must refuse from its headers.
type refusal struct {
	name, head string
	status     int
}

// How a client sends the body the node refuses.
const (
	sendFast     = iota // as fast as the node takes it
	sendWithheld        // not at all: a slow uplink, or a client waiting for 100-continue
	sendTrickled        // chunked, one byte every 100 ms
)

var sendNames = []string{"sent as fast as the node takes it", "withheld after the headers", "chunked, one byte every 100 ms"}

// refusalWait is how long a client waits for an answer.
const refusalWait = 10 * time.Second

// earlyRefusal: requests declaring a large body, refused from their
// headers.
func (a *attacker) earlyRefusal(ctx context.Context, dir string, declared int64, repeat int) error {
	t, err := a.startTarget(ctx, dir)
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	// Both servers remember a checked password: check the
	// administrator's once on each, so that what is timed is the refusal,
	// not the deliberately slow password hash.
	path, err := t.objectsPath(ctx)
	if err != nil {
		return err
	}
	if err := t.request(ctx, "GET", "/api/v1/", "", nil, nil); err != nil {
		return err
	}
	auth := "Authorization: Basic " + basicAuth("admin", t.password) + "\r\n"
	taxiiHead := "Accept: application/taxii+json;version=2.1\r\nContent-Type: application/taxii+json;version=2.1\r\n"
	kinds := []refusal{
		{"TAXII POST, over max_content_length", "POST " + path + " HTTP/1.1\r\n" + auth + taxiiHead, 413},
		{"TAXII POST, no credentials", "POST " + path + " HTTP/1.1\r\n" + taxiiHead, 401},
		{"JSON API POST, over the body limit", "POST /api/v1/incidents HTTP/1.1\r\n" + auth + "Content-Type: application/json\r\n", 413},
		{"JSON API POST, no credentials", "POST /api/v1/incidents HTTP/1.1\r\nContent-Type: application/json\r\n", 401},
	}
	fmt.Fprintf(a.Stdout, "each request declares %d bytes (Content-Length) unless chunked; times run from the end of the headers to the status line\n", declared)
	misses := 0
	for _, k := range kinds {
		for mode, how := range sendNames {
			if mode == sendTrickled && k.status == 413 {
				continue // a chunked body's size is not known from its headers
			}
			var times, closes []time.Duration
			var sentMax int64
			unanswered, kept := 0, 0
			for range repeat {
				r, err := refuseOnce(t.addr, k.head, declared, mode)
				if err != nil {
					return fmt.Errorf("%s, body %s: %v", k.name, how, err)
				}
				switch {
				case r.status == 0:
					unanswered++
					continue
				case r.status != k.status:
					return fmt.Errorf("%s, body %s: answered %d, want %d", k.name, how, r.status, k.status)
				}
				times = append(times, r.answer)
				sentMax = max(sentMax, r.sent)
				if r.closed < 0 {
					kept++
				} else {
					closes = append(closes, r.closed)
				}
			}
			var parts []string
			if len(times) > 0 {
				slices.Sort(times)
				parts = append(parts, fmt.Sprintf("%d in %s median, %s slowest (of %d)", k.status, times[len(times)/2].Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond), len(times)))
				if times[len(times)-1] > 100*time.Millisecond {
					misses++
				}
			}
			if unanswered > 0 {
				misses++
				parts = append(parts, fmt.Sprintf("%d of %d not answered within %s", unanswered, repeat, refusalWait))
			}
			if len(closes) > 0 {
				slices.Sort(closes)
				parts = append(parts, fmt.Sprintf("connection closed %s after the answer at most", closes[len(closes)-1].Round(time.Millisecond)))
			}
			if kept > 0 {
				misses++
				parts = append(parts, fmt.Sprintf("%d connections still open %s after the answer", kept, refusalWait))
			}
			if mode == sendFast && sentMax > 0 {
				parts = append(parts, fmt.Sprintf("the client sent at most %s (socket buffers included) before the close", mib(sentMax)))
			}
			line := fmt.Sprintf("%s, body %s: %s", k.name, how, strings.Join(parts, "; "))
			fmt.Fprintln(a.Stdout, line)
		}
	}
	if misses > 0 {
		return fmt.Errorf("%d kinds of request not refused within 100 ms of their headers, or whose connection stayed open", misses)
	}
	return nil
}

// refused is what one refused request measured.
type refused struct {
	status int           // 0: no answer within refusalWait
	answer time.Duration // from the end of the headers to the status line
	closed time.Duration // from the answer to the node closing; -1: still open
	sent   int64         // body bytes the client could send
}

// refuseOnce sends head with a declared body sent as mode says.
func refuseOnce(addr, head string, declared int64, mode int) (refused, error) {
	var r refused
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return r, err
	}
	defer c.Close()
	length := fmt.Sprintf("Content-Length: %d\r\n", declared)
	if mode == sendTrickled {
		length = "Transfer-Encoding: chunked\r\n"
	}
	if _, err := fmt.Fprintf(c, "%sHost: %s\r\n%s\r\n", head, addr, length); err != nil {
		return r, err
	}
	start := time.Now()
	var sent atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for sent.Load() < declared {
			var k int
			var err error
			switch mode {
			case sendWithheld:
				<-stop
				return
			case sendTrickled:
				k, err = io.WriteString(c, "1\r\nx\r\n")
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			default:
				c.SetWriteDeadline(time.Now().Add(refusalWait))
				k, err = c.Write(buf[:min(int64(len(buf)), declared-sent.Load())])
			}
			sent.Add(int64(k))
			if err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	c.SetReadDeadline(start.Add(refusalWait))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("no answer: %v", err)
	}
	r.status, r.answer = resp.StatusCode, time.Since(start)
	io.Copy(io.Discard, resp.Body)
	answered := time.Now()
	c.SetReadDeadline(answered.Add(refusalWait))
	if _, err := io.Copy(io.Discard, br); errors.As(err, &ne) && ne.Timeout() {
		r.closed = -1
	} else {
		r.closed = time.Since(answered)
	}
	r.sent = sent.Load()
	return r, nil
}

// slowBody: bodies trickled at one byte a second.
func (a *attacker) slowBody(ctx context.Context, dir string) error {
	t, err := a.startTarget(ctx, dir)
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	path, err := t.objectsPath(ctx)
	if err != nil {
		return err
	}
	auth := "Authorization: Basic " + basicAuth("admin", t.password) + "\r\n"
	kinds := []refusal{
		{"TAXII POST", "POST " + path + " HTTP/1.1\r\n" + auth + "Accept: application/taxii+json;version=2.1\r\nContent-Type: application/taxii+json;version=2.1\r\n", 0},
		{"JSON API POST", "POST /api/v1/incidents HTTP/1.1\r\n" + auth + "Content-Type: application/json\r\n", 0},
	}
	var wg sync.WaitGroup
	out := make([]string, len(kinds))
	for i, k := range kinds {
		wg.Go(func() {
			c, err := net.Dial("tcp", t.addr)
			if err != nil {
				out[i] = err.Error()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "%sHost: %s\r\nContent-Length: 1048576\r\n\r\n", k.head, t.addr)
			start := time.Now()
			go func() {
				for {
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(time.Second)
				}
			}()
			c.SetReadDeadline(time.Now().Add(10 * time.Minute))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				out[i] = fmt.Sprintf("%s trickled at 1 byte/s: no answer after %s: %v", k.name, time.Since(start).Round(time.Second), err)
				return
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			out[i] = fmt.Sprintf("%s trickled at 1 byte/s: cut after %s with %d: %s", k.name, time.Since(start).Round(100*time.Millisecond), resp.StatusCode, strings.TrimSpace(string(body)))
		})
	}
	wg.Wait()
	for _, s := range out {
		fmt.Fprintln(a.Stdout, s)
	}
	return nil
}
