package endpoint

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPaceAllowance(t *testing.T) {
	p := Pace{Idle: 10 * time.Second, MinRate: 1000}
	tests := []struct {
		n      int64
		waited time.Duration
		want   time.Duration
		byRate bool
	}{
		{0, 0, 10 * time.Second, false},
		{0, 4 * time.Second, 6 * time.Second, true},
		{0, 12 * time.Second, 0, true},
		{5000, 4 * time.Second, 10 * time.Second, false}, // earned 11 s
		{5000, 8 * time.Second, 7 * time.Second, true},
	}
	for _, tt := range tests {
		got, byRate := p.allowance(tt.n, tt.waited)
		if got != tt.want || byRate != tt.byRate {
			t.Errorf("allowance(%d, %s) = %s, %v; want %s, %v", tt.n, tt.waited, got, byRate, tt.want, tt.byRate)
		}
	}
	if got, _ := (Pace{Idle: time.Second}).allowance(0, time.Hour); got != time.Second {
		t.Errorf("without MinRate, allowance = %s, want Idle", got)
	}
}

// pacedServer serves h behind d on a real connection (deadlines need one)
// and returns its address.
func pacedServer(t *testing.T, d Deadlines, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(d.Handler(h))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// result waits for what a handler reports, failing the test when it does
// not report: the limit under test did not act.
func result[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing after 10 s", what)
		panic("unreachable")
	}
}

func TestTrickledBodyIsCut(t *testing.T) {
	tests := []struct {
		name   string
		pace   Pace
		send   func(c net.Conn)
		byRate bool
	}{
		{"one byte every 50ms, under MinRate", Pace{Idle: 200 * time.Millisecond, MinRate: 1000}, func(c net.Conn) {
			for range 200 {
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}, true},
		{"ten bytes, then nothing", Pace{Idle: 200 * time.Millisecond}, func(c net.Conn) {
			c.Write([]byte("0123456789"))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errc := make(chan error, 1)
			addr := pacedServer(t, Deadlines{Body: tt.pace}, func(w http.ResponseWriter, r *http.Request) {
				_, err := io.ReadAll(r.Body)
				errc <- err
			})
			c := dial(t, addr)
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
			go tt.send(c)
			err := result(t, errc, "trickled body")
			var pe *PaceError
			if !errors.As(err, &pe) || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read error %v, want a *PaceError", err)
			}
			if pe.ByRate != tt.byRate || pe.What != "request body" {
				t.Errorf("%+v: want ByRate %v", pe, tt.byRate)
			}
		})
	}
}

func TestPacedBodyKeepsTheRequestAlive(t *testing.T) {
	// A body read whole at once is not cut, and, once read, the deadline
	// no longer applies: the server's background read of the connection
	// must not end (and cancel the request) while the handler works.
	d := Deadlines{Body: Pace{Idle: 100 * time.Millisecond, MinRate: 1000}}
	type outcome struct {
		n      int
		err    error
		ctxErr error
	}
	out := make(chan outcome, 2)
	addr := pacedServer(t, d, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		r.Body.Read(make([]byte, 1)) // as a decoder may, past the end
		time.Sleep(3 * d.Body.Idle)
		out <- outcome{len(b), err, r.Context().Err()}
		w.Write([]byte("ok"))
	})
	body := strings.Repeat("x", 100<<10)
	for i := range 2 { // the second request reuses the connection
		resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		o := result(t, out, "handler")
		if o.err != nil || o.n != len(body) || o.ctxErr != nil {
			t.Errorf("request %d: read %d bytes, error %v, context %v; want the whole body and a live request", i, o.n, o.err, o.ctxErr)
		}
	}
}

func TestSlowReaderIsCut(t *testing.T) {
	errc := make(chan error, 1)
	addr := pacedServer(t, Deadlines{Answer: Pace{Idle: 200 * time.Millisecond, MinRate: 1 << 20}}, func(w http.ResponseWriter, r *http.Request) {
		page := make([]byte, 1<<20)
		for range 256 { // far more than socket buffers hold
			if _, err := w.Write(page); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	})
	c := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// Never read.
	err := result(t, errc, "answer to a client that never reads")
	var pe *PaceError
	if !errors.As(err, &pe) || pe.What != "answer" {
		t.Fatalf("write error %v, want a *PaceError for the answer", err)
	}
}

func TestFastReaderIsNotCut(t *testing.T) {
	errc := make(chan error, 1)
	const size = 16 << 20
	addr := pacedServer(t, Deadlines{Answer: Pace{Idle: 2 * time.Second, MinRate: 1 << 10}}, func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write(make([]byte, size)) // one write, paced in pieces
		errc <- err
	})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v", n, err)
	}
	if err := result(t, errc, "handler"); err != nil {
		t.Errorf("write: %v", err)
	}
}

func TestCloseIfUnread(t *testing.T) {
	d := Deadlines{Body: Pace{Idle: time.Minute}}
	refuse := func(w http.ResponseWriter, r *http.Request) {
		CloseIfUnread(w, r)
		w.WriteHeader(http.StatusUnauthorized)
	}
	tests := []struct {
		name, head string
		body       string
	}{
		{"70 MiB declared, none sent", "Content-Length: 73400320", ""},
		{"chunked, trickled", "Transfer-Encoding: chunked", "1\r\nx\r\n"},
		{"small body, sent whole", "Content-Length: 5", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, pacedServer(t, d, refuse))
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n%s", tt.head, tt.body)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 401 || !resp.Close {
				t.Errorf("status %d, close %v; want 401 closing the connection", resp.StatusCode, resp.Close)
			}
			io.Copy(io.Discard, resp.Body)
			// The server ends the connection without waiting for the
			// body (the test's deadline, 10 s, is far beyond the
			// DrainTimeout it may wait).
			if _, err := br.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("after the answer: %v, want the connection closed", err)
			}
		})
	}

	// A body read to its end keeps the connection.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	CloseIfUnread(w, r)
	if w.Header().Get("Connection") != "" {
		t.Error("a request without a body closes its connection")
	}
}

func TestClientGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	live := httptest.NewRequest("GET", "/", nil)
	gone := live.WithContext(ctx)
	tests := []struct {
		r    *http.Request
		err  error
		want bool
	}{
		{live, nil, false},
		{live, errors.New("disk full"), false},
		{gone, errors.New("sqlite3: interrupted"), true},
		{live, fmt.Errorf("store: %w", context.Canceled), true},
		{live, fmt.Errorf("write: %w", syscall.EPIPE), true},
		{live, fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{live, &PaceError{What: "answer"}, true},
	}
	for i, tt := range tests {
		if got := ClientGone(tt.r, tt.err); got != tt.want {
			t.Errorf("%d: ClientGone(%v) = %v, want %v", i, tt.err, got, tt.want)
		}
	}
}
