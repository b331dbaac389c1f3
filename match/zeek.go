package match

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ZeekReader reads Zeek's logs (conn, dns, http, ssl, files, x509 and any
// other). Tab-separated logs are driven by the header: #separator,
// #set_separator, #empty_field, #unset_field, #path and #fields; the
// mapping for the #path (zeek-conn, zeek-dns, …) is used unless one is
// given. Set and vector fields give one field per element. JSON logs (one
// object per line, as LogAscii::use_json writes them) take the mapping of
// their _path, or else of the log whose fields the first line holds.
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
	// json reads a JSON log, once its first line has told which.
	json *JSONLinesReader
}

// NewZeekReader returns a reader of r; m may be nil to choose the built-in
// mapping by the log's #path.
func NewZeekReader(r io.Reader, m *Mapping) *ZeekReader {
	return &ZeekReader{lr: newLineReader(r), mapping: m, explicit: m != nil, sep: "\t", setSep: ",", empty: "(empty)", unset: "-", timeCol: -1, Now: time.Now}
}

// Next implements Reader.
func (z *ZeekReader) Next() (*Record, error) {
	if z.json != nil {
		return z.json.Next()
	}
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
		if line[0] == '{' && z.keys == nil {
			// A JSON log.
			m := z.mapping
			if !z.explicit {
				m, _ = LoadMapping("zeek-" + zeekLogOf(b))
			}
			z.json = &JSONLinesReader{lr: z.lr, fr: newFieldResolver(m), Now: z.Now}
			return z.json.parse(b)
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

// zeekLogOf tells which Zeek log a JSON line comes from: its _path, or
// else the fields only that log has; "" when none says.
func zeekLogOf(line []byte) string {
	var fields map[string]jsontext.Value
	if json.Unmarshal(line, &fields) != nil {
		return ""
	}
	if p, ok := fields["_path"]; ok {
		var s string
		if json.Unmarshal(p, &s) == nil {
			return s
		}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := fields[n]; ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("certificate.subject", "certificate.serial"):
		return "x509"
	case has("fuid") && has("mime_type", "md5", "sha1", "analyzers", "seen_bytes"):
		return "files"
	case has("query", "qtype_name", "trans_id"):
		return "dns"
	case has("server_name", "cipher", "cert_chain_fuids"):
		return "ssl"
	case has("method", "uri", "user_agent", "status_code"):
		return "http"
	case has("conn_state", "history", "orig_bytes"):
		return "conn"
	}
	return ""
}
