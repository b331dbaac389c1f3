// Package endpoint holds what every HTTP endpoint of a node does around
// its handler, so that the TAXII server and the JSON API do it alike:
// dispatching on the request method (405 with an Allow header for the
// others), refusing request URLs that no identifier or filter of a node can
// hold before they reach a store, turning a panic into an error answer,
// and errors that carry an HTTP status for which there is no rampart error
// code. Each server keeps its own error format.
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
)

// StatusError is an error answered with an HTTP status that has no rampart
// error code (405, 406, 415, 422). Its message is shown to the client.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

// Errorf returns a *StatusError with the status and a formatted message.
func Errorf(status int, format string, args ...any) error {
	return &StatusError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Methods is the handlers of one endpoint by request method. It is safe
// for concurrent use.
type Methods[H any] struct {
	handlers map[string]H
	allow    []string
}

// NewMethods returns the dispatch table of an endpoint answering the
// methods of handlers.
func NewMethods[H any](handlers map[string]H) *Methods[H] {
	m := &Methods[H]{handlers: handlers}
	for name := range handlers {
		m.allow = append(m.allow, name)
	}
	slices.Sort(m.allow)
	return m
}

// Find returns the handler for the request's method; GET's handler answers
// HEAD too. For a method the endpoint does not answer it sets the Allow
// header and returns a 405 *StatusError that names the methods allowed.
func (m *Methods[H]) Find(w http.ResponseWriter, r *http.Request) (H, error) {
	h, ok := m.handlers[r.Method]
	if !ok && r.Method == http.MethodHead {
		h, ok = m.handlers[http.MethodGet]
	}
	if !ok {
		w.Header().Set("Allow", strings.Join(m.allow, ", "))
		return h, Errorf(http.StatusMethodNotAllowed, "method %s is not allowed here; use %s", r.Method, strings.Join(m.allow, " or "))
	}
	return h, nil
}

// CheckURL refuses, with EINVALID, a request whose query cannot be parsed
// or whose path or query holds invalid UTF-8 or a control character. No
// identifier, name or filter value of a node holds one, and a store must
// never be asked for one: PostgreSQL refuses such text with an error that
// would otherwise be reported as an internal error (a 500 for bad input).
func CheckURL(r *http.Request) error {
	if !CleanText(r.URL.Path) {
		return rampart.Errorf(rampart.EINVALID, "request path %q holds invalid UTF-8 or a control character", r.URL.Path)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return rampart.Errorf(rampart.EINVALID, "malformed query string %q: %v", r.URL.RawQuery, err)
	}
	for name, values := range q {
		if !CleanText(name) {
			return rampart.Errorf(rampart.EINVALID, "query parameter name %q holds invalid UTF-8 or a control character", name)
		}
		for _, v := range values {
			if !CleanText(v) {
				return rampart.Errorf(rampart.EINVALID, "query parameter %s: value %q holds invalid UTF-8 or a control character", name, v)
			}
		}
	}
	return nil
}

// CleanText reports whether s is valid UTF-8 without control characters
// (C0, DEL, C1), as every identifier, name and filter value a node stores
// or looks up is.
func CleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return false
		}
	}
	return true
}

// Recover, deferred by a handler before anything else, turns a panic into
// report(err), where err names the request and the panic value, so that
// the client gets an internal error answer and the server log the cause.
// http.ErrAbortHandler, with which a handler aborts its response on
// purpose, is raised again.
func Recover(r *http.Request, report func(error)) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	report(fmt.Errorf("panic serving %s %s: %v", r.Method, r.URL.Path, v))
}

// ClientGone reports whether err, met while serving r, means that the
// client went away (it closed the connection, or the request was
// canceled) or was cut for being too slow (a *PaceError), rather than
// that the server failed: such errors are logged at INFO, not as internal
// errors.
func ClientGone(r *http.Request, err error) bool {
	var pe *PaceError
	switch {
	case err == nil:
		return false
	case r.Context().Err() != nil, errors.Is(err, context.Canceled), errors.As(err, &pe):
		return true
	case errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET), errors.Is(err, http.ErrBodyReadAfterClose):
		return true
	}
	return false
}
