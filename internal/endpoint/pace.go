package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// Pace bounds how slowly the other end of an HTTP exchange may send a
// request body or take an answer, so that a client that trickles bytes,
// or stops reading, holds a connection, a goroutine and the memory of its
// request for a bounded time only.
//
// Each read of a body and each write of an answer gets a deadline: Idle
// from when it starts, and never later than what the transfer has earned,
// Idle plus one second for every MinRate bytes moved so far. Only the time
// spent waiting for the client counts, not the time a handler spends
// between reads or writes. A client that sends one byte every Idle/2 is
// thus cut after about Idle; one that keeps up MinRate bytes a second, and
// never pauses for Idle, is never cut.
type Pace struct {
	// Idle is the longest wait for the client to send or take the next
	// bytes; zero leaves the transfer unbounded.
	Idle time.Duration
	// MinRate is the slowest average the client may keep, in bytes per
	// second, once the first Idle is spent; zero: only Idle applies.
	MinRate int64
}

// allowance returns how much longer a transfer that moved n bytes and has
// waited waited so far may wait for its next bytes, and whether MinRate
// rather than Idle decides it.
func (p Pace) allowance(n int64, waited time.Duration) (a time.Duration, byRate bool) {
	a = p.Idle
	if p.MinRate > 0 {
		earned := p.Idle + time.Duration(float64(n)/float64(p.MinRate)*float64(time.Second)) - waited
		if earned < a {
			a, byRate = max(earned, 0), true
		}
	}
	return a, byRate
}

// PaceError reports a transfer cut because the client was too slow. It
// wraps os.ErrDeadlineExceeded.
type PaceError struct {
	// What is "request body" or "answer".
	What   string
	Pace   Pace
	Bytes  int64         // moved before the cut
	Waited time.Duration // spent waiting for the client
	// ByRate is set when MinRate cut the transfer, rather than Idle.
	ByRate bool
}

func (e *PaceError) Error() string {
	if e.ByRate {
		return fmt.Sprintf("%s: the client moved %d bytes in %s, slower than the %d bytes/s a node waits for (after the first %s)",
			e.What, e.Bytes, e.Waited.Round(time.Millisecond), e.Pace.MinRate, e.Pace.Idle)
	}
	return fmt.Sprintf("%s: the client moved nothing for %s (after %d bytes)", e.What, e.Pace.Idle, e.Bytes)
}

func (e *PaceError) Unwrap() error { return os.ErrDeadlineExceeded }

// DrainTimeout is how long a connection whose request was refused before
// its body was read stays open after the answer (see CloseIfUnread): time
// for the client to read the answer, not to send the body.
const DrainTimeout = time.Second

// Deadlines paces every request of a handler: Body what clients send,
// Answer what they read. Each deadline is set on the connection through
// http.ResponseController, so a server without deadlines (a test recorder)
// is served unpaced.
type Deadlines struct {
	Body, Answer Pace
}

// Handler returns h with the request bodies and answers paced.
func (d Deadlines) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		st := &bodyState{}
		if d.Body.Idle > 0 && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			// A deadline from the start bounds the body even when no
			// handler reads it: net/http drains up to 256 KiB of an
			// unread body after the answer.
			if rc.SetReadDeadline(time.Now().Add(d.Body.Idle)) == nil {
				r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, st))
				r.Body = &pacedBody{r: r.Body, rc: rc, pace: d.Body, st: st}
			}
		} else {
			st.eof = true
		}
		if d.Answer.Idle > 0 {
			w = &pacedWriter{ResponseWriter: w, rc: rc, pace: d.Answer}
		}
		h.ServeHTTP(w, r)
	})
}

type bodyKey struct{}

// bodyState is what Deadlines knows of a request body: whether it was
// read to its end.
type bodyState struct {
	mu  sync.Mutex
	eof bool
}

func (s *bodyState) done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eof
}

// pacedBody sets the read deadline before each read.
type pacedBody struct {
	r      io.ReadCloser
	rc     *http.ResponseController
	pace   Pace
	st     *bodyState
	n      int64
	waited time.Duration
	err    error
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.st.done() {
		// Past the end, the server reads the connection in the
		// background to notice a client that goes away; a deadline
		// would end that read and cancel the request.
		return b.r.Read(p)
	}
	start := time.Now()
	a, byRate := b.pace.allowance(b.n, b.waited)
	b.rc.SetReadDeadline(start.Add(a))
	k, err := b.r.Read(p)
	b.n += int64(k)
	b.waited += time.Since(start)
	switch {
	case err == io.EOF:
		b.rc.SetReadDeadline(time.Time{})
		b.st.mu.Lock()
		b.st.eof = true
		b.st.mu.Unlock()
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = &PaceError{What: "request body", Pace: b.pace, Bytes: b.n, Waited: b.waited, ByRate: byRate}
		b.err = err
	}
	return k, err
}

func (b *pacedBody) Close() error { return b.r.Close() }

// maxPacedWrite is the most bytes written under one deadline, so that a
// large answer written at once is paced as it goes.
const maxPacedWrite = 64 << 10

// pacedWriter sets the write deadline before each write.
type pacedWriter struct {
	http.ResponseWriter
	rc     *http.ResponseController
	pace   Pace
	n      int64
	waited time.Duration
	err    error
}

func (w *pacedWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if w.err != nil {
			return written, w.err
		}
		chunk := p[:min(len(p), maxPacedWrite)]
		start := time.Now()
		a, byRate := w.pace.allowance(w.n, w.waited)
		if err := w.rc.SetWriteDeadline(start.Add(a)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			w.err = err
			continue
		}
		k, err := w.ResponseWriter.Write(chunk)
		w.n += int64(k)
		w.waited += time.Since(start)
		written += k
		p = p[k:]
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = &PaceError{What: "answer", Pace: w.pace, Bytes: w.n, Waited: w.waited, ByRate: byRate}
			}
			w.err = err
		}
	}
	return written, w.err
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// CloseIfUnread, called before an error answer is written, makes the
// answer end the connection when the request's body has not been read to
// its end: the client gets the answer at once, and the body is neither
// read nor waited for (net/http reads at most 256 KiB of it, for at most
// DrainTimeout, so that the client is not reset before it reads the
// answer). A refused request, such as one without credentials or too
// large by its Content-Length, thus costs no more than its headers.
func CloseIfUnread(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return
	}
	st, paced := r.Context().Value(bodyKey{}).(*bodyState)
	if paced && st.done() {
		return
	}
	w.Header().Set("Connection", "close")
	if paced {
		// Without Deadlines, whether the body was read is not known, and
		// a deadline could end the server's background read of a
		// connection whose body was: leave it.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(DrainTimeout))
	}
}
