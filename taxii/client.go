package taxii

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Client speaks TAXII 2.1 to a server. Set BaseURL (scheme and host, e.g.
// "https://cti.example:8443") and credentials; HTTPClient defaults to
// http.DefaultClient. A Client is safe for concurrent use.
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
	// Basic authentication, used when User is set.
	User, Password string
	// Token is sent as a bearer token when set (and User is not).
	Token     string
	UserAgent string
	// MaxResponseBytes bounds the body of an answer read into memory
	// (DefaultMaxResponseBytes when 0); a server that sends more gets
	// ErrResponseTooLarge, not the client's memory.
	MaxResponseBytes int64
}

// DefaultMaxResponseBytes is the largest answer a Client reads when
// MaxResponseBytes is 0: a page of a thousand objects of a few hundred
// kilobytes each.
const DefaultMaxResponseBytes = 256 << 20

// ErrResponseTooLarge reports an answer larger than the client's
// MaxResponseBytes.
var ErrResponseTooLarge = errors.New("taxii: answer exceeds the client's MaxResponseBytes")

// ClientError is an error answer from a TAXII server.
type ClientError struct {
	StatusCode int
	Resource   ErrorResource // as the server sent it (may be empty)
}

func (e *ClientError) Error() string {
	msg := e.Resource.Description
	if msg == "" {
		msg = e.Resource.Title
	}
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("taxii server answered %d: %s", e.StatusCode, msg)
}

// Query holds the filters of a listing request; zero fields are not sent.
type Query struct {
	AddedAfter   time.Time
	Limit        int
	Next         string
	IDs          []string
	Types        []string
	Versions     []string
	SpecVersions []string
}

func (q Query) values() url.Values {
	v := url.Values{}
	if !q.AddedAfter.IsZero() {
		v.Set(paramAddedAfter, FormatTime(q.AddedAfter))
	}
	if q.Limit > 0 {
		v.Set(paramLimit, strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set(paramNext, q.Next)
	}
	set := func(name string, vs []string) {
		if len(vs) > 0 {
			v.Set(name, strings.Join(vs, ","))
		}
	}
	set(paramID, q.IDs)
	set(paramType, q.Types)
	set(paramVersion, q.Versions)
	set(paramSpecVersion, q.SpecVersions)
	return v
}

// Page is one page of objects with the paging headers.
type Page struct {
	Objects        []*stix.Object
	More           bool
	Next           string
	DateAddedFirst time.Time
	DateAddedLast  time.Time
}

// Discovery fetches /taxii2/.
func (c *Client) Discovery(ctx context.Context) (*Discovery, error) {
	var d Discovery
	_, err := c.do(ctx, http.MethodGet, "/taxii2/", nil, nil, &d)
	return &d, err
}

// APIRoot fetches an API root's information.
func (c *Client) APIRoot(ctx context.Context, root string) (*APIRootResource, error) {
	var r APIRootResource
	_, err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(root)+"/", nil, nil, &r)
	return &r, err
}

// Collections lists the collections of an API root that the client may see.
func (c *Client) Collections(ctx context.Context, root string) ([]CollectionResource, error) {
	var cs Collections
	_, err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(root)+"/collections/", nil, nil, &cs)
	return cs.Collections, err
}

// Collection fetches one collection.
func (c *Client) Collection(ctx context.Context, root, id string) (*CollectionResource, error) {
	var r CollectionResource
	_, err := c.do(ctx, http.MethodGet, collPath(root, id), nil, nil, &r)
	return &r, err
}

// Objects fetches one page of a collection's objects.
func (c *Client) Objects(ctx context.Context, root, coll string, q Query) (*Page, error) {
	return c.page(ctx, collPath(root, coll)+"objects/", q)
}

// Object fetches one page of the versions of one object.
func (c *Client) Object(ctx context.Context, root, coll, id string, q Query) (*Page, error) {
	return c.page(ctx, collPath(root, coll)+"objects/"+url.PathEscape(id)+"/", q)
}

func (c *Client) page(ctx context.Context, path string, q Query) (*Page, error) {
	rp, err := c.rawPage(ctx, path, q)
	if err != nil {
		return nil, err
	}
	p := &Page{More: rp.More, Next: rp.Next, DateAddedFirst: rp.DateAddedFirst, DateAddedLast: rp.DateAddedLast}
	for i, raw := range rp.Objects {
		o, err := stix.ParseObject(raw)
		if err != nil {
			return nil, fmt.Errorf("taxii: %s: objects[%d]: %v", path, i, err)
		}
		p.Objects = append(p.Objects, o)
	}
	return p, nil
}

// RawPage is one page of objects as the server sent them, not parsed.
type RawPage struct {
	Objects        []jsontext.Value
	More           bool
	Next           string
	DateAddedFirst time.Time
	DateAddedLast  time.Time
}

// RawObjects fetches one page of a collection's objects like Objects, but
// leaves each object's JSON unparsed: for callers that check every object
// themselves and must not lose a whole page to one malformed object.
func (c *Client) RawObjects(ctx context.Context, root, coll string, q Query) (*RawPage, error) {
	return c.rawPage(ctx, collPath(root, coll)+"objects/", q)
}

func (c *Client) rawPage(ctx context.Context, path string, q Query) (*RawPage, error) {
	var env struct {
		More    bool             `json:"more"`
		Next    string           `json:"next"`
		Objects []jsontext.Value `json:"objects"`
	}
	h, err := c.do(ctx, http.MethodGet, path, q.values(), nil, &env)
	if err != nil {
		return nil, err
	}
	p := &RawPage{Objects: env.Objects, More: env.More, Next: env.Next}
	p.DateAddedFirst, p.DateAddedLast = dateHeaders(h)
	return p, nil
}

func dateHeaders(h http.Header) (first, last time.Time) {
	first, _ = time.Parse(time.RFC3339Nano, h.Get("X-TAXII-Date-Added-First"))
	last, _ = time.Parse(time.RFC3339Nano, h.Get("X-TAXII-Date-Added-Last"))
	return first, last
}

// Manifest fetches one page of a collection's manifest.
func (c *Client) Manifest(ctx context.Context, root, coll string, q Query) (*Manifest, error) {
	var m Manifest
	_, err := c.do(ctx, http.MethodGet, collPath(root, coll)+"manifest/", q.values(), nil, &m)
	return &m, err
}

// Versions fetches one page of an object's versions.
func (c *Client) Versions(ctx context.Context, root, coll, id string, q Query) (*Versions, error) {
	var v Versions
	_, err := c.do(ctx, http.MethodGet, collPath(root, coll)+"objects/"+url.PathEscape(id)+"/versions/", q.values(), nil, &v)
	return &v, err
}

// AddObjects posts objects in one envelope and returns the status resource.
func (c *Client) AddObjects(ctx context.Context, root, coll string, objs []*stix.Object) (*StatusResource, error) {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o.Raw)
	}
	b.WriteString("]}")
	return c.PostEnvelope(ctx, root, coll, &b)
}

// PostEnvelope posts a ready envelope (or bundle) read from body.
func (c *Client) PostEnvelope(ctx context.Context, root, coll string, body io.Reader) (*StatusResource, error) {
	var st StatusResource
	_, err := c.do(ctx, http.MethodPost, collPath(root, coll)+"objects/", nil, body, &st)
	return &st, err
}

// DeleteObject deletes versions of an object; q may hold Versions and
// SpecVersions.
func (c *Client) DeleteObject(ctx context.Context, root, coll, id string, q Query) error {
	_, err := c.do(ctx, http.MethodDelete, collPath(root, coll)+"objects/"+url.PathEscape(id)+"/", q.values(), nil, nil)
	return err
}

// Status fetches a status resource.
func (c *Client) Status(ctx context.Context, root, id string) (*StatusResource, error) {
	var st StatusResource
	_, err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(root)+"/status/"+url.PathEscape(id)+"/", nil, nil, &st)
	return &st, err
}

func collPath(root, id string) string {
	return "/" + url.PathEscape(root) + "/collections/" + url.PathEscape(id) + "/"
}

// do sends one request and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body io.Reader, out any) (http.Header, error) {
	u := strings.TrimSuffix(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("taxii: %v", err)
	}
	req.Header.Set("Accept", MediaTypeTAXII)
	if body != nil {
		req.Header.Set("Content-Type", MediaTypeTAXII)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "rampart-taxii-client"
	}
	req.Header.Set("User-Agent", ua)
	switch {
	case c.User != "":
		req.SetBasicAuth(c.User, c.Password)
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		ce := &ClientError{StatusCode: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		json.Unmarshal(b, &ce.Resource)
		return resp.Header, ce
	}
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	lr := &io.LimitedReader{R: resp.Body, N: limit + 1}
	if out == nil {
		io.Copy(io.Discard, lr)
		return resp.Header, nil
	}
	err = json.UnmarshalRead(lr, out)
	if lr.N <= 0 {
		return resp.Header, fmt.Errorf("%w (%d bytes): %s %s", ErrResponseTooLarge, limit, method, path)
	}
	if err != nil {
		return resp.Header, fmt.Errorf("taxii: %s %s: malformed answer: %v", method, path, err)
	}
	return resp.Header, nil
}
