package export

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-cti/rampart/stix"
)

// Defaults of SuricataOptions.
const (
	DefaultSIDBase  = 1_000_000_000
	DefaultSIDRange = 1_000_000_000
	DefaultChunk    = 500
	// MaxMsgBytes bounds the indicator's name in a rule's msg.
	MaxMsgBytes = 160
)

// SuricataOptions are the choices of WriteSuricata.
type SuricataOptions struct {
	// SIDBase and SIDRange bound the rules' sids: each is SIDBase plus a
	// hash of the indicator id and what the rule matches, modulo SIDRange
	// (DefaultSIDBase and DefaultSIDRange when 0). The sum must stay below
	// 2^32.
	SIDBase, SIDRange uint32
	// Chunk is the most addresses one rule lists (DefaultChunk when 0);
	// an indicator with more gets several rules.
	Chunk int
	// ListPrefix begins the names of the hash list files the rules name
	// ("rampart-" when empty): rampart-md5.list, rampart-sha1.list,
	// rampart-sha256.list (SuricataLists).
	ListPrefix string
}

func (o *SuricataOptions) defaults() {
	if o.SIDBase == 0 {
		o.SIDBase = DefaultSIDBase
	}
	if o.SIDRange == 0 {
		o.SIDRange = DefaultSIDRange
	}
	if o.Chunk <= 0 {
		o.Chunk = DefaultChunk
	}
	if o.ListPrefix == "" {
		o.ListPrefix = "rampart-"
	}
}

// Check reports options whose sids would not fit in 32 bits.
func (o SuricataOptions) Check() error {
	o.defaults()
	if uint64(o.SIDBase)+uint64(o.SIDRange) > 1<<32 {
		return fmt.Errorf("sid base %d plus range %d exceeds 2^32", o.SIDBase, o.SIDRange)
	}
	return nil
}

// ListName returns the name of the list file of a hash kind.
func (o SuricataOptions) ListName(k Kind) string {
	o.defaults()
	return o.ListPrefix + k.String() + ".list"
}

// Stats tells what a writer wrote.
type Stats struct {
	Records int // rules, zone records, lines, rows or objects
	// Unsupported counts, by kind, the entries the format cannot carry
	// (e-mail addresses in Suricata rules, URLs in a zone).
	Unsupported map[Kind]int
}

func (st *Stats) unsupported(k Kind) {
	if st.Unsupported == nil {
		st.Unsupported = map[Kind]int{}
	}
	st.Unsupported[k]++
}

// WriteSuricata writes Suricata 7 rules for the indicators of s, one a
// line, after a comment header:
//
//   - addresses and prefixes: "alert ip" between any address and the
//     indicator's, both ways (<>), at most Chunk a rule;
//   - domains: a DNS rule on dns.query and a TLS rule on tls.sni, each
//     matching the name and its subdomains (dotprefix; content
//     ".name"; nocase; endswith);
//   - URLs: an HTTP rule on http.host and http.uri, both exact;
//   - file hashes: one rule per kind and protocol (HTTP, SMTP) with
//     filemd5, filesha1 or filesha256 naming a list file that
//     SuricataLists gives, to be written beside the rules.
//
// Each indicator's rule says its name and id in msg, its TLP, confidence,
// producer and id in metadata, and has rev from its modified time (Unix
// seconds) and a sid stable for the same indicator and value (see
// SuricataOptions). E-mail addresses have no rule (Stats.Unsupported).
func WriteSuricata(w io.Writer, s *Set, o SuricataOptions) (Stats, error) {
	o.defaults()
	if err := o.Check(); err != nil {
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	r := &ruleWriter{w: bw, o: o, used: map[uint32]bool{}}
	fmt.Fprintf(bw, "# Rampart indicators as Suricata 7 rules: %d indicators, last changed %s.\n", s.WithValues(), s.Newest.UTC().Format(time.RFC3339))
	hashes := map[Kind][]*Indicator{}
	for _, in := range s.Indicators {
		if in.Skip != "" {
			continue
		}
		var ips []string
		for _, e := range in.Entries {
			switch {
			case e.Kind.IsIP():
				ips = append(ips, e.Value)
			case e.Kind == KindDomain:
				r.domain(in, "dns", "dns.query", e.Value)
				r.domain(in, "tls", "tls.sni", e.Value)
			case e.Kind == KindURL:
				r.url(in, e.Value)
			case e.Kind.IsHash():
				if l := hashes[e.Kind]; len(l) == 0 || l[len(l)-1] != in {
					hashes[e.Kind] = append(hashes[e.Kind], in)
				}
			default:
				r.stats.unsupported(e.Kind)
			}
		}
		for i := 0; i < len(ips); i += o.Chunk {
			chunk := ips[i:min(i+o.Chunk, len(ips))]
			key := in.ID + "|ip|" + strconv.Itoa(i/o.Chunk)
			r.rule("alert ip any any <> ["+strings.Join(chunk, ",")+"] any", key, msgOf(in), "", meta(in), revOf(in.Modified))
		}
	}
	for _, k := range []Kind{KindMD5, KindSHA1, KindSHA256} {
		ins := hashes[k]
		if len(ins) == 0 {
			continue
		}
		// One list for every indicator: the rule speaks for the strictest
		// TLP and the lowest confidence among them.
		level, conf, rev := stix.TLPUnmarked, 101, time.Time{}
		for _, in := range ins {
			level = max(level, in.TLP)
			if in.Confidence >= 0 {
				conf = min(conf, in.Confidence)
			}
			if in.Modified.After(rev) {
				rev = in.Modified
			}
		}
		m := "tlp " + tlpWord(level)
		if conf <= 100 {
			m += ", confidence " + strconv.Itoa(conf)
		}
		msg := fmt.Sprintf("Rampart file %s list (%d indicators)", strings.ToUpper(k.String()), len(ins))
		if len(ins) == 1 {
			msg = fmt.Sprintf("Rampart file %s list (1 indicator)", strings.ToUpper(k.String()))
		}
		for _, proto := range []string{"http", "smtp"} {
			r.rule("alert "+proto+" any any -> any any", "file|"+k.String()+"|"+proto, msg, "file"+k.String()+":"+o.ListName(k)+"; ", m, revOf(rev))
		}
	}
	if err := bw.Flush(); err != nil {
		return r.stats, fmt.Errorf("write rules: %v", err)
	}
	return r.stats, nil
}

// SuricataLists returns the hash list files the rules of WriteSuricata
// name, by file name: one hash a line, each once.
func SuricataLists(s *Set, o SuricataOptions) map[string][]byte {
	out := map[string][]byte{}
	for _, k := range []Kind{KindMD5, KindSHA1, KindSHA256} {
		es := s.Entries(k)
		if len(es) == 0 {
			continue
		}
		var b strings.Builder
		for _, e := range es {
			b.WriteString(e.Value)
			b.WriteByte('\n')
		}
		out[o.ListName(k)] = []byte(b.String())
	}
	return out
}

// ruleWriter writes rules with unique sids.
type ruleWriter struct {
	w     *bufio.Writer
	o     SuricataOptions
	used  map[uint32]bool
	stats Stats
}

// sid returns the sid of a rule's key: stable while the key is, and
// unique in the output (a collision moves on to the next free sid).
func (r *ruleWriter) sid(key string) uint32 {
	h := fnv.New64a()
	h.Write([]byte(key))
	off := uint32(h.Sum64() % uint64(r.o.SIDRange))
	for i := uint32(0); i < r.o.SIDRange; i++ {
		sid := r.o.SIDBase + (off+i)%r.o.SIDRange
		if !r.used[sid] {
			r.used[sid] = true
			return sid
		}
	}
	return r.o.SIDBase // the range is full: Suricata reports the duplicate
}

// rule writes one rule: header, msg, the match options (each ending in
// "; "), metadata, sid and rev.
func (r *ruleWriter) rule(header, key, msg, match, metadata string, rev uint32) {
	fmt.Fprintf(r.w, "%s (msg:\"%s\"; %smetadata:%s; sid:%d; rev:%d;)\n", header, msg, match, metadata, r.sid(key), rev)
	r.stats.Records++
}

func (r *ruleWriter) domain(in *Indicator, proto, buffer, d string) {
	r.rule("alert "+proto+" any any -> any any", in.ID+"|"+proto+"|"+d, msgOf(in),
		buffer+"; dotprefix; content:\""+content("."+d)+"\"; nocase; endswith; ", meta(in), revOf(in.Modified))
}

func (r *ruleWriter) url(in *Indicator, s string) {
	u, err := url.Parse(s)
	if err != nil {
		r.stats.unsupported(KindURL)
		return
	}
	uri := u.RequestURI()
	r.rule("alert http any any -> any any", in.ID+"|http|"+s, msgOf(in),
		"flow:established,to_server; http.host; content:\""+content(u.Hostname())+"\"; startswith; endswith; http.uri; content:\""+content(uri)+"\"; startswith; endswith; ",
		meta(in), revOf(in.Modified))
}

// content escapes a value for a content option: the bytes a rule gives a
// meaning to (" ; \ |), and any byte that is not printable ASCII, as |hex|.
func content(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 0x7f || c == '"' || c == ';' || c == '\\' || c == '|' {
			fmt.Fprintf(&b, "|%02x|", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// msgOf returns a rule's msg for an indicator: its name, cleaned of what
// a rule would read as syntax, and its id.
func msgOf(in *Indicator) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\'':
			return '`'
		case r == ';' || r == '|':
			return ','
		case r == '\\':
			return '/'
		case !unicode.IsPrint(r):
			return ' '
		}
		return r
	}, strings.TrimSpace(in.Name))
	if len(name) > MaxMsgBytes {
		cut := MaxMsgBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "…"
	}
	if name == "" {
		return "Rampart indicator " + in.ID
	}
	return "Rampart " + name + " (" + in.ID + ")"
}

// meta returns a rule's metadata for an indicator: key value pairs.
func meta(in *Indicator) string {
	parts := []string{"tlp " + tlpWord(in.TLP)}
	if in.Confidence >= 0 {
		parts = append(parts, "confidence "+strconv.Itoa(in.Confidence))
	}
	if in.Producer != "" {
		parts = append(parts, "producer "+in.Producer)
	}
	parts = append(parts, "rampart_id "+in.ID)
	return strings.Join(slices.Clip(parts), ", ")
}

// tlpWord returns a TLP level as one lowercase word ("amber+strict",
// "unmarked").
func tlpWord(t stix.TLP) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "TLP:"))
}

// revOf returns a rule's rev: the modified time in Unix seconds, at least
// 1.
func revOf(t time.Time) uint32 {
	s := t.Unix()
	if s < 1 || s > 1<<32-1 {
		return 1
	}
	return uint32(s)
}
