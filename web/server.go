package web

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/internal/httpauth"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/objecthook"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
	"github.com/rampart-cti/rampart/warninglist"
)

// DefaultMaxBodyBytes is the largest request body accepted when
// MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Server serves the node's JSON API under /api/v1/: incidents, alerts and
// their rules, watchlists, joint statements and attribution queries. Every
// request is authenticated with the node's accounts (HTTP Basic or a
// bearer token, as TAXII); reading needs read access to the coordination
// collection, writing needs write access, watchlists need an
// administrator. Errors are JSON: {"error": {"code": "not_found",
// "message": "…"}} with the rampart.Error code and its HTTP status.
//
// With Access set, every answer is drawn only from objects the account
// may read (rampart.Policy: TLP, addressing, and what derived objects
// refer to): incidents, alerts and statements it may not read are absent,
// answered for by id as ones the node does not hold, and leave nothing in
// a joint incident or a statement's quorum; attribution ranks on the
// knowledge the account may read; an observation upload stores every
// sighting but answers with, and counts, only those the account may read
// and the records that met indicators it may read. Administrators read
// everything, and Access logs what they read beyond their organisation's
// rights. Without Access, every object of the collections read is used.
//
// Set the fields, call Open, then serve Handler. A Server is safe for
// concurrent use once open.
type Server struct {
	Accounts    rampart.AccountService
	Objects     rampart.ObjectService
	Collections rampart.CollectionService
	// Coord reads and writes incidents, alerts and statements; its
	// CollectionID is the coordination collection whose grants decide who
	// may read and write.
	Coord *coord.Service
	// Access, when set, decides which objects each account may read (see
	// Server).
	Access rampart.AccessService
	// EarlyWarning, when set, gives the rules in force and the watchlists.
	EarlyWarning *warning.Engine
	// Settings are the node's settings, where watchlists changed through
	// the API are kept (the node applies them at once); without it the
	// watchlist endpoints answer 503.
	Settings rampart.SettingService
	// Verifier, when set, counts statements' endorsements against the
	// trust registry.
	Verifier *trust.Verifier
	// Identity, when set, is the node organisation's keys: the console
	// signs with them the endorsement of a joint statement when an account
	// entitled to commit the organisation decides to (see
	// console.signStatement). Without it, or without Verifier, statements
	// are shown but not endorsed.
	Identity coord.Signer
	// Audit, when set, is the log of what the node shared with whom, which
	// administrators read at /api/v1/audit; without it that endpoint
	// answers 503.
	Audit rampart.AuditService
	// Log, when set, is the node's transparency log, served at
	// /api/v1/log/; without it those endpoints answer EUNAVAILABLE.
	Log TransparencyLog

	// Matcher, when set, matches observations posted to
	// /api/v1/observations against the node's indicators; the sightings go
	// to SightingsCollection unless the request names another collection,
	// through the sink Sightings returns (both required with Matcher).
	Matcher *match.Matcher
	// MatcherReady, when set, is called before an upload is matched, so
	// that Matcher holds every indicator stored before the upload (a node
	// adds them in the background).
	MatcherReady        func()
	SightingsCollection string
	Sightings           func(ctx context.Context, collectionID string) SightingSink
	// MaxObservationBytes bounds an observation upload
	// (DefaultMaxObservationBytes when 0).
	MaxObservationBytes int64
	// Observations, when set, is the queue observation uploads go to:
	// the workers match them, and the upload is answered 202 as soon as
	// it is queued (429 with Retry-After when the workers are behind).
	// Nil, uploads are matched in the request with Matcher.
	Observations rampart.ObservationQueue
	// MaxQueuedObservationBytes bounds an upload that is queued
	// (DefaultMaxQueuedObservationBytes when 0): it is held in memory
	// until the queue has it.
	MaxQueuedObservationBytes int64
	// Objects, when set, is the stream of every version the node stored,
	// which /api/v1/stream gives each account as far as it may read it.
	ObjectStream rampart.ObjectStream
	// StreamHookStatus, when set, returns how the deliveries of each
	// stream webhook go, by id (the replica that delivers them knows).
	StreamHookStatus func() map[string]objecthook.Status

	// Lifecycle, when set, scores indicators (exports leave out those
	// that decayed; the console shows scores) and takes false-positive
	// reports; without it those endpoints answer 503.
	Lifecycle Lifecycle

	// Warninglists, when set, returns the node's warninglists as they are
	// now: the console's object page shows which lists hold the values of
	// an indicator or an observable (computed, never written into the
	// object).
	Warninglists func(ctx context.Context) *warninglist.Checker

	// Search, when set, finds objects for the console's search page and
	// objects' neighbourhoods; without it those are empty.
	Search rampart.SearchService
	// Federation, when set, tells the console's situation page how the
	// node's federation is.
	Federation FederationReporter
	// Organizations, when set, are the organisations the node records,
	// which the console's administration pages list, add and remove.
	Organizations rampart.OrganizationService
	// Admin, when set, gives the console's administration pages the
	// node's keys and its peers; without it they show no keys and
	// cannot change peers.
	Admin Administration

	// MaxBodyBytes is the largest request body (DefaultMaxBodyBytes when
	// 0).
	MaxBodyBytes int64
	// Authenticator, when set, checks credentials: the node's one, shared
	// with TAXII so that both count failed logins and password checks
	// together. Nil, Open makes one over Accounts.
	Authenticator *httpauth.Authenticator
	Logger        *slog.Logger
	Now           func() time.Time

	mux       *http.ServeMux
	auth      *httpauth.Authenticator
	knowledge *knowledgeCache
	console   *console
}

// SightingSink stores the sightings of one observation upload, the way the
// node stores every sighting it makes (marked as the indicator they are
// of, signed, stored through its object service).
type SightingSink interface {
	// Aggregator returns the aggregator that turns hits into sightings
	// made where the organisation where saw them, over windows of the
	// given length, into the sink.
	Aggregator(where string, window time.Duration) *match.Aggregator
	// Stored returns the sightings stored so far, in order.
	Stored() []*stix.Object
	// Failed returns the store's error that ended the stream, if any.
	Failed() error
	// Observed keeps what a record named, for retro-hunts; Flush writes
	// what it holds.
	Observed(ctx context.Context, r *match.Record)
	Flush(ctx context.Context) error
}

// NewServer returns a Server with default settings; set its services.
func NewServer() *Server {
	return &Server{MaxBodyBytes: DefaultMaxBodyBytes, Now: time.Now}
}

// Open checks the services and builds the routes.
func (s *Server) Open(ctx context.Context) error {
	if s.Accounts == nil || s.Objects == nil || s.Collections == nil || s.Coord == nil {
		return errors.New("web server: Accounts, Objects, Collections and Coord are required")
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.auth = s.Authenticator
	if s.auth == nil {
		s.auth = httpauth.New(s.Accounts, s.Now)
	}
	s.knowledge = newKnowledgeCache(s.Objects)
	s.routes()
	c, err := newConsole(s)
	if err != nil {
		return fmt.Errorf("web server: console: %w", err)
	}
	s.console = c
	return nil
}

// Close releases nothing today; it exists for the lifecycle convention.
func (s *Server) Close() error { return nil }

// Handler returns the routes under /api/v1/.
func (s *Server) Handler() http.Handler { return s.mux }

// Console returns the analyst console, served under ConsolePath.
func (s *Server) Console() http.Handler { return s.console }

// Invalidate tells the server that objects were added to a collection, so
// that attribution knowledge built from it is rebuilt before the next
// query. It never blocks.
func (s *Server) Invalidate(collectionID string) {
	if s.knowledge != nil {
		s.knowledge.invalidate(collectionID)
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, a *rampart.Account) error

// access levels of an endpoint.
const (
	accessRead = iota
	accessWrite
	accessAdmin
	accessAnyone // any authenticated account; the handler decides
)

type route struct {
	access int
	h      handlerFunc
	// maxBytes bounds the request body (MaxBodyBytes when 0).
	maxBytes int64
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	type m = map[string]route
	handle := func(path string, methods m) { mux.Handle(path, s.methods(methods)) }
	handle("/api/v1/{$}", m{"GET": {access: accessAnyone, h: s.handleIndex}})
	handle("/api/v1/incidents", m{"GET": {access: accessRead, h: s.handleListIncidents}, "POST": {access: accessWrite, h: s.handleCreateIncident}})
	handle("/api/v1/incidents/{id}", m{"GET": {access: accessRead, h: s.handleGetIncident}, "PATCH": {access: accessWrite, h: s.handleUpdateIncident}})
	handle("/api/v1/incidents/{id}/timeline", m{"POST": {access: accessWrite, h: s.handleAddTimeline}})
	handle("/api/v1/incidents/{id}/reports", m{"POST": {access: accessWrite, h: s.handleSubmitReport}})
	handle("/api/v1/incidents/{id}/joint", m{"GET": {access: accessRead, h: s.handleJointIncident}})
	handle("/api/v1/incidents/{id}/attribution", m{"GET": {access: accessRead, h: s.handleGetIncidentAttribution}, "POST": {access: accessWrite, h: s.handleAttributeIncident}})
	handle("/api/v1/alerts", m{"GET": {access: accessRead, h: s.handleListAlerts}})
	handle("/api/v1/alerts/rules", m{"GET": {access: accessRead, h: s.handleRules}})
	handle("/api/v1/alerts/{id}", m{"GET": {access: accessRead, h: s.handleGetAlert}})
	handle("/api/v1/watchlists", m{"GET": {access: accessAdmin, h: s.handleListWatchlists}})
	handle("/api/v1/watchlists/{name}", m{"GET": {access: accessAdmin, h: s.handleGetWatchlist}, "PUT": {access: accessAdmin, h: s.handlePutWatchlist}, "DELETE": {access: accessAdmin, h: s.handleDeleteWatchlist}})
	handle("/api/v1/statements", m{"GET": {access: accessRead, h: s.handleListStatements}})
	handle("/api/v1/statements/{id}", m{"GET": {access: accessRead, h: s.handleGetStatement}})
	handle("/api/v1/attribution", m{"POST": {access: accessAnyone, h: s.handleAttribution}})
	handle("/api/v1/audit", m{"GET": {access: accessAdmin, h: s.handleListAudit}})
	handle("/api/v1/log/head", m{"GET": {access: accessRead, h: s.handleLogHead}})
	handle("/api/v1/log/inclusion", m{"GET": {access: accessRead, h: s.handleLogInclusion}})
	handle("/api/v1/log/consistency", m{"GET": {access: accessRead, h: s.handleLogConsistency}})
	handle("/api/v1/log/entries", m{"GET": {access: accessAdmin, h: s.handleLogEntries}})
	handle("/api/v1/feeds", m{"GET": {access: accessAdmin, h: s.handleListFeeds}})
	handle("/api/v1/feeds/{name}/runs", m{"GET": {access: accessAdmin, h: s.handleFeedRuns}})
	handle("/api/v1/observations", m{"POST": {access: accessAnyone, h: s.handleObservations, maxBytes: s.maxObservationBytes()}})
	handle("/api/v1/stream", m{"GET": {access: accessAnyone, h: s.handleStream}})
	handle("/api/v1/stream/webhooks", m{"GET": {access: accessAnyone, h: s.handleListStreamHooks}, "POST": {access: accessAdmin, h: s.handleCreateStreamHook}})
	handle("/api/v1/stream/webhooks/{id}", m{"DELETE": {access: accessAdmin, h: s.handleDeleteStreamHook}})
	handle("/api/v1/indicators/{id}/score", m{"GET": {access: accessRead, h: s.handleIndicatorScore}})
	handle("/api/v1/indicators/{id}/false-positives", m{"POST": {access: accessWrite, h: s.handleFalsePositive}})
	handle("/api/v1/exports/{format}", m{"GET": {access: accessAnyone, h: s.handleExport}})
	handle(MISPFeedPath+"{name}", m{"GET": {access: accessAnyone, h: s.handleMISPFeed}})
	// Any method on an unknown path is a 404, not a 405 that names GET.
	notFound := route{access: accessAnyone, h: func(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
		return rampart.Errorf(rampart.ENOTFOUND, "no API endpoint at %q; GET /api/v1/ lists them", r.URL.Path)
	}}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.methods(m{r.Method: notFound}).ServeHTTP(w, r)
	}))
	s.mux = mux
}

// methods dispatches on the method, authenticates, checks access, and
// turns errors and panics into JSON error answers.
func (s *Server) methods(routes map[string]route) http.Handler {
	ms := endpoint.NewMethods(routes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer endpoint.Recover(r, func(err error) { s.writeError(w, r, err) })
		if err := endpoint.CheckURL(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		a, err := s.auth.Authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rt, err := ms.Find(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.authorize(r, a, rt.access); err != nil {
			s.writeError(w, r, err)
			return
		}
		limit := s.MaxBodyBytes
		if rt.maxBytes > 0 {
			limit = rt.maxBytes
		}
		if r.ContentLength > limit {
			// Refused from the headers, before a byte is read.
			s.writeError(w, r, rampart.Errorf(rampart.ETOOLARGE, "request body exceeds %d bytes (Content-Length: %d)", limit, r.ContentLength))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := rt.h(w, r, a); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authorize applies an endpoint's access level to an account.
func (s *Server) authorize(r *http.Request, a *rampart.Account, access int) error {
	coll := s.Coord.CollectionID
	switch access {
	case accessRead:
		if !a.CanRead(coll) {
			return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not read the coordination collection %s", a.Name, coll)
		}
	case accessWrite:
		if !a.CanWrite(coll) {
			return rampart.Errorf(rampart.EFORBIDDEN, "account %q may not write to the coordination collection %s", a.Name, coll)
		}
	case accessAdmin:
		if !a.Admin {
			return rampart.Errorf(rampart.EFORBIDDEN, "account %q is not an administrator: %s is for administrators only", a.Name, r.URL.Path)
		}
	}
	return nil
}

// errorBody is the JSON of an error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err as JSON; internal errors are logged in full
// and reported as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	status := rampart.HTTPStatus(rampart.ErrorCode(err))
	body.Error.Code, body.Error.Message = rampart.ErrorCode(err), rampart.ErrorMessage(err)
	var se *endpoint.StatusError
	if errors.As(err, &se) {
		status, body.Error.Code, body.Error.Message = se.Status, rampart.EINVALID, se.Message
	}
	if status == http.StatusInternalServerError {
		if endpoint.ClientGone(r, err) {
			s.logger().Info("client gone", "method", r.Method, "path", r.URL.Path, "err", err)
		} else {
			s.logger().Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	if status >= 400 {
		endpoint.CloseIfUnread(w, r)
	}
	if status == http.StatusUnauthorized {
		httpauth.Challenge(w.Header(), "Rampart")
	}
	rampart.SetRetryAfter(w.Header(), err)
	s.writeJSON(w, status, body)
}

// writeJSON answers with v.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		s.logger().Error("encode answer", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readJSON decodes the request body into v, refusing unknown members so
// that a misspelt field is an error rather than silently ignored.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return endpoint.Errorf(http.StatusUnsupportedMediaType, "send application/json (got %q)", ct)
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v, json.RejectUnknownMembers(true)); err != nil {
		return rampart.Errorf(rampart.EINVALID, "request body: %s", jsonError(err, data))
	}
	return nil
}

// readBody reads the request body whole: a body over its limit is
// ETOOLARGE (413), one sent too slowly 408.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	var pe *endpoint.PaceError
	switch {
	case errors.As(err, &mbe):
		return nil, rampart.Errorf(rampart.ETOOLARGE, "request body exceeds %d bytes", mbe.Limit)
	case errors.As(err, &pe):
		return nil, endpoint.Errorf(http.StatusRequestTimeout, "%v", err)
	case err != nil:
		return nil, rampart.Errorf(rampart.EINVALID, "read request body: %v", err)
	}
	return data, nil
}

// jsonError words a decoding error with the member and, for syntax errors,
// the line and column.
func jsonError(err error, data []byte) string {
	var se *json.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		if se.Err != nil {
			return fmt.Sprintf("member %s: %v", se.JSONPointer, se.Err)
		}
		return fmt.Sprintf("member %s: unknown member or wrong type (JSON %s)", se.JSONPointer, se.JSONKind)
	}
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		line, col := 1, 1
		for _, c := range data[:min(int(sy.ByteOffset), len(data))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("malformed JSON at %d:%d: %v", line, col, sy.Err)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// handleIndex lists the endpoints.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	s.writeJSON(w, http.StatusOK, map[string]any{
		"title":   "Rampart node API",
		"account": a.Name,
		"endpoints": []string{
			"GET /api/v1/incidents?member_state=&overdue=&closed=", "POST /api/v1/incidents",
			"GET /api/v1/incidents/{id}", "PATCH /api/v1/incidents/{id}",
			"POST /api/v1/incidents/{id}/timeline", "POST /api/v1/incidents/{id}/reports",
			"GET /api/v1/incidents/{id}/joint",
			"GET|POST /api/v1/incidents/{id}/attribution?limit=",
			"GET /api/v1/alerts?rule=&severity=&member_state=&since=", "GET /api/v1/alerts/{id}", "GET /api/v1/alerts/rules",
			"GET /api/v1/watchlists", "GET|PUT|DELETE /api/v1/watchlists/{name}",
			"GET /api/v1/statements", "GET /api/v1/statements/{id}",
			"POST /api/v1/attribution",
			"POST /api/v1/observations?format=jsonl|stix|zeek|csv&mapping=&collection=&window=",
			"GET /api/v1/stream?after=&limit=&wait=&type=&collection=",
			"GET|POST /api/v1/stream/webhooks", "DELETE /api/v1/stream/webhooks/{id}",
			"GET /api/v1/exports/{suricata|rpz|blocklist|csv|stix}?collection=&kind=&min_confidence=&marking=&producer=&max_age=&include_decayed=",
			"GET /api/v1/indicators/{id}/score",
			"POST /api/v1/indicators/{id}/false-positives",
			"GET /api/v1/audit?object=&org=&since=&after=&limit=",
			"GET /api/v1/log/head", "GET /api/v1/log/inclusion?hash=|id=&size=",
			"GET /api/v1/log/consistency?first=&second=", "GET /api/v1/log/entries?start=&end=",
			"GET /api/v1/feeds", "GET /api/v1/feeds/{name}/runs",
			"GET " + MISPFeedPath + "manifest.json|hashes.csv|{event uuid}.json",
		},
	})
	return nil
}
