package attribution

import (
	"bufio"
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
)

// ErrQueryTooLarge reports a query line longer than MaxQueryBytes.
var ErrQueryTooLarge = errors.New("query exceeds MaxQueryBytes (1 MiB)")

// ParseQuery reads one query from its JSON text:
//
//	{"id": "inc-1", "techniques": ["T1566.001"], "software": ["S0154"]}
//
// Members other than those of Query are refused, so that a misspelt name
// does not silently drop evidence. It returns ErrQueryTooLarge for text
// over MaxQueryBytes and an error naming the member for a wrong type or
// more than MaxQueryItems items.
func ParseQuery(data []byte) (Query, error) {
	var q Query
	if len(data) > MaxQueryBytes {
		return q, ErrQueryTooLarge
	}
	if err := json.Unmarshal(data, &q, json.RejectUnknownMembers(true)); err != nil {
		return Query{}, fmt.Errorf("query: %s", queryErrorText(err))
	}
	if n := len(q.Techniques) + len(q.Software) + len(q.Indicators) + len(q.Sectors) + len(q.Countries); n > MaxQueryItems {
		return Query{}, fmt.Errorf("query %q: %d evidence items exceed MaxQueryItems (%d)", q.ID, n, MaxQueryItems)
	}
	if q.Limit < 0 {
		return Query{}, fmt.Errorf("query %q: limit must not be negative (got %d)", q.ID, q.Limit)
	}
	return q, nil
}

func queryErrorText(err error) string {
	var se *json.SemanticError
	if errors.As(err, &se) {
		switch {
		case se.JSONPointer != "" && se.Err != nil:
			return fmt.Sprintf("member %s: %v", se.JSONPointer, se.Err)
		case se.JSONPointer != "":
			return fmt.Sprintf("member %s must be %s", se.JSONPointer, kindWord(se.JSONKind, se.GoType != nil && se.GoType.Kind().String() == "slice"))
		}
	}
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		return fmt.Sprintf("malformed JSON at byte %d: %v", sy.ByteOffset, sy.Err)
	}
	return err.Error()
}

func kindWord(got jsontext.Kind, wantList bool) string {
	if wantList {
		return fmt.Sprintf("a list of strings (got %s)", kindName(got))
	}
	return fmt.Sprintf("of another type (got %s)", kindName(got))
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return "a JSON value"
}

// QueryReader reads queries as JSON lines, one query per line; blank lines
// are skipped. It is not safe for concurrent use.
type QueryReader struct {
	r    *bufio.Reader
	line int
}

// NewQueryReader returns a reader of the JSON lines in r.
func NewQueryReader(r io.Reader) *QueryReader {
	return &QueryReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Line returns the number of the line last read, from 1.
func (qr *QueryReader) Line() int { return qr.line }

// Next returns the next query. It returns io.EOF at the end, and a
// *QueryError for a line that is not a valid query (the next call goes on
// with the following line); any other error means the input broke.
func (qr *QueryReader) Next() (Query, error) {
	for {
		line, tooLong, err := qr.readLine()
		if err != nil {
			return Query{}, err
		}
		qr.line++
		if tooLong {
			return Query{}, &QueryError{Line: qr.line, Err: ErrQueryTooLarge}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		q, err := ParseQuery(line)
		if err != nil {
			return Query{}, &QueryError{Line: qr.line, ID: peekQueryID(line), Err: err}
		}
		return q, nil
	}
}

// readLine reads one line; a line over MaxQueryBytes is consumed and
// reported as too long, never held in memory whole.
func (qr *QueryReader) readLine() ([]byte, bool, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := qr.r.ReadSlice('\n')
		if !tooLong {
			buf = append(buf, chunk...)
			if len(buf) > MaxQueryBytes+1 {
				tooLong, buf = true, nil
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && (len(buf) > 0 || tooLong):
			return buf, tooLong, nil
		case err != nil:
			return nil, false, err
		}
		return buf, tooLong, nil
	}
}

func peekQueryID(line []byte) string {
	var h struct {
		ID string `json:"id"`
	}
	json.Unmarshal(line, &h)
	return h.ID
}

// QueryError is a line of a batch that is not a valid query.
type QueryError struct {
	Line int
	ID   string // the query's id, when it could be read
	Err  error
}

func (e *QueryError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *QueryError) Unwrap() error { return e.Err }
