package rampart

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error codes. Every error that leaves a node (as an HTTP response, a TAXII
// error resource or a CLI message) is reported under one of these; anything
// that is not an *Error is EINTERNAL and its text stays in the server's log.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many" // too many requests or failures from one client: come back later
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// Error is an error that may be shown to whoever caused it: Message says what
// was wrong in words they can act on, and never holds a secret.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when positive, is how long the client should wait before
	// trying again (ETOOMANY, EUNAVAILABLE): HTTP adapters send it as
	// Retry-After.
	RetryAfter time.Duration
}

// Error returns the message: what a person reads. Programs tell errors
// apart by Code, through errors.As or ErrorCode.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, "" for a nil err
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, "" for a nil
// err and "internal error" for any other error, whose text may hold details
// that must not leave the node.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}

// ErrorRetryAfter returns the RetryAfter of the *Error in err's chain, 0
// when there is none.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// SetRetryAfter adds the Retry-After header of an error answer when err
// says when to try again, in whole seconds rounded up (RFC 9110 §10.2.3).
func SetRetryAfter(h http.Header, err error) {
	if d := ErrorRetryAfter(err); d > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
}

// HTTPStatus returns the HTTP status that reports an error with the code:
// the one place that decides it for every HTTP adapter (TAXII, the JSON
// API). An unknown code is a 500.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ETOOMANY:
		return http.StatusTooManyRequests
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
