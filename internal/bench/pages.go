package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/taxii"
)

// Pages measures what slow readers of large pages and a POST cut short do
// to a real node, a "rampart serve" child process on a fresh data
// directory and a loopback port. Linux only (/proc).
type Pages struct {
	Binary      string // rampart binary to serve with (default: the running one)
	Objects     int    // large objects to store
	ObjectSize  int64  // size of each large object, at least 300 bytes
	Readers     int    // connections that ask for a page and never read it
	Limit       int    // objects per page asked for
	PostObjects int    // objects of the POST cut short (0: skip)

	Stdout io.Writer // results
	Stderr io.Writer
}

// Validate reports parameters out of range, naming their flags.
func (b *Pages) Validate() error {
	if b.Objects < 1 || b.Readers < 1 || b.Limit < 1 || b.PostObjects < 0 {
		return errors.New("--objects, --readers and --limit must be at least 1, --post-objects at least 0")
	}
	return nil
}

// pagesRun is one run of the Pages benchmark against its serve process.
type pagesRun struct {
	*Pages
	srv  *target
	c    *taxii.Client
	coll string // the default collection's id
	auth string // Authorization header value of the administrator
}

// Run starts the serve process, stores the large objects, measures the
// node's memory under the slow readers, then cuts POSTs short. It returns
// the first error that stops a step.
func (b *Pages) Run(ctx context.Context) error {
	bin := b.Binary
	if bin == "" {
		var err error
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
	srv, err := startTarget(ctx, bin, dir, password, &tail{}, "--log-format", "json")
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(b.Stdout, "rampart bench pages: %s serving at %s (pid %d)\n", bin, srv.base, srv.cmd.Process.Pid)
	r := &pagesRun{Pages: b, srv: srv, c: &taxii.Client{BaseURL: srv.base, User: node.AdminName, Password: password},
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(node.AdminName+":"+password))}
	cs, err := r.c.Collections(ctx, node.DefaultAPIRoot)
	if err != nil {
		return err
	}
	r.coll = cs[0].ID
	if err := r.storeLarge(ctx); err != nil {
		return err
	}
	if err := r.slowReaders(ctx); err != nil {
		return err
	}
	if b.PostObjects == 0 {
		return nil
	}
	return r.cutPosts(ctx)
}

// storeLarge stores the large notes over TAXII, in envelopes of at most
// 32 MiB.
func (r *pagesRun) storeLarge(ctx context.Context) error {
	start := time.Now()
	perPost := max(1, int((32<<20)/r.ObjectSize))
	for i := 0; i < r.Objects; i += perPost {
		env := envelope(i, min(i+perPost, r.Objects), func(j int) []byte { return largeNote(j, int(r.ObjectSize)) })
		st, err := r.c.PostEnvelope(ctx, node.DefaultAPIRoot, r.coll, bytes.NewReader(env))
		if err != nil {
			return fmt.Errorf("store large objects: %w", err)
		}
		if st.FailureCount > 0 {
			return fmt.Errorf("store large objects: %d failed: %s", st.FailureCount, st.Failures[0].Message)
		}
	}
	fmt.Fprintf(r.Stdout, "stored: %d objects of %s in %.1fs\n", r.Objects, progress.FormatBytes(r.ObjectSize), time.Since(start).Seconds())
	return nil
}

// slowReaders opens the readers' connections and reports the node's
// resident memory before and after, once it has stopped growing.
func (r *pagesRun) slowReaders(ctx context.Context) error {
	before, err := r.srv.settle(ctx, 3*time.Second)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/%s/collections/%s/objects/?limit=%d", node.DefaultAPIRoot, r.coll, r.Limit)
	var conns []net.Conn
	defer func() {
		for _, cn := range conns {
			cn.Close()
		}
	}()
	for range r.Readers {
		cn, err := slowReader(r.srv.base, path, r.auth)
		if err != nil {
			return err
		}
		conns = append(conns, cn)
	}
	after, err := r.srv.settle(ctx, 5*time.Second)
	if err != nil {
		return err
	}
	hwm, _ := procStatus(r.srv.cmd.Process.Pid, "VmHWM")
	// The node may give memory back meanwhile (the heap of the objects
	// just stored): growth can be negative.
	growth := progress.FormatBytes(max(after-before, before-after))
	if after < before {
		growth = "-" + growth
	}
	fmt.Fprintf(r.Stdout, "slow readers: %d connections asking for %d objects of %s each, never reading: VmRSS %s before, %s after (growth %s), VmHWM %s\n",
		r.Readers, r.Limit, progress.FormatBytes(r.ObjectSize), progress.FormatBytes(before), progress.FormatBytes(after),
		growth, progress.FormatBytes(hwm))
	return nil
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
