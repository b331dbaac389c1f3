package bench

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/taxii"
)

// cutStatusRE finds the line the node logs for a POST that stopped before
// the end of its envelope: its level and the status it recorded.
var cutStatusRE = regexp.MustCompile(`"level":"(\w+)","msg":"POST stopped before the end of its envelope".*"status":"([0-9a-f-]{36})"`)

// cutPosts POSTs envelopes of PostObjects indicators and closes the
// connection, once after sending half of one, once right after sending
// all of one, and reports the status the node recorded and how it logged
// the POST.
func (r *pagesRun) cutPosts(ctx context.Context) error {
	for _, cut := range []struct {
		name string
		half bool
	}{{"half sent", true}, {"all sent, then closed", false}} {
		if err := r.cutPost(ctx, cut.name, cut.half); err != nil {
			return err
		}
	}
	return nil
}

// cutPost sends one envelope, or half of it, closes the connection and
// prints what the node made of it.
func (r *pagesRun) cutPost(ctx context.Context, name string, half bool) error {
	n := r.PostObjects
	run := fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff)
	env := envelope(0, n, func(i int) []byte { return indicator(run, i) })
	body := env
	if half {
		body = body[:len(body)/2]
	}
	had, err := countType(ctx, r.c, r.coll, "indicator")
	if err != nil {
		return err
	}
	logStart := r.srv.log.count()
	host := strings.TrimPrefix(r.srv.base, "http://")
	cn, err := net.Dial("tcp", host)
	if err != nil {
		return err
	}
	fmt.Fprintf(cn, "POST /%s/collections/%s/objects/ HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		node.DefaultAPIRoot, r.coll, host, r.auth, taxii.MediaTypeTAXII, len(env))
	cn.Write(body)
	cn.Close()

	mm, errs := r.srv.waitCutStatus(logStart)
	has, err := countType(ctx, r.c, r.coll, "indicator")
	if err != nil {
		return err
	}
	logged := fmt.Sprintf("%d stored; %d ERROR lines in the log", has-had, len(errs))
	if len(errs) > 0 {
		logged += ", first: " + errs[0]
	}
	if mm == nil {
		fmt.Fprintf(r.Stdout, "cut POST of %d objects, %s: no status recorded; %s\n", n, name, logged)
		return nil
	}
	st, err := r.c.Status(ctx, node.DefaultAPIRoot, mm[2])
	if err != nil {
		return err
	}
	why := ""
	if len(st.Failures) > 0 {
		why = st.Failures[0].Message
	}
	fmt.Fprintf(r.Stdout, "cut POST of %d objects, %s: status %s: %d stored, %d not (%q); logged at %s; %s\n",
		n, name, mm[2], st.SuccessCount, st.FailureCount, why, mm[1], logged)
	return nil
}

// waitCutStatus waits up to 20 s for the log line of a POST that stopped
// early, in the log written since logStart, and returns its submatches of
// cutStatusRE (nil when the node recorded no status: then there was
// nothing to wait for but time) and the ERROR lines logged meanwhile.
func (p *target) waitCutStatus(logStart int) (mm, errs []string) {
	for deadline := time.Now().Add(20 * time.Second); mm == nil && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		mm = cutStatusRE.FindStringSubmatch(strings.Join(p.log.since(logStart), "\n"))
	}
	for _, line := range p.log.since(logStart) {
		if strings.Contains(line, `"level":"ERROR"`) {
			errs = append(errs, strings.TrimSpace(line))
		}
	}
	return mm, errs
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
