package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// The fetcher's limits, when its fields leave them 0.
const (
	// DefaultMaxBodyBytes is the largest body read from a feed, as sent.
	DefaultMaxBodyBytes = 128 << 20
	// DefaultMaxDecompressedBytes is the largest body a gzip-compressed
	// answer may expand to.
	DefaultMaxDecompressedBytes = 256 << 20
	// DefaultMaxRedirects is how many redirects one fetch follows.
	DefaultMaxRedirects = 5
	// DefaultTimeout bounds a whole fetch, body included.
	DefaultTimeout = 2 * time.Minute
)

// Errors of a fetch stopped by a limit; a FetchError wraps them.
var (
	ErrBodyTooLarge         = errors.New("body exceeds MaxBodyBytes")
	ErrDecompressedTooLarge = errors.New("decompressed body exceeds MaxDecompressedBytes")
	ErrTooManyRedirects     = errors.New("more redirects than MaxRedirects")
	ErrRedirectLoop         = errors.New("redirect loop")
	ErrTimeout              = errors.New("no complete answer within Timeout")
)

// FetchError is a fetch that failed: the URL (without its query, which
// may hold a key) and why.
type FetchError struct {
	URL string
	Err error
}

func (e *FetchError) Error() string { return fmt.Sprintf("fetch %s: %v", e.URL, e.Err) }
func (e *FetchError) Unwrap() error { return e.Err }

// Request is one fetch: the URL, the credentials and the validators of the
// last answer, for a conditional request.
type Request struct {
	URL          string
	Token        string
	Headers      map[string]string
	ETag         string
	LastModified string
	// MaxBodyBytes overrides the fetcher's limit when positive.
	MaxBodyBytes int64
}

// Response is a fetched body, or NotModified.
type Response struct {
	// NotModified: the server answered 304 to a conditional request; Body
	// is empty and the validators are the request's.
	NotModified        bool
	Body               []byte
	ETag, LastModified string
	// Bytes is how many bytes came over the wire (compressed).
	Bytes int64
}

// Fetcher gets feed bodies over HTTP within named limits. Set its fields
// before the first Fetch; it is safe for concurrent use then.
type Fetcher struct {
	// Transport makes the requests (http.DefaultTransport when nil).
	Transport            http.RoundTripper
	MaxBodyBytes         int64
	MaxDecompressedBytes int64
	MaxRedirects         int
	Timeout              time.Duration
	UserAgent            string
}

func (f *Fetcher) limits() (body, unzipped int64, redirects int, timeout time.Duration) {
	body, unzipped, redirects, timeout = f.MaxBodyBytes, f.MaxDecompressedBytes, f.MaxRedirects, f.Timeout
	if body <= 0 {
		body = DefaultMaxBodyBytes
	}
	if unzipped <= 0 {
		unzipped = DefaultMaxDecompressedBytes
	}
	if redirects <= 0 {
		redirects = DefaultMaxRedirects
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return
}

// Fetch GETs r.URL. It follows at most MaxRedirects redirects (never in a
// loop, never to a scheme other than http and https, and without the
// feed's headers and token to another host), sends If-None-Match and
// If-Modified-Since when r holds validators, and reads at most
// MaxBodyBytes (MaxDecompressedBytes once gunzipped). Errors are
// *FetchError: a limit (ErrBodyTooLarge ...), the network, or an answer
// other than 200 and 304.
func (f *Fetcher) Fetch(ctx context.Context, r Request) (*Response, error) {
	maxBody, maxUnzipped, maxRedirects, timeout := f.limits()
	if r.MaxBodyBytes > 0 {
		maxBody = r.MaxBodyBytes
		maxUnzipped = max(maxUnzipped, maxBody)
	}
	shown := redact(r.URL)
	fail := func(err error) (*Response, error) { return nil, &FetchError{URL: shown, Err: err} }
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fail(fmt.Errorf("not an http or https URL"))
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return fail(err)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	// Asked for explicitly, so that the transport does not gunzip
	// behind the decompressed-size limit.
	req.Header.Set("Accept-Encoding", "gzip")
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	client := &http.Client{
		Transport: f.Transport,
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w (%d)", ErrTooManyRedirects, maxRedirects)
			}
			if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %q: not http or https", next.URL.Scheme)
			}
			for _, v := range via {
				if v.URL.String() == next.URL.String() {
					return fmt.Errorf("%w: %s is visited twice", ErrRedirectLoop, redact(next.URL.String()))
				}
			}
			if err := checkRedirectTarget(next.Context(), u, next.URL); err != nil {
				return err
			}
			if next.URL.Host != u.Host {
				// The feed's secrets go to the feed's host only.
				for k := range r.Headers {
					next.Header.Del(k)
				}
				next.Header.Del("Authorization")
			}
			return nil
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrTimeout) {
			return fail(fmt.Errorf("%w (%s)", ErrTimeout, timeout))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return &Response{NotModified: true, ETag: r.ETag, LastModified: r.LastModified}, nil
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return fail(fmt.Errorf("server answered %s", resp.Status))
	}
	if resp.ContentLength > maxBody {
		return fail(fmt.Errorf("%w (%d bytes): the server announces %d", ErrBodyTooLarge, maxBody, resp.ContentLength))
	}
	wire := &limitReader{r: resp.Body, n: maxBody, err: fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, maxBody)}
	br := bufio.NewReader(wire)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail(fmt.Errorf("gzip: %v", err))
		}
		in = &limitReader{r: zr, n: maxUnzipped, err: fmt.Errorf("%w (%d bytes)", ErrDecompressedTooLarge, maxUnzipped)}
	}
	body, err := io.ReadAll(in)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrTimeout) {
			return fail(fmt.Errorf("%w (%s)", ErrTimeout, timeout))
		}
		return fail(err)
	}
	return &Response{Body: body, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Bytes: maxBody - wire.n}, nil
}

// ErrRedirectInward is a redirect from a feed on the Internet to an
// address inside the node's networks, or to a link-local address (a cloud
// metadata service) from anywhere: a feed must not make the node fetch,
// and store as indicators, what only the node can reach.
var ErrRedirectInward = errors.New("redirect to an internal address refused")

// reach is how far an address is from the node.
type reach int

const (
	reachPublic    reach = iota
	reachPrivate         // RFC 1918, unique local, loopback, unspecified
	reachLinkLocal       // 169.254/16, fe80::/10: metadata services
)

func reachOf(a netip.Addr) reach {
	a = a.Unmap()
	switch {
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return reachLinkLocal
	case a.IsLoopback() || a.IsPrivate() || a.IsUnspecified():
		return reachPrivate
	}
	return reachPublic
}

// reachOfHost returns the nearest reach of a host's addresses (a name is
// looked up); public when it cannot be resolved, as the request then
// fails anyway.
func reachOfHost(ctx context.Context, host string) reach {
	if a, err := netip.ParseAddr(host); err == nil {
		return reachOf(a)
	}
	if strings.EqualFold(host, "localhost") {
		return reachPrivate
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return reachPublic
	}
	r := reachPublic
	for _, a := range addrs {
		r = max(r, reachOf(a))
	}
	return r
}

// checkRedirectTarget refuses a redirect to a link-local address, and one
// from a public host to a private one. (A name that resolves differently
// when dialled escapes this check; it guards against the plain case.)
func checkRedirectTarget(ctx context.Context, from, to *url.URL) error {
	r := reachOfHost(ctx, to.Hostname())
	if r == reachLinkLocal || r == reachPrivate && reachOfHost(ctx, from.Hostname()) == reachPublic {
		return fmt.Errorf("%w: %s", ErrRedirectInward, to.Hostname())
	}
	return nil
}

// CheckRedirect is the redirect policy of a feed's other HTTP clients
// (the TAXII client's): at most DefaultMaxRedirects, no loop, http and
// https only, never inward (ErrRedirectInward). Go drops the
// Authorization header itself on a redirect to another host.
func CheckRedirect(next *http.Request, via []*http.Request) error {
	if len(via) > DefaultMaxRedirects {
		return fmt.Errorf("%w (%d)", ErrTooManyRedirects, DefaultMaxRedirects)
	}
	if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %q: not http or https", next.URL.Scheme)
	}
	for _, v := range via {
		if v.URL.String() == next.URL.String() {
			return fmt.Errorf("%w: %s is visited twice", ErrRedirectLoop, redact(next.URL.String()))
		}
	}
	return checkRedirectTarget(next.Context(), via[0].URL, next.URL)
}

// limitReader reads at most n bytes and fails with err past them.
type limitReader struct {
	r   io.Reader
	n   int64
	err error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One byte more tells a body of exactly n bytes from a longer one.
		var b [1]byte
		k, err := l.r.Read(b[:])
		if k > 0 {
			return 0, l.err
		}
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// redact returns a URL fit for logs and run records: without user
// information and query, which may hold keys.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(malformed URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return strings.Replace(u.String(), "?%E2%80%A6", "?…", 1)
}

// Redact returns a feed URL fit to be shown: without user information and
// query string, which may hold keys.
func Redact(s string) string { return redact(s) }

// Files returns what reads the files under the URL base (a MISP feed's
// manifest.json and event files), each fetched as Fetch does with the
// token, headers and body limit of r; counted, when set, is told the bytes
// of each.
func (f *Fetcher) Files(base string, r Request, counted func(bytes int64)) func(ctx context.Context, name string) (io.ReadCloser, error) {
	base = strings.TrimSuffix(base, "/") + "/"
	return func(ctx context.Context, name string) (io.ReadCloser, error) {
		req := r
		req.URL = base + name
		resp, err := f.Fetch(ctx, req)
		if err != nil {
			return nil, err
		}
		if counted != nil {
			counted(resp.Bytes)
		}
		return io.NopCloser(bytes.NewReader(resp.Body)), nil
	}
}
