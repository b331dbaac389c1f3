package match

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/rampart-cti/rampart/pattern"
)

// Reader reads records from a log or feed.
type Reader interface {
	// Next returns the next record, valid until the following call. It
	// returns io.EOF at the end, a *LineError for a malformed record
	// (the next call goes on with the following one), and any other error
	// when the input itself cannot be read further.
	Next() (*Record, error)
}

// LineError is a malformed input record; the stream goes on after it.
type LineError struct {
	Line int64
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// MaxLineBytes is the longest input line accepted; a longer one is a
// malformed record.
const MaxLineBytes = 1 << 20

// lineReader yields lines of at most MaxLineBytes, skipping the rest of
// longer ones.
type lineReader struct {
	r    *bufio.Reader
	line int64
	buf  []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line without its end-of-line, and whether it was
// cut for being too long.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		if len(lr.buf)+len(chunk) <= MaxLineBytes {
			lr.buf = append(lr.buf, chunk...)
		} else {
			tooLong = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(lr.buf) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		lr.line++
		b := bytes.TrimRight(lr.buf, "\r\n")
		return b, tooLong, nil
	}
}

// fieldResolver turns log field names into Keys: object paths as
// themselves, other names through the mapping. It caches by name.
type fieldResolver struct {
	keys    *Keys
	mapping *Mapping
	cache   map[string]fieldInfo
	time    map[string]bool
}

// fieldInfo is what a log field name resolves to: the time, a Key, or
// neither (ignored).
type fieldInfo struct {
	key    *Key
	isTime bool
}

func newFieldResolver(m *Mapping) *fieldResolver {
	fr := &fieldResolver{keys: &Keys{}, mapping: m, cache: map[string]fieldInfo{}, time: map[string]bool{}}
	if m != nil && m.Time != "" {
		fr.time[m.Time] = true
	} else {
		for _, t := range []string{"ts", "timestamp", "time", "@timestamp"} {
			fr.time[t] = true
		}
	}
	return fr
}

func (fr *fieldResolver) key(name string) *Key { return fr.info(name).key }

func (fr *fieldResolver) info(name string) fieldInfo {
	if fi, ok := fr.cache[name]; ok {
		return fi
	}
	// name may point into a reader's buffer: keep only copies.
	name = strings.Clone(name)
	if fr.time[name] {
		fi := fieldInfo{isTime: true}
		fr.cache[name] = fi
		return fi
	}
	var k *Key
	p := ""
	if fr.mapping != nil {
		p = fr.mapping.Fields[name]
	}
	if p == "" && strings.IndexByte(name, ':') > 0 {
		p = name
	}
	if p != "" {
		k, _ = fr.keys.Get(p)
	}
	fi := fieldInfo{key: k}
	if len(fr.cache) < 10000 {
		fr.cache[name] = fi
	}
	return fi
}

// parseTime reads a record time: RFC 3339 text or seconds since 1970.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	if c := s[len(s)-1]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-:T") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor seconds since 1970", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor seconds since 1970", s)
	}
	return t, nil
}

// JSONLinesReader reads JSON lines: one JSON object per line whose members
// are object paths ("domain-name:value") or fields the mapping names, plus
// a time member. Arrays of values give one field per element; other members
// are ignored. Blank lines are skipped.
type JSONLinesReader struct {
	lr  *lineReader
	fr  *fieldResolver
	rec Record
	// Now supplies the time of records without one (default time.Now).
	Now func() time.Time
}

// NewJSONLinesReader returns a reader of r; m may be nil.
func NewJSONLinesReader(r io.Reader, m *Mapping) *JSONLinesReader {
	return &JSONLinesReader{lr: newLineReader(r), fr: newFieldResolver(m), Now: time.Now}
}

// Next implements Reader.
func (jr *JSONLinesReader) Next() (*Record, error) {
	for {
		b, tooLong, err := jr.lr.next()
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, &LineError{jr.lr.line, fmt.Errorf("line longer than MaxLineBytes (%d)", MaxLineBytes)}
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		return jr.parse(b)
	}
}

// parse reads one line, not blank, into the reader's record.
func (jr *JSONLinesReader) parse(b []byte) (*Record, error) {
	{
		r := &jr.rec
		r.Fields, r.Time, r.Line, r.obs = r.Fields[:0], time.Time{}, jr.lr.line, nil
		// The line is read in place: values are substrings of the
		// reader's buffer, valid until the next call (Record says so);
		// Record.Observation copies what it keeps.
		line := unsafe.String(unsafe.SliceData(b), len(b))
		ok, err := jr.scanFlat(line)
		if !ok {
			err = jr.scanGeneric(b)
		}
		if err != nil {
			return nil, &LineError{jr.lr.line, err}
		}
		if r.Time.IsZero() {
			r.Time = jr.Now().UTC()
		}
		return r, nil
	}
}

// scanFlat reads the common shape, a flat object of strings without
// escapes, numbers and booleans, without allocating. It returns false when
// the line needs the general decoder (escapes, nesting, or malformed).
func (jr *JSONLinesReader) scanFlat(s string) (bool, error) {
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false, nil
	}
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == '}' {
		return skipWS(s, i+1) == len(s), nil
	}
	for {
		key, j, ok := scanString(s, i)
		if !ok {
			return false, nil
		}
		i = skipWS(s, j)
		if i >= len(s) || s[i] != ':' {
			return false, nil
		}
		i = skipWS(s, i+1)
		if i >= len(s) {
			return false, nil
		}
		var f Field
		switch c := s[i]; {
		case c == '"':
			v, j, ok := scanString(s, i)
			if !ok {
				return false, nil
			}
			f.Kind, f.Str, i = String, v, j
		case c == 't' && strings.HasPrefix(s[i:], "true"):
			f.Kind, f.Bool, f.Str, i = Bool, true, "true", i+4
		case c == 'f' && strings.HasPrefix(s[i:], "false"):
			f.Kind, f.Str, i = Bool, "false", i+5
		case c == 'n' && strings.HasPrefix(s[i:], "null"):
			i += 4
			f.Kind = 255
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' || s[j] == '+' || s[j] == '-') {
				j++
			}
			num := s[i:j]
			if n, err := strconv.ParseInt(num, 10, 64); err == nil {
				f.Kind, f.Int = Int, n
			} else if x, err := strconv.ParseFloat(num, 64); err == nil {
				f.Kind, f.Float = Float, x
			} else {
				return false, nil
			}
			f.Str, i = num, j
		default:
			return false, nil // nested value: general decoder
		}
		if err := jr.put(key, f); err != nil {
			return true, err
		}
		i = skipWS(s, i)
		if i >= len(s) {
			return false, nil
		}
		if s[i] == '}' {
			if skipWS(s, i+1) != len(s) {
				return false, nil
			}
			return true, nil
		}
		if s[i] != ',' {
			return false, nil
		}
		i = skipWS(s, i+1)
	}
}

// put stores one member: the time, or a field.
func (jr *JSONLinesReader) put(name string, f Field) error {
	fi := jr.fr.info(name)
	if fi.isTime {
		t, err := parseTime(f.Str)
		if err != nil {
			return err
		}
		jr.rec.Time = t
		return nil
	}
	if f.Kind == 255 || fi.key == nil {
		return nil
	}
	f.Key = fi.key
	jr.rec.Fields = append(jr.rec.Fields, f)
	return nil
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// scanString reads a JSON string without escapes starting at s[i] == '"'.
func scanString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		}
	}
	return "", i, false
}

// scanGeneric decodes any JSON object line.
func (jr *JSONLinesReader) scanGeneric(b []byte) error {
	jr.rec.Fields = jr.rec.Fields[:0]
	jr.rec.Time = time.Time{}
	v, err := pattern.DecodeJSON(b)
	if err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New("a record must be a JSON object")
	}
	for name, v := range m {
		vals, ok := v.([]any)
		if !ok {
			vals = []any{v}
		}
		for _, v := range vals {
			var f Field
			switch v := v.(type) {
			case string:
				f.Kind, f.Str = String, v
			case int64:
				f.Kind, f.Int, f.Str = Int, v, strconv.FormatInt(v, 10)
			case float64:
				f.Kind, f.Float, f.Str = Float, v, strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				f.Kind, f.Bool, f.Str = Bool, v, strconv.FormatBool(v)
			default:
				continue
			}
			if err := jr.put(name, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// CSVReader reads comma-separated values with a header row. Column names
// are object paths or fields the mapping names; the time column is the
// mapping's, else ts/timestamp/time.
type CSVReader struct {
	cr     *csv.Reader
	fr     *fieldResolver
	keys   []*Key
	isTime []bool
	rec    Record
	line   int64
	Now    func() time.Time
}

// NewCSVReader returns a reader of r; m may be nil.
func NewCSVReader(r io.Reader, m *Mapping) *CSVReader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &CSVReader{cr: cr, fr: newFieldResolver(m), Now: time.Now}
}

// Next implements Reader.
func (c *CSVReader) Next() (*Record, error) {
	for {
		row, err := c.cr.Read()
		if err == nil && len(row) > 0 {
			line, _ := c.cr.FieldPos(0)
			c.line = int64(line)
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &LineError{int64(pe.Line), pe.Err}
		}
		if err != nil {
			return nil, err
		}
		if c.keys == nil {
			c.keys = make([]*Key, len(row))
			c.isTime = make([]bool, len(row))
			for i, name := range row {
				c.keys[i] = c.fr.key(strings.TrimSpace(name))
				c.isTime[i] = c.fr.time[strings.TrimSpace(name)]
			}
			continue
		}
		r := &c.rec
		r.Fields, r.Time, r.Line, r.obs = r.Fields[:0], time.Time{}, c.line, nil
		for i, v := range row {
			if i >= len(c.keys) || v == "" {
				continue
			}
			if c.isTime[i] {
				t, err := parseTime(v)
				if err != nil {
					return nil, &LineError{c.line, err}
				}
				r.Time = t
				continue
			}
			if c.keys[i] != nil {
				r.Fields = append(r.Fields, scalarField(c.keys[i], strings.Clone(v)))
			}
		}
		if r.Time.IsZero() {
			r.Time = c.Now().UTC()
		}
		return r, nil
	}
}

// scalarField types a text value by the STIX property it fills: integer
// properties (ports, counts, sizes) as Int, everything else as String, so
// a numeric user ID stays the string STIX says it is.
func scalarField(k *Key, v string) Field {
	if intProperty(k) {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return Field{Key: k, Kind: Int, Int: n, Str: v}
		}
	}
	return StringField(k, v)
}

func intProperty(k *Key) bool {
	st := k.Path.Steps
	last := st[len(st)-1].Key
	switch last {
	case "size", "pid", "number", "number_of_subkeys", "subject_public_key_exponent", "src_port", "dst_port":
		return true
	}
	return strings.HasSuffix(last, "_count") || strings.HasSuffix(last, "_packets")
}
