package taxii

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/internal/httpauth"
	"github.com/rampart-cti/rampart/stix"
)

// Defaults for a Server's limits.
const (
	// DefaultMaxPageSize is the most objects one page holds when neither the
	// client nor the operator asks for fewer.
	DefaultMaxPageSize = 1000
	// DefaultMaxContentLength is the largest request body accepted when the
	// API root does not set its own (64 MiB).
	DefaultMaxContentLength = 64 << 20
	// DefaultMaxPageBytes is the most bytes of stored JSON one page of
	// objects holds (16 MiB, stix.MaxObjectBytes): a page ends before the
	// object that would take it beyond, with "more" and "next", and an
	// object larger than this is served alone on its page. The largest
	// body a page answers with is thus this plus a few hundred bytes.
	DefaultMaxPageBytes = 16 << 20
	// DefaultPageBufferBytes is about the most bytes of stored JSON a
	// request for a page holds in memory at once (4 MiB): see
	// Server.PageBufferBytes.
	DefaultPageBufferBytes = 4 << 20
)

// Server serves TAXII 2.1 over the node's services. Set the fields, call
// Open, then serve Handler. A Server is safe for concurrent use once open.
//
// Who reads what is decided twice. Grants decide which collections an
// account may see, read and write. Access, when set, decides which objects
// of a readable collection the account may read (rampart.Policy: TLP,
// addressing, and what derived objects refer to): every endpoint that
// serves objects, or versions or manifest records of them, answers with
// what Access releases, and an object of which nothing is released is
// answered for exactly as an object the collection does not hold; an
// account deletes only versions it may read. Status resources are shown
// only to the account that made the request, and to administrators. Without Access, every object of a readable collection
// is served.
type Server struct {
	Objects     rampart.ObjectService
	Collections rampart.CollectionService
	Accounts    rampart.AccountService
	Statuses    rampart.StatusService
	Secrets     rampart.SecretService
	// Access, when set, decides which objects each account may read
	// (see Server). Administrators read everything; Access logs what
	// they read beyond their organisation's rights.
	Access rampart.AccessService

	// Discovery resource contents.
	Title       string
	Description string
	Contact     string
	// DefaultAPIRoot names the API root advertised as the default.
	DefaultAPIRoot string
	// BaseURL is where clients reach the server (scheme, host, port and
	// any path it is served under, without a trailing slash), from which
	// the discovery resource makes absolute API root URLs. Empty, it gives
	// relative ones ("/cti/"), as TAXII 2.1 §4.1 allows. The request's Host
	// header is never used: a client must not be able to make the server
	// advertise an address of its choosing.
	BaseURL string

	// MaxPageSize caps the objects per page (DefaultMaxPageSize when 0).
	MaxPageSize int
	// MaxPageBytes caps the stored JSON of the objects of one page of
	// GET …/objects/ and …/objects/{id}/ (DefaultMaxPageBytes when 0):
	// the page ends early, with "more" and "next", before the version
	// that would exceed it, and a version larger than the cap is served
	// alone. Manifest and versions pages carry no objects and are capped
	// in count only.
	MaxPageBytes int64
	// PageBufferBytes bounds the stored JSON one request for a page holds
	// in memory (DefaultPageBufferBytes when 0), unless one object alone
	// is larger. A page's extent, "more", "next" and date headers are
	// decided from the sizes a metadata-only listing tells, without
	// reading any JSON; the page is then read in parts of about this size,
	// each once: a page that fits in one part is answered whole, with its
	// length, and a larger one is read part by part as the client takes
	// it, so that a client that does not read holds at most this much.
	PageBufferBytes int64
	// MaxContentLength is the largest request body for API roots that set
	// none (DefaultMaxContentLength when 0).
	MaxContentLength int64
	// Validate checks a posted STIX 2.1 object beyond what stix.ParseObject
	// checks; objects it refuses are listed as failures with its message.
	// Nil accepts whatever ParseObject accepts.
	Validate func(*stix.Object) error
	// Authenticate, when set, authenticates every request in place of HTTP
	// Basic and bearer tokens: it returns the request's account, or an
	// error (EUNAUTHORIZED to refuse). Federation sets it on the server it
	// runs for peer nodes, whose connections are authenticated already.
	Authenticate func(r *http.Request) (*rampart.Account, error)
	// Authenticator, when set, checks HTTP Basic and bearer credentials:
	// the node's one, shared with the JSON API so that both count failed
	// logins and password checks together. Nil, Open makes one over
	// Accounts.
	Authenticator *httpauth.Authenticator
	Logger        *slog.Logger
	Now           func() time.Time

	mux       *http.ServeMux
	cursorKey []byte
	auth      *httpauth.Authenticator
}

// NewServer returns a Server with default settings; set its services.
func NewServer() *Server {
	return &Server{
		Title:           "Rampart TAXII 2.1",
		MaxPageSize:     DefaultMaxPageSize,
		MaxPageBytes:    DefaultMaxPageBytes,
		PageBufferBytes: DefaultPageBufferBytes,
		Now:             time.Now,
	}
}

// Open loads the cursor key from the store and builds the routes.
func (s *Server) Open(ctx context.Context) error {
	if s.Objects == nil || s.Collections == nil || s.Accounts == nil || s.Statuses == nil || s.Secrets == nil {
		return errors.New("taxii server: a service is not set")
	}
	key, err := s.Secrets.FindOrCreateSecret(ctx, "taxii-cursor", 32)
	if err != nil {
		return fmt.Errorf("taxii server: load cursor key: %w", err)
	}
	s.cursorKey = key
	if s.MaxPageSize <= 0 {
		s.MaxPageSize = DefaultMaxPageSize
	}
	if s.MaxPageBytes <= 0 {
		s.MaxPageBytes = DefaultMaxPageBytes
	}
	if s.PageBufferBytes <= 0 {
		s.PageBufferBytes = DefaultPageBufferBytes
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.auth = s.Authenticator
	if s.auth == nil {
		s.auth = httpauth.New(s.Accounts, s.Now)
	}
	s.routes()
	return nil
}

// Close releases nothing today; it exists for the lifecycle convention.
func (s *Server) Close() error { return nil }

// Handler returns the TAXII routes: /taxii2/ and /{api-root}/….
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// routes registers every endpoint. Paths end with "/" as TAXII requires;
// http.ServeMux redirects requests that omit it.
func (s *Server) routes() {
	mux := http.NewServeMux()
	type m = map[string]handlerFunc
	mux.Handle("/taxii2/{$}", s.methods(m{"GET": s.handleDiscovery}))
	mux.Handle("/{root}/{$}", s.methods(m{"GET": s.handleAPIRoot}))
	mux.Handle("/{root}/status/{status}/{$}", s.methods(m{"GET": s.handleStatus}))
	mux.Handle("/{root}/collections/{$}", s.methods(m{"GET": s.handleCollections}))
	mux.Handle("/{root}/collections/{coll}/{$}", s.methods(m{"GET": s.handleCollection}))
	mux.Handle("/{root}/collections/{coll}/manifest/{$}", s.methods(m{"GET": s.handleManifest}))
	mux.Handle("/{root}/collections/{coll}/objects/{$}", s.methods(m{"GET": s.handleGetObjects, "POST": s.handlePostObjects}))
	mux.Handle("/{root}/collections/{coll}/objects/{object}/{$}", s.methods(m{"GET": s.handleGetObject, "DELETE": s.handleDeleteObject}))
	mux.Handle("/{root}/collections/{coll}/objects/{object}/versions/{$}", s.methods(m{"GET": s.handleVersions}))
	mux.Handle("/", s.endpoint(func(w http.ResponseWriter, r *http.Request) error {
		if p := r.URL.Path; !strings.HasSuffix(p, "/") {
			// TAXII paths end with "/": send clients that omit it there,
			// with a redirect that keeps the method and the body.
			u := *r.URL
			u.Path += "/"
			http.Redirect(w, r, u.String(), http.StatusPermanentRedirect)
			return nil
		}
		return rampart.Errorf(rampart.ENOTFOUND, "no TAXII endpoint at %q", r.URL.Path)
	}))
	s.mux = mux
}

type handlerFunc = func(http.ResponseWriter, *http.Request) error

// methods dispatches on the request method, answering 405 with the Allow
// header and an error resource for the others.
func (s *Server) methods(hs map[string]handlerFunc) http.Handler {
	ms := endpoint.NewMethods(hs)
	return s.endpoint(func(w http.ResponseWriter, r *http.Request) error {
		h, err := ms.Find(w, r)
		if err != nil {
			return err
		}
		return h(w, r)
	})
}

type accountKey struct{}

// account returns the authenticated account of a request.
func account(r *http.Request) *rampart.Account {
	a, _ := r.Context().Value(accountKey{}).(*rampart.Account)
	return a
}

// endpoint wraps a handler with what every TAXII endpoint does first:
// content negotiation, refusing URLs no store can be asked about (400,
// TAXII §3.4), authentication, and turning errors and panics into error
// resources.
func (s *Server) endpoint(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer endpoint.Recover(r, func(err error) { s.writeError(w, r, err) })
		if !acceptable(r.Header.Get("Accept")) {
			s.writeError(w, r, endpoint.Errorf(http.StatusNotAcceptable,
				"cannot answer with %q: this endpoint serves %s", r.Header.Get("Accept"), MediaTypeTAXII))
			return
		}
		if err := endpoint.CheckURL(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		a, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), accountKey{}, a))
		if err := s.checkLength(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// checkLength refuses, from its headers, a request whose declared body is
// larger than its API root accepts, before a byte of it is read. Bodies of
// unknown length are bounded as they are read. A root the account may not
// see is left to the handler, which answers for it as for one that does
// not exist.
func (s *Server) checkLength(r *http.Request) error {
	if r.ContentLength <= 0 || r.PathValue("root") == "" {
		return nil
	}
	root, err := s.apiRoot(r)
	if err != nil {
		return nil
	}
	if limit := s.maxContentLength(root); r.ContentLength > limit {
		return rampart.Errorf(rampart.ETOOLARGE, "request body of %d bytes exceeds this API root's max_content_length of %d bytes", r.ContentLength, limit)
	}
	return nil
}

// authenticate returns the request's account: from Authenticate when set,
// else from HTTP Basic or a bearer token.
func (s *Server) authenticate(r *http.Request) (*rampart.Account, error) {
	if s.Authenticate == nil {
		return s.auth.Authenticate(r)
	}
	a, err := s.Authenticate(r)
	if err == nil && a == nil {
		err = rampart.Errorf(rampart.EUNAUTHORIZED, "authentication required")
	}
	return a, err
}

// writeJSON answers with a TAXII resource.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		s.logger().Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"title":"InternalError","description":"internal error","http_status":"500"}`)
	}
	w.Header().Set("Content-Type", MediaTypeTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// apiRoot looks up the request's API root. A root in which the account
// has no grant is answered for exactly as one that does not exist.
func (s *Server) apiRoot(r *http.Request) (*rampart.APIRoot, error) {
	name := r.PathValue("root")
	notFound := rampart.Errorf(rampart.ENOTFOUND, "API root %q not found", name)
	root, err := s.Collections.FindAPIRootByName(r.Context(), name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	visible, err := s.visibleRoots(r.Context(), account(r))
	if err != nil {
		return nil, err
	}
	if visible != nil && !visible[name] {
		return nil, notFound
	}
	return root, nil
}

// visibleRoots returns the names of the API roots an account may know of:
// those holding a collection it has a grant on. It returns nil, meaning
// every root, for an administrator.
func (s *Server) visibleRoots(ctx context.Context, a *rampart.Account) (map[string]bool, error) {
	if a.Admin {
		return nil, nil
	}
	visible := map[string]bool{}
	if len(a.Grants) == 0 {
		return visible, nil
	}
	cs, err := s.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if a.CanSee(c.ID) {
			visible[c.APIRoot] = true
		}
	}
	return visible, nil
}

// collection looks up the request's collection and checks that the account
// may see it. Collections the account may not see are reported exactly like
// collections that do not exist.
func (s *Server) collection(r *http.Request) (*rampart.Collection, error) {
	root, id := r.PathValue("root"), r.PathValue("coll")
	c, err := s.Collections.FindCollectionByID(r.Context(), root, id)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND || err == nil && !account(r).CanSee(c.ID) {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "API root %q has no collection %q", root, id)
	}
	return c, err
}

func (s *Server) readableCollection(r *http.Request) (*rampart.Collection, error) {
	c, err := s.collection(r)
	if err != nil {
		return nil, err
	}
	if !account(r).CanRead(c.ID) {
		return nil, rampart.Errorf(rampart.EFORBIDDEN, "account %q may not read collection %q", account(r).Name, c.ID)
	}
	return c, nil
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r, nil); err != nil {
		return err
	}
	roots, err := s.Collections.FindAPIRoots(r.Context())
	if err != nil {
		return err
	}
	// TAXII 2.1 §4.1: the list may be filtered per client; this one lists
	// only the roots the account may know of.
	visible, err := s.visibleRoots(r.Context(), account(r))
	if err != nil {
		return err
	}
	d := Discovery{Title: s.Title, Description: s.Description, Contact: s.Contact}
	for _, root := range roots {
		if visible != nil && !visible[root.Name] {
			continue
		}
		u := s.BaseURL + "/" + root.Name + "/"
		d.APIRoots = append(d.APIRoots, u)
		if root.Name == s.DefaultAPIRoot {
			d.Default = u
		}
	}
	s.writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleAPIRoot(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r, nil); err != nil {
		return err
	}
	root, err := s.apiRoot(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, APIRootResource{
		Title:            root.Title,
		Description:      root.Description,
		Versions:         []string{MediaTypeTAXII},
		MaxContentLength: s.maxContentLength(root),
	})
	return nil
}

func (s *Server) maxContentLength(root *rampart.APIRoot) int64 {
	switch {
	case root.MaxContentLength > 0:
		return root.MaxContentLength
	case s.MaxContentLength > 0:
		return s.MaxContentLength
	}
	return DefaultMaxContentLength
}

func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r, nil); err != nil {
		return err
	}
	root, err := s.apiRoot(r)
	if err != nil {
		return err
	}
	cs, err := s.Collections.FindCollections(r.Context(), rampart.CollectionFilter{APIRoot: &root.Name})
	if err != nil {
		return err
	}
	var out Collections
	a := account(r)
	for _, c := range cs {
		if a.CanSee(c.ID) {
			out.Collections = append(out.Collections, collectionResource(c, a))
		}
	}
	s.writeJSON(w, http.StatusOK, out)
	return nil
}

func collectionResource(c *rampart.Collection, a *rampart.Account) CollectionResource {
	return CollectionResource{
		ID:          c.ID,
		Title:       c.Title,
		Description: c.Description,
		Alias:       c.Alias,
		CanRead:     a.CanRead(c.ID),
		CanWrite:    a.CanWrite(c.ID),
		MediaTypes:  c.MediaTypes,
	}
}

func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r, nil); err != nil {
		return err
	}
	if _, err := s.apiRoot(r); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, collectionResource(c, account(r)))
	return nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r, nil); err != nil {
		return err
	}
	root, err := s.apiRoot(r)
	if err != nil {
		return err
	}
	// A status lists the objects of one request: only the account that
	// made it (and administrators) may see it, and to anyone else it is
	// answered for exactly as a status that does not exist.
	notFound := rampart.Errorf(rampart.ENOTFOUND, "API root %q has no status %q", root.Name, r.PathValue("status"))
	st, err := s.Statuses.FindStatusByID(r.Context(), root.Name, r.PathValue("status"))
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return notFound
	}
	if err != nil {
		return err
	}
	if a := account(r); !a.Admin && st.Account != a.Name {
		return notFound
	}
	s.writeJSON(w, http.StatusOK, statusResource(st))
	return nil
}

func statusResource(st *rampart.Status) StatusResource {
	out := StatusResource{
		ID:           st.ID,
		Status:       st.Status,
		TotalCount:   st.TotalCount,
		SuccessCount: st.SuccessCount,
		FailureCount: st.FailureCount,
		PendingCount: st.PendingCount,
		Successes:    statusDetails(st.Successes),
		Failures:     statusDetails(st.Failures),
		Pendings:     statusDetails(st.Pendings),
	}
	if !st.RequestTimestamp.IsZero() {
		out.RequestTimestamp = FormatTime(st.RequestTimestamp)
	}
	return out
}

func statusDetails(ds []rampart.StatusDetail) []StatusDetail {
	var out []StatusDetail
	for _, d := range ds {
		out = append(out, StatusDetail{ID: d.ID, Version: d.Version, Message: d.Message})
	}
	return out
}

// checkParams refuses query parameters the endpoint does not define and
// parameters given more than once (TAXII §3.4: malformed → 400).
func checkParams(r *http.Request, allowed []string) error {
	q := r.URL.Query()
	for name, vs := range q {
		ok := false
		for _, a := range allowed {
			if name == a {
				ok = true
				break
			}
		}
		if !ok {
			if len(allowed) == 0 {
				return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: this endpoint takes none", name)
			}
			return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: this endpoint takes %s", name, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return rampart.Errorf(rampart.EINVALID, "query parameter %q given %d times: give it once, with comma-separated values", name, len(vs))
		}
	}
	return nil
}
