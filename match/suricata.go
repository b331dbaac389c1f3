package match

import (
	"bytes"
	json "encoding/json/v2"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// SuricataReader reads Suricata's EVE JSON: one event per line (a
// pretty-printed event over several lines is read too), whatever its
// event_type. What each event names becomes values at STIX object paths:
//
//	src_ip, dest_ip          network-traffic:src_ref.value, network-traffic:dst_ref.value
//	src_port, dest_port      network-traffic:src_port, network-traffic:dst_port
//	proto                    network-traffic:protocols[*] (lower case)
//	dns rrname, queries      domain-name:value
//	dns rdata, answers       domain-name:resolves_to_refs[*].value (A, AAAA, CNAME)
//	http hostname            domain-name:value
//	http hostname + url      url:value (http://hostname/url)
//	http user agent, method  network-traffic:extensions.'http-request-ext'.request_header.'User-Agent', ….request_method
//	tls sni                  domain-name:value
//	tls fingerprint          x509-certificate:hashes.'SHA-1' (hex, colons removed)
//	tls subject, issuerdn    x509-certificate:subject, x509-certificate:issuer
//	tls serial               x509-certificate:serial_number
//	fileinfo filename        file:name
//	fileinfo md5, sha1, sha256, size   file:hashes.MD5, 'SHA-1', 'SHA-256', file:size
//
// The record's time is the event's timestamp (Suricata writes offsets
// without a colon, +0100). A line that is not an event is a *LineError
// with its number; the stream goes on.
type SuricataReader struct {
	lr   *lineReader
	keys Keys
	rec  Record
	// pending holds the lines of an event printed over several lines,
	// begun on line start, with depth braces open.
	pending []byte
	start   int64
	depth   int
	// held is a line read after a broken event, to be read next.
	held []byte
}

// NewSuricataReader returns a reader of the EVE JSON in r.
func NewSuricataReader(r io.Reader) *SuricataReader {
	return &SuricataReader{lr: newLineReader(r)}
}

// eveEvent is the part of an EVE event the reader uses.
type eveEvent struct {
	Timestamp string `json:"timestamp"`
	EventType string `json:"event_type"`
	SrcIP     string `json:"src_ip"`
	SrcPort   int64  `json:"src_port"`
	DestIP    string `json:"dest_ip"`
	DestPort  int64  `json:"dest_port"`
	Proto     string `json:"proto"`
	DNS       *struct {
		RRName  string `json:"rrname"`
		RRType  string `json:"rrtype"`
		RData   string `json:"rdata"`
		Queries []struct {
			RRName string `json:"rrname"`
		} `json:"queries"`
		Answers []struct {
			RRName string `json:"rrname"`
			RRType string `json:"rrtype"`
			RData  string `json:"rdata"`
		} `json:"answers"`
	} `json:"dns"`
	HTTP *struct {
		Hostname  string `json:"hostname"`
		URL       string `json:"url"`
		UserAgent string `json:"http_user_agent"`
		Method    string `json:"http_method"`
	} `json:"http"`
	TLS *struct {
		SNI         string `json:"sni"`
		Subject     string `json:"subject"`
		IssuerDN    string `json:"issuerdn"`
		Serial      string `json:"serial"`
		Fingerprint string `json:"fingerprint"`
	} `json:"tls"`
	Fileinfo *struct {
		Filename string `json:"filename"`
		MD5      string `json:"md5"`
		SHA1     string `json:"sha1"`
		SHA256   string `json:"sha256"`
		Size     int64  `json:"size"`
	} `json:"fileinfo"`
}

// Next implements Reader.
func (s *SuricataReader) Next() (*Record, error) {
	for {
		var b []byte
		var tooLong bool
		var err error
		if s.held != nil {
			b, s.held = s.held, nil
		} else {
			b, tooLong, err = s.lr.next()
		}
		if err == io.EOF && s.pending != nil {
			s.pending = nil
			return nil, &LineError{s.start, fmt.Errorf("the event begun on this line does not end before the input does")}
		}
		if err != nil {
			return nil, err
		}
		if tooLong {
			s.pending = nil
			return nil, &LineError{s.lr.line, fmt.Errorf("line longer than MaxLineBytes (%d)", MaxLineBytes)}
		}
		if s.pending != nil && len(b) > 0 && b[0] == '{' {
			// An event begins at the start of a line, while the one
			// before it never ended: that one is broken.
			s.held = append([]byte(nil), b...)
			s.pending = nil
			return nil, &LineError{s.start, fmt.Errorf("the event begun on this line does not end before the next one begins")}
		}
		if s.pending == nil {
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			s.start, s.depth = s.lr.line, 0
		}
		s.pending = append(s.pending, b...)
		s.pending = append(s.pending, '\n')
		if s.depth = braceDepth(b, s.depth); s.depth > 0 && len(s.pending) <= MaxLineBytes {
			continue // a pretty-printed event goes on
		}
		line := s.pending
		s.pending = nil
		if len(line) > MaxLineBytes {
			return nil, &LineError{s.start, fmt.Errorf("event longer than MaxLineBytes (%d)", MaxLineBytes)}
		}
		var ev eveEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, &LineError{s.start, fmt.Errorf("not an EVE event: %v", shortJSONError(err))}
		}
		r, err := s.record(&ev)
		if err != nil {
			return nil, &LineError{s.start, err}
		}
		return r, nil
	}
}

// braceDepth returns how many braces and brackets are open after line,
// depth being open before it; those inside strings do not count (a JSON
// string never spans lines).
func braceDepth(line []byte, depth int) int {
	inString, escaped := false, false
	for _, c := range line {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			depth++
		case !inString && (c == '}' || c == ']'):
			depth--
		}
	}
	return depth
}

func shortJSONError(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// record turns an event into the reader's record.
func (s *SuricataReader) record(ev *eveEvent) (*Record, error) {
	r := &s.rec
	r.Fields, r.Time, r.Line, r.obs = r.Fields[:0], time.Time{}, s.start, nil
	if ev.Timestamp == "" {
		return nil, fmt.Errorf("event has no timestamp")
	}
	t, err := parseEVETime(ev.Timestamp)
	if err != nil {
		return nil, err
	}
	r.Time = t
	str := func(path, v string) {
		if v != "" {
			k, _ := s.keys.Get(path) // the paths are constants, checked by the tests
			r.Fields = append(r.Fields, StringField(k, v))
		}
	}
	num := func(path string, n int64) {
		if n != 0 {
			k, _ := s.keys.Get(path)
			r.Fields = append(r.Fields, Field{Key: k, Kind: Int, Int: n, Str: strconv.FormatInt(n, 10)})
		}
	}
	str("network-traffic:src_ref.value", ev.SrcIP)
	str("network-traffic:dst_ref.value", ev.DestIP)
	num("network-traffic:src_port", ev.SrcPort)
	num("network-traffic:dst_port", ev.DestPort)
	str("network-traffic:protocols[*]", strings.ToLower(ev.Proto))
	if d := ev.DNS; d != nil {
		str("domain-name:value", strings.TrimSuffix(d.RRName, "."))
		for _, q := range d.Queries {
			str("domain-name:value", strings.TrimSuffix(q.RRName, "."))
		}
		if resolves(d.RRType) {
			str("domain-name:resolves_to_refs[*].value", strings.TrimSuffix(d.RData, "."))
		}
		for _, a := range d.Answers {
			if resolves(a.RRType) {
				str("domain-name:resolves_to_refs[*].value", strings.TrimSuffix(a.RData, "."))
			}
		}
	}
	if h := ev.HTTP; h != nil {
		str("domain-name:value", h.Hostname)
		if h.Hostname != "" && strings.HasPrefix(h.URL, "/") {
			str("url:value", "http://"+h.Hostname+h.URL)
		} else if strings.Contains(h.URL, "://") {
			str("url:value", h.URL)
		}
		str("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", h.UserAgent)
		str("network-traffic:extensions.'http-request-ext'.request_method", h.Method)
	}
	if tl := ev.TLS; tl != nil {
		str("domain-name:value", tl.SNI)
		str("x509-certificate:hashes.'SHA-1'", strings.ToLower(strings.ReplaceAll(tl.Fingerprint, ":", "")))
		str("x509-certificate:subject", tl.Subject)
		str("x509-certificate:issuer", tl.IssuerDN)
		str("x509-certificate:serial_number", tl.Serial)
	}
	if f := ev.Fileinfo; f != nil {
		str("file:name", f.Filename)
		str("file:hashes.MD5", strings.ToLower(f.MD5))
		str("file:hashes.'SHA-1'", strings.ToLower(f.SHA1))
		str("file:hashes.'SHA-256'", strings.ToLower(f.SHA256))
		num("file:size", f.Size)
	}
	return r, nil
}

// resolves reports whether a DNS record type names what a name resolves
// to.
func resolves(rrtype string) bool {
	return rrtype == "A" || rrtype == "AAAA" || rrtype == "CNAME"
}

// parseEVETime reads Suricata's timestamps, 2016-05-24T23:27:01.960780+0000,
// and RFC 3339.
func parseEVETime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not Suricata's (2006-01-02T15:04:05.000000+0000) nor RFC 3339", s)
}
