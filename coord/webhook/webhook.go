package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Webhook events.
const (
	EventAlertRaised  = "alert.raised"  // the first version of an alert
	EventAlertUpdated = "alert.updated" // a later version
)

// Headers of a webhook delivery.
const (
	HeaderEvent     = "X-Rampart-Event"
	HeaderDelivery  = "X-Rampart-Delivery"
	HeaderTimestamp = "X-Rampart-Timestamp"
	HeaderSignature = "X-Rampart-Signature"
)

// Defaults of a Notifier.
const (
	DefaultAttempts = 5
	DefaultBackoff  = time.Second
	DefaultTimeout  = 10 * time.Second
	// MaxQueue is the most deliveries waiting per webhook; beyond it the
	// oldest are dropped (and logged), so that a dead receiver cannot
	// exhaust memory.
	MaxQueue = 10000
	// MinSecret is the shortest secret accepted, in bytes.
	MinSecret = 16
)

// Hook is a receiver of alerts: an HTTP(S) URL and the secret that
// authenticates each delivery.
type Hook struct {
	URL string `json:"url"`
	// Secret keys the HMAC-SHA256 in HeaderSignature. Receivers check it
	// with Verify.
	Secret string `json:"secret"`
}

// Validate checks the URL (https, or http to a loopback address only, as
// alerts are not for the network to read) and the secret's length. The
// error never contains the secret.
func (h Hook) Validate() error {
	u, err := url.Parse(h.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("webhook %q: the URL must be https://host/... (or http:// to a loopback address)", RedactURL(h.URL))
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Errorf("webhook %q: plain http is allowed to loopback addresses only; alerts must not cross a network in clear", RedactURL(h.URL))
	}
	if len(h.Secret) < MinSecret {
		return fmt.Errorf("webhook %q: the secret must be at least %d bytes", RedactURL(h.URL), MinSecret)
	}
	return nil
}

// ID names the webhook without its URL, which may itself be a credential
// (RedactURL): the first 12 hex digits of the URL's SHA-256. Pages list
// webhooks and remove them by ID.
func (h Hook) ID() string {
	sum := sha256.Sum256([]byte(h.URL))
	return hex.EncodeToString(sum[:6])
}

// RedactURL returns a webhook URL as logs and errors show it: its scheme
// and host, without user information, path or query. Many receivers
// (chat and incident tools) put a secret token in the URL itself, so the
// whole URL is a credential; the host is enough to say which webhook.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unreadable URL)"
	}
	out := u.Scheme + "://" + u.Host
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		out += "/…"
	}
	return out
}

// refuseRedirect keeps a webhook delivery at the URL it was configured
// with: following a redirect would post the signed alert wherever the
// receiver (or whoever controls it) points, in plain http or to an
// internal address, past the checks Validate made.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Notifier pushes alerts to webhooks: an HTTP POST of
//
//	{"event": "alert.raised", "alert": {…the x-rampart-alert object…}}
//
// with HeaderEvent, HeaderDelivery (a unique id, the same on every retry),
// HeaderTimestamp (Unix seconds) and HeaderSignature
// "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). A delivery is
// retried with exponential backoff on network errors, 5xx, 408 and 429
// responses, up to Attempts times; other 4xx responses are final, and so
// are redirects, which are never followed (Open sets the client's
// CheckRedirect). Logs and errors name a webhook by RedactURL only.
// Deliveries to one webhook are made in order, one at a time.
//
// Set the fields, call Open, then Notify from any goroutine. A Notifier is
// safe for concurrent use once open.
type Notifier struct {
	Hooks []Hook
	// Client makes the requests; nil uses a client with
	// DefaultTimeout.
	Client *http.Client
	// Attempts per delivery (DefaultAttempts when 0), Backoff before
	// the first retry (DefaultBackoff when 0), doubled after each.
	Attempts int
	Backoff  time.Duration
	Now      func() time.Time
	Logger   *slog.Logger

	ctx    context.Context
	wg     sync.WaitGroup
	cancel context.CancelFunc
	mu     sync.Mutex // guards queues and stats
	queues []*hookQueue
	stats  NotifierStats
}

// NotifierStats counts deliveries.
type NotifierStats struct {
	Delivered int
	Failed    int // gave up after the last attempt or a final status
	Dropped   int // queue full
}

type hookQueue struct {
	hook   Hook
	mu     sync.Mutex
	list   []delivery
	wake   chan struct{}
	cancel context.CancelFunc
}

type delivery struct {
	id    string
	event string
	body  []byte
}

// Open validates the webhooks and starts one sender per webhook.
func (n *Notifier) Open(ctx context.Context) error {
	for _, h := range n.Hooks {
		if err := h.Validate(); err != nil {
			return err
		}
	}
	if n.Client == nil {
		n.Client = &http.Client{Timeout: DefaultTimeout}
	}
	c := *n.Client
	c.CheckRedirect = refuseRedirect
	n.Client = &c
	if n.Attempts <= 0 {
		n.Attempts = DefaultAttempts
	}
	if n.Backoff <= 0 {
		n.Backoff = DefaultBackoff
	}
	n.ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setHooks(n.Hooks)
	return nil
}

// SetHooks replaces the webhooks alerts go to, at once: a webhook kept
// keeps its queue, one removed stops (its queued deliveries are dropped),
// one added starts. It returns the validation error of a bad webhook and
// changes nothing then.
func (n *Notifier) SetHooks(hooks []Hook) error {
	for _, h := range hooks {
		if err := h.Validate(); err != nil {
			return err
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setHooks(hooks)
	return nil
}

// setHooks is SetHooks with mu held, after Open.
func (n *Notifier) setHooks(hooks []Hook) {
	n.Hooks = slices.Clone(hooks)
	var keep []*hookQueue
	for _, q := range n.queues {
		if slices.Contains(hooks, q.hook) {
			keep = append(keep, q)
		} else {
			q.cancel()
		}
	}
	for _, h := range hooks {
		if slices.ContainsFunc(keep, func(q *hookQueue) bool { return q.hook == h }) {
			continue
		}
		ctx, cancel := context.WithCancel(n.ctx)
		q := &hookQueue{hook: h, wake: make(chan struct{}, 1), cancel: cancel}
		keep = append(keep, q)
		n.wg.Add(1)
		go n.send(ctx, q)
	}
	n.queues = keep
}

// Close stops the senders; deliveries still queued are dropped.
func (n *Notifier) Close() error {
	if n.cancel != nil {
		n.cancel()
		n.wg.Wait()
		n.cancel = nil
	}
	return nil
}

// Stats returns the delivery counts so far.
func (n *Notifier) Stats() NotifierStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

func (n *Notifier) count(f func(*NotifierStats)) {
	n.mu.Lock()
	f(&n.stats)
	n.mu.Unlock()
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// webhookBody is what a delivery posts.
type webhookBody struct {
	Event string         `json:"event"`
	Alert jsontext.Value `json:"alert"`
}

// Notify queues an alert for every webhook. It never blocks.
func (n *Notifier) Notify(event string, alert *stix.Object) {
	body, err := json.Marshal(webhookBody{event, alert.Raw})
	if err != nil {
		return
	}
	n.mu.Lock()
	queues := n.queues
	n.mu.Unlock()
	for _, q := range queues {
		d := delivery{id: stix.NewUUID(), event: event, body: body}
		q.mu.Lock()
		if len(q.list) >= MaxQueue {
			q.list = q.list[1:]
			n.count(func(s *NotifierStats) { s.Dropped++ })
			n.logger().Warn("webhook queue full: oldest delivery dropped", "url", RedactURL(q.hook.URL))
		}
		q.list = append(q.list, d)
		q.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

func (n *Notifier) send(ctx context.Context, q *hookQueue) {
	defer n.wg.Done()
	for {
		q.mu.Lock()
		var d delivery
		ok := len(q.list) > 0
		if ok {
			d, q.list = q.list[0], q.list[1:]
		}
		q.mu.Unlock()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
				continue
			}
		}
		if err := n.Deliver(ctx, q.hook, d.id, d.event, d.body); err != nil {
			if ctx.Err() != nil {
				return
			}
			n.count(func(s *NotifierStats) { s.Failed++ })
			n.logger().Error("webhook delivery failed", "url", RedactURL(q.hook.URL), "delivery", d.id, "err", err)
			continue
		}
		n.count(func(s *NotifierStats) { s.Delivered++ })
	}
}

// errFinal marks a response that retrying cannot fix.
var errFinal = errors.New("final")

// Deliver posts one delivery to a webhook, with retries, and returns the
// last error when every attempt failed.
func (n *Notifier) Deliver(ctx context.Context, h Hook, id, event string, body []byte) error {
	backoff := n.Backoff
	var err error
	for attempt := 1; attempt <= n.Attempts; attempt++ {
		if err = n.post(ctx, h, id, event, body); err == nil {
			return nil
		}
		if errors.Is(err, errFinal) || attempt == n.Attempts {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff *= 2
	}
	return err
}

func (n *Notifier) post(ctx context.Context, h Hook, id, event string, body []byte) error {
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", errFinal, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rampart-Webhook/1")
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign([]byte(h.Secret), ts, body))
	resp, err := n.Client.Do(req)
	if err != nil {
		// The client's error quotes the whole URL, a credential for many
		// receivers; keep the cause alone.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s %s: %w", ue.Op, RedactURL(h.URL), ue.Err)
		}
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("webhook answered %s", resp.Status)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("%w: webhook answered %s; deliveries do not follow redirects, configure the final URL", errFinal, resp.Status)
	}
	return fmt.Errorf("%w: webhook answered %s", errFinal, resp.Status)
}

// Sign returns the HeaderSignature value for a delivery.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrSignature reports a delivery whose signature or timestamp does
// not check.
var ErrSignature = errors.New("webhook signature does not verify")

// Verify checks a delivery the way a receiver should: the
// signature must be the HMAC of the timestamp and the body under secret
// (compared in constant time), and the timestamp within tolerance of now,
// so that a recorded delivery cannot be replayed later. Receivers should
// also ignore a HeaderDelivery id they have seen.
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrSignature, HeaderTimestamp, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now (tolerance %s)", ErrSignature, d.Round(time.Second), tolerance)
	}
	want := Sign(secret, ts, body)
	for _, got := range strings.Split(header.Get(HeaderSignature), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(got)), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches", ErrSignature)
}
