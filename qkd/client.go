package qkd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// maxAnswer bounds an answer read from a KME.
const maxAnswer = 1 << 20

// Client speaks ETSI GS QKD 014 to one KME on behalf of one SAE. Build it
// with NewClient; it is safe for concurrent use.
type Client struct {
	// base is the KME's URL up to and including "/api/v1/keys".
	base *url.URL
	http *http.Client
}

// ClientConfig says where the KME is and how the SAE proves itself: a
// TLS client certificate the KME knows (mutual TLS is the interface's
// only authentication), checked against CA.
type ClientConfig struct {
	// KME is the KME's base URL, https://host[:port] (the API lives
	// under /api/v1/keys/).
	KME string
	// CertFile and KeyFile hold the SAE's certificate and key (PEM),
	// CAFile the CA that signed the KME's certificate.
	CertFile, KeyFile, CAFile string
	// Timeout bounds each request (10 s when 0).
	Timeout time.Duration
}

// NewClient loads the SAE's certificate and the KME's CA and returns a
// client of the KME.
func NewClient(cfg ClientConfig) (*Client, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("qkd: SAE certificate: %w", err)
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("qkd: KME CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("qkd: KME CA %s: no PEM certificate in it", cfg.CAFile)
	}
	return NewClientTLS(cfg.KME, &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, cfg.Timeout)
}

// NewClientTLS returns a client of the KME at kme over TLS configured by
// tc, which must hold the SAE's client certificate.
func NewClientTLS(kme string, tc *tls.Config, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(kme)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("qkd: KME URL %q: want https://host[:port]", kme)
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	u = u.JoinPath("api", "v1", "keys")
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 4}
	return &Client{base: u, http: &http.Client{Transport: tr, Timeout: timeout}}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Error is an error answer of a KME: 400 (a request it cannot serve: bad
// format, unknown SAE, a size or number out of its limits), 401 (an SAE
// it does not authorise) or 503 (an error on its side, keys exhausted).
type Error struct {
	Op         string // "status", "enc_keys", "dec_keys"
	StatusCode int
	Message    string
	Details    []map[string]any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("qkd: KME refused %s (HTTP %d)", e.Op, e.StatusCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	for _, d := range e.Details {
		for k, v := range d {
			s += fmt.Sprintf("; %s: %v", k, v)
		}
	}
	return s
}

// Status asks the KME what it can deliver for keys shared with the slave
// SAE (Get status).
func (c *Client) Status(ctx context.Context, slaveSAE string) (*Status, error) {
	var st Status
	if err := c.do(ctx, "status", http.MethodGet, c.base.JoinPath(slaveSAE, "status"), nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// EncKeys asks the KME for new keys to share with the slave SAE (Get key,
// by POST when the request has more than number and size, by GET
// otherwise). Sizes are in bits; 0 leaves them to the KME.
func (c *Client) EncKeys(ctx context.Context, slaveSAE string, req KeyRequest) ([]Key, error) {
	u := c.base.JoinPath(slaveSAE, "enc_keys")
	var kc KeyContainer
	var err error
	if len(req.AdditionalSlaveSAEIDs) == 0 && len(req.ExtensionMandatory) == 0 && len(req.ExtensionOptional) == 0 {
		q := url.Values{}
		if req.Number > 0 {
			q.Set("number", strconv.Itoa(req.Number))
		}
		if req.Size > 0 {
			q.Set("size", strconv.Itoa(req.Size))
		}
		u.RawQuery = q.Encode()
		err = c.do(ctx, "enc_keys", http.MethodGet, u, nil, &kc)
	} else {
		err = c.do(ctx, "enc_keys", http.MethodPost, u, req, &kc)
	}
	if err != nil {
		return nil, err
	}
	keys, err := kc.decode(req.Size)
	if err != nil {
		return nil, fmt.Errorf("qkd: enc_keys answer: %w", err)
	}
	if want := max(req.Number, 1); len(keys) != want {
		Zero(keys)
		return nil, fmt.Errorf("qkd: enc_keys answer: %d keys, asked for %d", len(keys), want)
	}
	return keys, nil
}

// DecKeys asks the KME for the keys of the given ids that the master SAE
// obtained (Get key with key IDs: by GET for one id, by POST for more).
// The keys come in the order of ids.
func (c *Client) DecKeys(ctx context.Context, masterSAE string, ids ...string) ([]Key, error) {
	if len(ids) == 0 {
		return nil, errors.New("qkd: dec_keys: no key_ID")
	}
	u := c.base.JoinPath(masterSAE, "dec_keys")
	var kc KeyContainer
	var err error
	if len(ids) == 1 {
		u.RawQuery = url.Values{"key_ID": {ids[0]}}.Encode()
		err = c.do(ctx, "dec_keys", http.MethodGet, u, nil, &kc)
	} else {
		body := KeyIDs{}
		for _, id := range ids {
			body.KeyIDs = append(body.KeyIDs, KeyID{KeyID: id})
		}
		err = c.do(ctx, "dec_keys", http.MethodPost, u, body, &kc)
	}
	if err != nil {
		return nil, err
	}
	keys, err := kc.decode(0)
	if err != nil {
		return nil, fmt.Errorf("qkd: dec_keys answer: %w", err)
	}
	byID := make(map[string]Key, len(keys))
	for _, k := range keys {
		byID[k.ID] = k
	}
	out := make([]Key, 0, len(ids))
	for _, id := range ids {
		k, ok := byID[id]
		if !ok {
			Zero(keys)
			return nil, fmt.Errorf("qkd: dec_keys answer lacks key_ID %s", id)
		}
		out = append(out, k)
	}
	if len(keys) != len(ids) {
		Zero(keys)
		return nil, fmt.Errorf("qkd: dec_keys answer: %d keys for %d key_IDs", len(keys), len(ids))
	}
	return out, nil
}

func (c *Client) do(ctx context.Context, op, method string, u *url.URL, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("qkd: %s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("qkd: %s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("qkd: %s: KME unreachable: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("qkd: %s: reading the KME's answer: %w", op, err)
	}
	defer clear(data) // it may hold key material
	if len(data) > maxAnswer {
		return fmt.Errorf("qkd: %s: the KME's answer exceeds %d bytes", op, maxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Op: op, StatusCode: resp.StatusCode}
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil {
			e.Message, e.Details = eb.Message, eb.Details
		} else {
			e.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("qkd: %s: the KME's answer is not the interface's JSON: %v", op, err)
	}
	return nil
}
