package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// slowReaders: clients that ask for a page of large objects and
// never read it.
func (a *attacker) slowReaders(ctx context.Context) error {
	t, err := a.startTarget(ctx, "--max-page-size", strconv.Itoa(max(a.Objects, 1000)))
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	path, err := t.objectsPath(ctx)
	if err != nil {
		return err
	}
	if err := a.fillLarge(ctx, t, path); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	base, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "stored %d objects of %d bytes; serve process VmRSS %s\n", a.Objects, a.ObjectSize, mib(base))

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	auth := "Basic " + basicAuth("admin", t.password)
	for range a.Clients {
		c, err := net.Dial("tcp", t.addr)
		if err != nil {
			return err
		}
		c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET %s?limit=%d HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nAccept: application/taxii+json;version=2.1\r\n\r\n", path, a.Objects, t.addr, auth)
		conns = append(conns, c)
	}
	w, err := a.watch(ctx, t, conns)
	if err != nil {
		return err
	}
	a.reportSlowReaders(ctx, t, base, w)
	return nil
}

// fillLarge fills the collection at path with Objects indicators of
// ObjectSize bytes, in envelopes well under max_content_length.
func (a *attacker) fillLarge(ctx context.Context, t *target, path string) error {
	size := int(a.ObjectSize)
	perPost := max(1, (48<<20)/size)
	for i := 0; i < a.Objects; i += perPost {
		body := envelope(i, min(a.Objects, i+perPost), func(j int) []byte { return largeIndicator(j, size) })
		if err := t.request(ctx, "POST", path, "application/taxii+json;version=2.1", bytes.NewReader(body), nil); err != nil {
			return fmt.Errorf("fill: %v", err)
		}
	}
	return nil
}

// watched is what the target did while the slow readers held on.
type watched struct {
	peak, peakHeap    int64         // peak VmRSS and Go heap in use
	peakAt, heldUntil time.Duration // since the readers asked
}

// watch samples the target's memory and the connections it holds every
// 250 ms for Hold, printing a line every 10 s.
func (a *attacker) watch(ctx context.Context, t *target, conns []net.Conn) (watched, error) {
	var w watched
	start := time.Now()
	next := time.Duration(0)
	for time.Since(start) < a.Hold {
		time.Sleep(250 * time.Millisecond)
		r, err := t.rss()
		if err != nil {
			return w, err
		}
		if r > w.peak+1<<20 || w.peak == 0 {
			w.peakAt = time.Since(start)
		}
		w.peak = max(w.peak, r)
		held := t.held(conns)
		if held > 0 {
			w.heldUntil = time.Since(start)
		}
		if since := time.Since(start); since >= next {
			heap := t.heapInUse(ctx)
			w.peakHeap = max(w.peakHeap, heap)
			fmt.Fprintf(a.Stdout, "  %3.0fs: VmRSS %s, Go heap in use %s, %d connections held\n", since.Seconds(), mib(r), mib(heap), held)
			next += 10 * time.Second
		}
	}
	return w, nil
}

// reportSlowReaders prints how much memory the node took and how long it
// held the connections.
func (a *attacker) reportSlowReaders(ctx context.Context, t *target, base int64, w watched) {
	end, _ := t.rss()
	fmt.Fprintf(a.Stdout, "%d clients asked for %d objects each and never read, for %s\n", a.Clients, a.Objects, a.Hold)
	fmt.Fprintf(a.Stdout, "peak VmRSS %s (%s over the %s before), reached %s after they asked; peak Go heap in use (sampled every 10 s) %s\n", mib(w.peak), signedMiB(w.peak-base), mib(base), w.peakAt.Round(time.Second), mib(w.peakHeap))
	if w.heldUntil < a.Hold-time.Second {
		fmt.Fprintf(a.Stdout, "the node closed their connections %s after they asked\n", w.heldUntil.Round(time.Second))
	} else {
		fmt.Fprintf(a.Stdout, "the node still held their connections after %s\n", a.Hold)
	}
	fmt.Fprintf(a.Stdout, "VmRSS at the end: %s (%s), Go heap in use %s; the Go runtime returns freed memory to the system gradually\n", mib(end), signedMiB(end-base), mib(t.heapInUse(ctx)))
}
