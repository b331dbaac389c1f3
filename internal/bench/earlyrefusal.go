package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

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
func (a *attacker) earlyRefusal(ctx context.Context) error {
	t, err := a.startTarget(ctx)
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
	fmt.Fprintf(a.Stdout, "each request declares %d bytes (Content-Length) unless chunked; times run from the end of the headers to the status line\n", a.Declared)
	misses := 0
	for _, k := range kinds {
		for mode, how := range sendNames {
			if mode == sendTrickled && k.status == 413 {
				continue // a chunked body's size is not known from its headers
			}
			line, missed, err := a.refuseRepeatedly(t, k, mode)
			if err != nil {
				return fmt.Errorf("%s, body %s: %v", k.name, how, err)
			}
			misses += missed
			fmt.Fprintln(a.Stdout, line)
		}
	}
	if misses > 0 {
		return fmt.Errorf("%d kinds of request not refused within 100 ms of their headers, or whose connection stayed open", misses)
	}
	return nil
}

// refuseRepeatedly sends a request of kind k, its body sent as mode says,
// Repeat times, and returns the line that reports the answers and how
// many of its measures missed (slow, unanswered, connection kept).
func (a *attacker) refuseRepeatedly(t *target, k refusal, mode int) (line string, misses int, err error) {
	var times, closes []time.Duration
	var sentMax int64
	unanswered, kept := 0, 0
	for range a.Repeat {
		r, err := refuseOnce(t.addr, k.head, a.Declared, mode)
		if err != nil {
			return "", 0, err
		}
		switch {
		case r.status == 0:
			unanswered++
			continue
		case r.status != k.status:
			return "", 0, fmt.Errorf("answered %d, want %d", r.status, k.status)
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
		parts = append(parts, fmt.Sprintf("%d of %d not answered within %s", unanswered, a.Repeat, refusalWait))
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
	return fmt.Sprintf("%s, body %s: %s", k.name, sendNames[mode], strings.Join(parts, "; ")), misses, nil
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
		sendBody(c, declared, mode, &sent, stop)
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

// sendBody sends up to declared bytes of body on c as mode says, counting
// them in sent, until the node stops taking them or stop is closed.
func sendBody(c net.Conn, declared int64, mode int, sent *atomic.Int64, stop <-chan struct{}) {
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
}
