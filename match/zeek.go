package match

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ZeekReader reads Zeek's tab-separated logs (conn, dns, http, ssl, files
// and any other), driven by the header: #separator, #set_separator,
// #empty_field, #unset_field, #path and #fields. The mapping for the
// #path (zeek-conn, zeek-dns, …) is used unless one is given. Set and
// vector fields give one field per element.
type ZeekReader struct {
	lr       *lineReader
	mapping  *Mapping
	fr       *fieldResolver
	sep      string
	setSep   string
	empty    string
	unset    string
	path     string
	keys     []*Key
	timeCol  int
	rec      Record
	Now      func() time.Time
	explicit bool
}

// NewZeekReader returns a reader of r; m may be nil to choose the built-in
// mapping by the log's #path.
func NewZeekReader(r io.Reader, m *Mapping) *ZeekReader {
	return &ZeekReader{lr: newLineReader(r), mapping: m, explicit: m != nil, sep: "\t", setSep: ",", empty: "(empty)", unset: "-", timeCol: -1, Now: time.Now}
}

// Next implements Reader.
func (z *ZeekReader) Next() (*Record, error) {
	for {
		b, tooLong, err := z.lr.next()
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, &LineError{z.lr.line, fmt.Errorf("line longer than MaxLineBytes (%d)", MaxLineBytes)}
		}
		line := string(b)
		if line == "" {
			continue
		}
		if line[0] == '#' {
			if err := z.header(line); err != nil {
				return nil, &LineError{z.lr.line, err}
			}
			continue
		}
		if z.keys == nil {
			return nil, &LineError{z.lr.line, fmt.Errorf("data before the #fields header")}
		}
		cols := strings.Split(line, z.sep)
		if len(cols) != len(z.keys) {
			return nil, &LineError{z.lr.line, fmt.Errorf("%d columns, the #fields header names %d", len(cols), len(z.keys))}
		}
		r := &z.rec
		r.Fields, r.Time, r.Line, r.obs = r.Fields[:0], time.Time{}, z.lr.line, nil
		for i, v := range cols {
			if v == z.unset || v == z.empty || v == "" {
				continue
			}
			if i == z.timeCol {
				t, err := parseTime(v)
				if err != nil {
					return nil, &LineError{z.lr.line, err}
				}
				r.Time = t
				continue
			}
			k := z.keys[i]
			if k == nil {
				continue
			}
			if strings.Contains(v, z.setSep) && z.setSep != "" {
				for _, e := range strings.Split(v, z.setSep) {
					if e != "" {
						r.Fields = append(r.Fields, scalarField(k, e))
					}
				}
				continue
			}
			r.Fields = append(r.Fields, scalarField(k, v))
		}
		if r.Time.IsZero() {
			r.Time = z.Now().UTC()
		}
		return r, nil
	}
}

func (z *ZeekReader) header(line string) error {
	name, val, _ := strings.Cut(line[1:], z.sep)
	if strings.HasPrefix(line, "#separator ") {
		name, val = "separator", strings.TrimPrefix(line, "#separator ")
	}
	switch name {
	case "separator":
		s, err := unescapeZeek(val)
		if err != nil || s == "" {
			return fmt.Errorf("#separator %q is not a separator", val)
		}
		z.sep = s
	case "set_separator":
		z.setSep, _ = unescapeZeek(val)
	case "empty_field":
		z.empty = val
	case "unset_field":
		z.unset = val
	case "path":
		z.path = val
		if !z.explicit {
			m, err := LoadMapping("zeek-" + val)
			if err != nil {
				m = nil // unknown log: object-path column names only
			}
			z.mapping = m
		}
	case "fields":
		z.fr = newFieldResolver(z.mapping)
		z.fr.time = map[string]bool{"ts": true}
		if z.mapping != nil && z.mapping.Time != "" {
			z.fr.time = map[string]bool{z.mapping.Time: true}
		}
		names := strings.Split(val, z.sep)
		z.keys = make([]*Key, len(names))
		z.timeCol = -1
		for i, n := range names {
			if z.fr.time[n] {
				z.timeCol = i
				continue
			}
			z.keys[i] = z.fr.key(n)
		}
	}
	return nil
}

// unescapeZeek decodes the \xNN escapes Zeek writes in headers.
func unescapeZeek(s string) (string, error) {
	if !strings.Contains(s, `\x`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}
