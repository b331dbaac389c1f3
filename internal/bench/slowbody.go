package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// slowBody: bodies trickled at one byte a second.
func (a *attacker) slowBody(ctx context.Context) error {
	t, err := a.startTarget(ctx)
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
		wg.Go(func() { out[i] = trickle(t.addr, k) })
	}
	wg.Wait()
	for _, s := range out {
		fmt.Fprintln(a.Stdout, s)
	}
	return nil
}

// trickle sends a request of kind k declaring a 1 MiB body and sends the
// body at one byte a second; it returns the line that says when and how
// the node cut it.
func trickle(addr string, k refusal) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	fmt.Fprintf(c, "%sHost: %s\r\nContent-Length: 1048576\r\n\r\n", k.head, addr)
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
		return fmt.Sprintf("%s trickled at 1 byte/s: no answer after %s: %v", k.name, time.Since(start).Round(time.Second), err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return fmt.Sprintf("%s trickled at 1 byte/s: cut after %s with %d: %s", k.name, time.Since(start).Round(100*time.Millisecond), resp.StatusCode, strings.TrimSpace(string(body)))
}
