package node

import (
	"bufio"
	"context"
	json "encoding/json/v2"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const servePassword = "a-long-test-password"

// lines is an io.Writer that keeps what is written to it.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

var servingRE = regexp.MustCompile(`serving TAXII 2.1 at http://([^/\s]+)/taxii2/`)

// serveNode opens a fresh node and serves it on loopback with sc until
// the test ends; it returns the address and the path of the default
// collection's objects.
func serveNode(t *testing.T, sc ServeConfig) (addr, objects string) {
	t.Helper()
	notices := &lines{}
	n, err := Open(context.Background(), Config{DataDir: t.TempDir(), Create: true, AdminPassword: servePassword, Notices: notices})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sc.Listen = "127.0.0.1:0"
	go func() { done <- n.Serve(ctx, sc) }()
	t.Cleanup(func() {
		cancel()
		<-done
		n.Close()
	})
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, DefaultCollection)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if m := servingRE.FindStringSubmatch(notices.String()); m != nil {
			return m[1], "/" + DefaultAPIRoot + "/collections/" + coll.ID + "/objects/"
		}
		select {
		case err := <-done:
			t.Fatalf("serve: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("the node did not say where it serves:\n%s", notices)
	return "", ""
}

// exchange sends head (a request without its body), then feeds the body
// with send in the background, and returns the answer and whether the
// server closed the connection after it.
func exchange(t *testing.T, addr, head string, send func(net.Conn)) (*http.Response, string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, strings.ReplaceAll(head, "\n", "\r\n")+"\r\n")
	if send != nil {
		go send(c)
	}
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_, err = br.ReadByte()
	return resp, string(body), err == io.EOF
}

func trickle(c net.Conn) {
	for range 1000 {
		if _, err := c.Write([]byte(" ")); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeCutsSlowBodies(t *testing.T) {
	addr, objects := serveNode(t, ServeConfig{Timeouts: Timeouts{Body: 200 * time.Millisecond, MinTransferRate: 1 << 10}})
	auth := "Authorization: Basic " + basic(AdminName, servePassword)
	tests := []struct {
		name, head string
		status     int
	}{
		{"JSON API", "POST /api/v1/incidents HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/json\nContent-Length: 100000\n", http.StatusRequestTimeout},
		{"TAXII", "POST " + objects + " HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/taxii+json;version=2.1\nAccept: application/taxii+json;version=2.1\nContent-Length: 100000\n", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, closed := exchange(t, addr, tt.head, trickle)
			if resp.StatusCode != tt.status || !strings.Contains(body, "slower than") || !closed {
				t.Errorf("%d %s (connection closed: %v); want %d naming the rate, and the connection closed", resp.StatusCode, body, closed, tt.status)
			}
		})
	}
}

func TestServeRefusesFromHeaders(t *testing.T) {
	addr, objects := serveNode(t, ServeConfig{})
	auth := "Authorization: Basic " + basic(AdminName, servePassword)
	tests := []struct {
		name, head string
		send       func(net.Conn)
		status     int
		words      string
	}{
		{"TAXII, 70 MiB declared", "POST " + objects + " HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/taxii+json;version=2.1\nAccept: application/taxii+json;version=2.1\nContent-Length: 73400320\n", nil, 413, "max_content_length"},
		{"JSON API, 70 MiB declared", "POST /api/v1/incidents HTTP/1.1\nHost: x\n" + auth + "\nContent-Type: application/json\nContent-Length: 73400320\n", nil, 413, "exceeds"},
		{"TAXII, no credentials, 70 MiB declared", "POST " + objects + " HTTP/1.1\nHost: x\nAccept: application/taxii+json;version=2.1\nContent-Length: 73400320\n", nil, 401, "authentication required"},
		{"TAXII, no credentials, 100 bytes declared, none sent", "POST " + objects + " HTTP/1.1\nHost: x\nAccept: application/taxii+json;version=2.1\nContent-Length: 100\n", nil, 401, "authentication required"},
		{"JSON API, no credentials, chunked trickle", "POST /api/v1/incidents HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n", func(c net.Conn) {
			for range 1000 {
				if _, err := io.WriteString(c, "1\r\nx\r\n"); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}, 401, "authentication required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, closed := exchange(t, addr, tt.head, tt.send)
			if resp.StatusCode != tt.status || !closed || !strings.Contains(body, tt.words) {
				t.Errorf("%d %s (connection closed: %v); want %d with %q and the connection closed", resp.StatusCode, body, closed, tt.status, tt.words)
			}
		})
	}
}

func TestServeDiscoveryFromConfiguration(t *testing.T) {
	get := func(addr string) map[string]any {
		req, _ := http.NewRequest("GET", "http://"+addr+"/taxii2/", nil)
		req.SetBasicAuth(AdminName, servePassword)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		req.Host = "attacker.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d map[string]any
		if err := json.UnmarshalRead(resp.Body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	addr, _ := serveNode(t, ServeConfig{})
	if d := get(addr); d["default"] != "http://"+addr+"/cti/" {
		t.Errorf("default API root %v, want it at the listening address", d["default"])
	}
	addr, _ = serveNode(t, ServeConfig{PublicURL: "https://cti.example.eu:8443/rampart/"})
	if d := get(addr); d["default"] != "https://cti.example.eu:8443/rampart/cti/" {
		t.Errorf("default API root %v, want it under --public-url", d["default"])
	}
}

func TestParsePublicURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"https://cti.example.eu/", "https://cti.example.eu", ""},
		{"https://cti.example.eu:8443/rampart", "https://cti.example.eu:8443/rampart", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"ftp://cti.example.eu", "", "scheme must be https"},
		{"https:///x", "", "has no host"},
		{"cti.example.eu", "", "scheme must be https"},
		{"https://cti.example.eu/?a=b", "", "no query"},
		{"https://u:p@cti.example.eu", "", "only scheme, host"},
	}
	for _, tt := range tests {
		got, err := ParsePublicURL(tt.in)
		if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func basic(user, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}
