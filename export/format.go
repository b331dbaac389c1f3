package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Formats are the names Write takes, in the order documentation lists
// them.
var Formats = []string{"suricata", "rpz", "blocklist", "csv", "stix"}

// Options are the choices of every format, for Write.
type Options struct {
	Suricata SuricataOptions
	RPZ      RPZOptions
}

// ContentType returns the media type of a format's output, "" for a
// format Write does not know.
func ContentType(format string) string {
	switch format {
	case "suricata", "blocklist":
		return "text/plain; charset=utf-8"
	case "rpz":
		return "text/dns" // RFC 4027: a zone file
	case "csv":
		return "text/csv; charset=utf-8; header=present"
	case "stix":
		return "application/stix+json;version=2.1"
	}
	return ""
}

// Write writes s in the named format (one of Formats). The blocklist is
// every entry of s: name the kinds in the Filter. It returns an error
// naming the format when it does not know it.
func Write(w io.Writer, format string, s *Set, o Options) (Stats, error) {
	switch format {
	case "suricata":
		return WriteSuricata(w, s, o.Suricata)
	case "rpz":
		return WriteRPZ(w, s, o.RPZ)
	case "blocklist":
		return WriteBlocklist(w, s)
	case "csv":
		return WriteCSV(w, s)
	case "stix":
		return WriteSTIX(w, s)
	}
	return Stats{}, fmt.Errorf("%q is not an export format: use %s", format, strings.Join(Formats, ", "))
}

// WriteBlocklist writes every value of s, one a line, each once, in the
// order of the indicators: what firewalls, proxies and resolvers load as
// external lists. Choose the kinds with the Filter (one kind a list is
// what tools expect).
func WriteBlocklist(w io.Writer, s *Set) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, e := range s.Entries() {
		bw.WriteString(e.Value)
		bw.WriteByte('\n')
		st.Records++
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write blocklist: %v", err)
	}
	return st, nil
}

// CSVHeader is the first row of WriteCSV; a scored Set (Set.Scored) adds
// a last column, CSVScore.
var CSVHeader = []string{"indicator_id", "type", "value", "name", "confidence", "tlp", "producer", "valid_from", "valid_until"}

// CSVScore is the name of the score column of a scored Set's CSV.
const CSVScore = "score"

// WriteCSV writes one row per value of each indicator of s (RFC 4180,
// after a CSVHeader row): the indicator's id, the value's kind and the
// value, the indicator's name, confidence (empty when it has none), TLP
// ("TLP:AMBER", "unmarked"), producer, valid_from and valid_until (RFC
// 3339, empty when it has none) and, when the Set was scored, the
// indicator's lifecycle score. A name beginning with = + - or @ is
// prefixed with ' so that a spreadsheet does not read it as a formula.
func WriteCSV(w io.Writer, s *Set) (Stats, error) {
	var st Stats
	cw := csv.NewWriter(w)
	header := CSVHeader
	if s.Scored {
		header = append(slices.Clip(header), CSVScore)
	}
	cw.Write(header)
	for _, in := range s.Indicators {
		if in.Skip != "" {
			continue
		}
		conf := ""
		if in.Confidence >= 0 {
			conf = strconv.Itoa(in.Confidence)
		}
		name := in.Name
		if name != "" && strings.ContainsRune("=+-@\t\r", rune(name[0])) {
			name = "'" + name
		}
		for _, e := range in.Entries {
			row := []string{in.ID, e.Kind.String(), e.Value, name, conf, in.TLP.String(), in.Producer, rfc3339(in.ValidFrom), rfc3339(in.ValidUntil)}
			if s.Scored {
				score := ""
				if in.Score >= 0 {
					score = strconv.FormatFloat(in.Score, 'f', -1, 64)
				}
				row = append(row, score)
			}
			cw.Write(row)
			st.Records++
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return st, fmt.Errorf("write csv: %v", err)
	}
	return st, nil
}

// bundleID returns a bundle id that depends only on the indicators and
// their versions, so that the same content gives the same bytes (and
// ETag): a UUID of version 5's layout over a SHA-256 of the ids and
// modified times.
func bundleID(s *Set) string {
	h := sha256.New()
	for _, in := range s.Indicators {
		fmt.Fprintf(h, "%s %d\n", in.ID, in.Modified.UnixNano())
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return "bundle--" + x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// WriteSTIX writes the indicators of s as one STIX 2.1 bundle, one object
// a line, as they are stored: those whose patterns give no blocklist
// entry too (the Set holds them when its Filter names no kind).
func WriteSTIX(w io.Writer, s *Set) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, `{"type":"bundle","id":%q,"objects":[`, bundleID(s))
	for _, in := range s.Indicators {
		if st.Records > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(in.Raw)
		st.Records++
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write bundle: %v", err)
	}
	return st, nil
}
