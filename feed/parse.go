package feed

import (
	"bytes"
	"encoding/csv"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart-cti/rampart/stix"
)

// Entry is one value read from a feed's body.
type Entry struct {
	// Line is where the record begins in the body, from 1.
	Line  int
	Kind  Kind
	Value string // canonical (Normalize)
	// Description, FirstSeen (zero when the feed gives none) and TLP
	// (TLPUnmarked when the record names none) come from the optional
	// columns.
	Description string
	FirstSeen   time.Time
	TLP         stix.TLP
}

// LineError is a record that could not be read: it fails alone.
type LineError struct {
	Line   int
	Reason string
	// Skipped is a record read well whose value is of a kind the feed
	// does not turn into indicators (an OTX "CVE"), counted apart from
	// failures.
	Skipped bool
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// BodyError is a body that cannot be read at all, or past a point: HTML
// where CSV was expected, binary data, JSON broken at Line. Entries read
// before it stay good.
type BodyError struct {
	Line   int // 0 when the body as a whole is refused
	Reason string
}

func (e *BodyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("body unreadable from line %d: %s", e.Line, e.Reason)
	}
	return "body unreadable: " + e.Reason
}

// Parse reads the values of a body in f's format (csv, list, json or
// jsonl). It yields an Entry for each value read, a *LineError for each
// record that fails alone (the rest go on), and at most one *BodyError,
// last, when the body cannot be read further.
func Parse(f *Feed, body []byte) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if err := sniff(body); err != nil {
			yield(Entry{}, err)
			return
		}
		switch f.Format {
		case FormatCSV, FormatList:
			parseText(f, body, yield)
		case FormatJSON, FormatJSONL:
			parseJSON(f, body, yield)
		default:
			yield(Entry{}, &BodyError{Reason: fmt.Sprintf("format %q is not read by Parse", f.Format)})
		}
	}
}

// sniff refuses bodies that are plainly not a feed: binary data, an HTML
// page (a login or error page answered with 200).
func sniff(body []byte) error {
	head := body[:min(len(body), 4096)]
	if bytes.IndexByte(head, 0) >= 0 {
		return &BodyError{Reason: "binary data (NUL bytes), not a text feed"}
	}
	if !utf8.Valid(head[:max(0, len(head)-utf8.UTFMax)]) {
		return &BodyError{Reason: "not UTF-8 text"}
	}
	t := bytes.ToLower(bytes.TrimSpace(head[:min(len(head), 512)]))
	if bytes.HasPrefix(t, []byte("<!doctype html")) || bytes.HasPrefix(t, []byte("<html")) {
		return &BodyError{Reason: "an HTML page, not a feed (a login or error page?)"}
	}
	return nil
}

// record is one record's fields, by column or by path.
type record interface {
	field(spec string) (string, bool)
}

// entryOf reads the value and optional fields of a record.
func entryOf(f *Feed, line int, r record) (Entry, error) {
	e := Entry{Line: line}
	raw, ok := firstField(r, f.Value, "value")
	if !ok || strings.TrimSpace(raw) == "" {
		return e, &LineError{Line: line, Reason: fmt.Sprintf("no value in %s", describeSpec(f.Value, "value"))}
	}
	if f.Prefix != "" {
		if p, ok := firstField(r, f.Prefix, ""); ok && strings.TrimSpace(p) != "" {
			raw = strings.TrimSpace(raw) + "/" + strings.TrimSpace(p)
		}
	}
	kind := f.Kind
	if f.Prefix != "" && (kind == "" || kind == KindAuto) {
		kind = KindCIDR
	}
	if f.KindField != "" {
		word, _ := firstField(r, f.KindField, "")
		k, known := KindOf(word)
		if !known {
			return e, &LineError{Line: line, Reason: fmt.Sprintf("type %q is not a kind of value this feed turns into indicators", clip(word)), Skipped: true}
		}
		kind = k
	}
	k, v, err := Normalize(kind, raw)
	if err != nil {
		return e, &LineError{Line: line, Reason: err.Error()}
	}
	e.Kind, e.Value = k, v
	var words []string
	for _, spec := range splitList(f.Description, ",") {
		if s, ok := firstField(r, spec, ""); ok {
			if s = strings.TrimSpace(s); s != "" && s != "-" {
				words = append(words, s)
			}
		}
	}
	if f.Port != "" {
		if p, ok := firstField(r, f.Port, ""); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 && n < 65536 {
				words = append(words, "port "+strconv.Itoa(n))
			}
		}
	}
	e.Description = strings.Join(words, "; ")
	if f.FirstSeen != "" {
		if s, ok := firstField(r, f.FirstSeen, ""); ok {
			e.FirstSeen, _ = parseTime(s)
		}
	}
	if f.TLP != "" {
		if s, ok := firstField(r, f.TLP, ""); ok {
			e.TLP, _ = stix.ParseTLP(strings.TrimSpace(s))
		}
	}
	return e, nil
}

// firstField returns the first of the "|"-separated specs the record has.
func firstField(r record, specs, def string) (string, bool) {
	if specs == "" {
		specs = def
	}
	if specs == "" {
		return "", false
	}
	for _, spec := range splitList(specs, "|") {
		if v, ok := r.field(spec); ok && strings.TrimSpace(v) != "" {
			return v, true
		}
	}
	return "", false
}

func describeSpec(spec, def string) string {
	if spec == "" {
		spec = def
	}
	return fmt.Sprintf("%q", spec)
}

func splitList(s, sep string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// timeLayouts are the ways feeds write when they first saw a value.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"Monday January 2 2006 15:04:05.9999",
	time.RFC1123,
	time.RFC1123Z,
}

// parseTime reads a timestamp in one of timeLayouts (UTC when it names no
// zone) or as Unix seconds.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 0 && n < math.MaxInt32*4 {
			return time.Unix(n, 0).UTC(), true
		}
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Text formats (csv, list).

type row struct {
	cols   []string
	header map[string]int
}

func (r row) field(spec string) (string, bool) {
	if i, err := strconv.Atoi(spec); err == nil {
		switch {
		case i > 0 && i <= len(r.cols):
			return r.cols[i-1], true
		case i < 0 && -i <= len(r.cols):
			return r.cols[len(r.cols)+i], true
		}
		return "", false
	}
	if i, ok := r.header[strings.ToLower(spec)]; ok && i < len(r.cols) {
		return r.cols[i], true
	}
	return "", false
}

func parseText(f *Feed, body []byte, yield func(Entry, error) bool) {
	sep := f.Separator
	switch sep {
	case "":
		sep = ","
	case `\t`, "tab":
		sep = "\t"
	}
	var header map[string]int
	if len(f.Columns) > 0 {
		header = columnIndex(f.Columns)
	}
	needHeader := f.Header && f.Format == FormatCSV
	ff := *f
	if ff.Value == "" {
		ff.Value = "1"
	}
	line := 0
	for len(body) > 0 {
		line++
		var text []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			text, body = body[:i], body[i+1:]
		} else {
			text, body = body, nil
		}
		s := strings.TrimSpace(string(bytes.TrimSuffix(text, []byte("\r"))))
		if s == "" || f.Comment != "" && strings.HasPrefix(s, f.Comment) {
			continue
		}
		var r row
		if f.Format == FormatList {
			r.cols = []string{s}
		} else {
			cols, err := splitRow(s, sep)
			if err != nil {
				if !yield(Entry{}, &LineError{Line: line, Reason: err.Error()}) {
					return
				}
				continue
			}
			r.cols = cols
		}
		if needHeader {
			header, needHeader = columnIndex(r.cols), false
			continue
		}
		r.header = header
		e, err := entryOf(&ff, line, r)
		if !yield(e, err) {
			return
		}
	}
}

func columnIndex(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if _, dup := m[n]; !dup {
			m[n] = i
		}
	}
	return m
}

// splitRow splits one line at sep, with CSV quoting when the line has
// quotes; fields are trimmed of spaces.
func splitRow(s, sep string) ([]string, error) {
	var cols []string
	if strings.Contains(s, `"`) && utf8.RuneCountInString(sep) == 1 {
		cr := csv.NewReader(strings.NewReader(s))
		cr.Comma, _ = utf8.DecodeRuneInString(sep)
		cr.LazyQuotes = true
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("column %d: %v", pe.Column, pe.Err)
			}
			return nil, err
		}
		cols = rec
	} else {
		cols = strings.Split(s, sep)
	}
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols, nil
}

// JSON formats.

type object struct {
	v      any
	parent any
}

func (o object) field(spec string) (string, bool) {
	v := o.v
	if rest, ok := strings.CutPrefix(spec, "^"); ok {
		v, spec = o.parent, rest
	}
	for _, part := range strings.Split(spec, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func parseJSON(f *Feed, body []byte, yield func(Entry, error) bool) {
	spec := f.Value
	if spec == "" {
		spec = "value"
	}
	ff := *f
	ff.Value = spec
	lines := newLineIndex(body)
	one := func(line int, v any) bool {
		obj, ok := v.(map[string]any)
		if !ok {
			return yield(Entry{}, &LineError{Line: line, Reason: fmt.Sprintf("a record must be a JSON object, not %s", jsonKind(v))})
		}
		if f.Records == "" {
			e, err := entryOf(&ff, line, object{v: obj})
			return yield(e, err)
		}
		inner, ok := obj[f.Records].([]any)
		if !ok {
			if _, present := obj[f.Records]; present {
				return yield(Entry{}, &LineError{Line: line, Reason: fmt.Sprintf("field %q is not an array", f.Records)})
			}
			return true // an object without records holds no value
		}
		for _, r := range inner {
			ro, ok := r.(map[string]any)
			var e Entry
			var err error
			if !ok {
				err = &LineError{Line: line, Reason: fmt.Sprintf("a record of %q must be a JSON object, not %s", f.Records, jsonKind(r))}
			} else {
				e, err = entryOf(&ff, line, object{v: ro, parent: obj})
			}
			if !yield(e, err) {
				return false
			}
		}
		return true
	}
	if f.Format == FormatJSONL {
		line := 0
		for len(body) > 0 {
			line++
			var text []byte
			if i := bytes.IndexByte(body, '\n'); i >= 0 {
				text, body = body[:i], body[i+1:]
			} else {
				text, body = body, nil
			}
			text = bytes.TrimSpace(text)
			if len(text) == 0 {
				continue
			}
			var v any
			if err := json.Unmarshal(text, &v); err != nil {
				if !yield(Entry{}, &LineError{Line: line, Reason: "malformed JSON: " + shortJSONError(err)}) {
					return
				}
				continue
			}
			if !one(line, v) {
				return
			}
		}
		return
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	array := dec.PeekKind() == '['
	if array {
		if _, err := dec.ReadToken(); err != nil {
			yield(Entry{}, &BodyError{Line: 1, Reason: shortJSONError(err)})
			return
		}
	}
	for {
		if array && dec.PeekKind() == ']' {
			break
		}
		off := dec.InputOffset()
		at := lines.at(off + leadingSpace(body[off:]))
		val, err := dec.ReadValue()
		if !array && err == io.EOF {
			break
		}
		if err != nil {
			yield(Entry{}, &BodyError{Line: at, Reason: "malformed JSON: " + shortJSONError(err)})
			return
		}
		var v any
		if err := json.Unmarshal(val, &v); err != nil {
			yield(Entry{}, &BodyError{Line: at, Reason: "malformed JSON: " + shortJSONError(err)})
			return
		}
		if !one(at, v) {
			return
		}
	}
	if array {
		if _, err := dec.ReadToken(); err != nil {
			yield(Entry{}, &BodyError{Line: lines.at(dec.InputOffset()), Reason: "malformed JSON: " + shortJSONError(err)})
			return
		}
		if _, err := dec.ReadToken(); err != io.EOF {
			yield(Entry{}, &BodyError{Line: lines.at(dec.InputOffset()), Reason: "malformed JSON: data after the end of the array"})
		}
	}
}

func leadingSpace(b []byte) int64 {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t' || b[n] == '\n' || b[n] == '\r' || b[n] == ',') {
		n++
	}
	return int64(n)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "a value"
}

func shortJSONError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "jsontext: ")
	s = strings.TrimPrefix(s, "json: ")
	return s
}

// lineIndex finds the line of a byte offset.
type lineIndex []int64 // offsets of line starts

func newLineIndex(b []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range b {
		if c == '\n' {
			idx = append(idx, int64(i+1))
		}
	}
	return idx
}

func (idx lineIndex) at(off int64) int {
	lo, hi := 0, len(idx)
	for lo < hi {
		m := (lo + hi) / 2
		if idx[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
