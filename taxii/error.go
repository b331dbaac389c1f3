package taxii

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/endpoint"
	"github.com/rampart-cti/rampart/internal/httpauth"
)

// errorTitle is the error resource's title for an HTTP status.
func errorTitle(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "ProcessingError"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusNotAcceptable:
		return "NotAcceptable"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusRequestEntityTooLarge:
		return "RequestEntityTooLarge"
	case http.StatusUnsupportedMediaType:
		return "UnsupportedMediaType"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	}
	return "InternalError"
}

// WriteError answers with the TAXII error resource for err, as the
// server's own endpoints do: for handlers mounted next to the server's, so
// that every error a node sends has one form and one status mapping.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.writeError(w, r, err)
}

// writeError answers with the TAXII error resource for err. Internal errors
// are logged in full and reported as "internal error"; a request whose
// client went away is logged at INFO, as nothing is wrong with the node.
// A POST that stopped after storing part of its objects (partialError)
// names its status in the description and in details["status_id"].
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, rampart.ErrorMessage(err)
	var se *endpoint.StatusError
	if errors.As(err, &se) {
		status, msg = se.Status, se.Message
	} else {
		status = rampart.HTTPStatus(rampart.ErrorCode(err))
	}
	switch {
	case endpoint.ClientGone(r, err):
		s.logger().Info("client gone", "method", r.Method, "path", r.URL.Path, "err", err)
	case status == http.StatusInternalServerError:
		s.logger().Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status >= 400 {
		endpoint.CloseIfUnread(w, r)
	}
	if status == http.StatusUnauthorized {
		httpauth.Challenge(w.Header(), "Rampart TAXII")
	}
	rampart.SetRetryAfter(w.Header(), err)
	res := ErrorResource{
		Title:       errorTitle(status),
		Description: msg,
		HTTPStatus:  strconv.Itoa(status),
	}
	var pe *partialError
	if errors.As(err, &pe) {
		res.Description = fmt.Sprintf("%s; %s stored before that: status %s lists what was stored and what was not", msg, objectCount(pe.status.SuccessCount), pe.status.ID)
		res.Details = map[string]string{"status_id": pe.status.ID}
	}
	s.writeJSON(w, status, res)
}
