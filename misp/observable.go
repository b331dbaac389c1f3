package misp

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/stix"
)

// observable is what a MISP value says about one STIX cyber-observable:
// its type, its simple properties, its hashes and, for composite values
// (domain|ip, ip-dst|port), the observable it refers to.
type observable struct {
	typ    string
	props  []prop // in pattern order
	hashes []prop
	refs   []link // resolves_to_refs (domain-name), dst_ref and src_ref (network-traffic)
	// protocol is a network-traffic's layer 4 protocol, "tcp" when empty.
	protocol string
}

// link is an observable another refers to, and the property it does so by.
type link struct {
	via string // "resolves_to_refs", "dst_ref", "src_ref"
	obs *observable
}

type prop struct {
	name  string
	value string
	num   bool
}

// hashNames maps MISP hash types to STIX hash algorithm names.
var hashNames = map[string]string{
	"md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha256": "SHA-256", "sha384": "SHA-384",
	"sha512": "SHA-512", "sha3-224": "SHA3-224", "sha3-256": "SHA3-256", "sha3-384": "SHA3-384",
	"sha3-512": "SHA3-512", "ssdeep": "SSDEEP", "tlsh": "TLSH",
}

// emailTypes are the MISP types whose value is an e-mail address.
var emailTypes = map[string]bool{
	"email": true, "email-src": true, "email-dst": true, "target-email": true,
	"email-reply-to": true, "whois-registrant-email": true, "dns-soa-email": true,
}

// MappedType reports whether values of the MISP attribute type typ map to
// STIX cyber-observables and patterns; the others become x-misp-attribute
// objects.
func MappedType(typ string) bool {
	_, err := observe(typ, sampleValue(typ))
	return err == nil
}

func sampleValue(typ string) string {
	switch typ {
	case "AS":
		return "AS1"
	case "port", "size-in-bytes":
		return "1"
	case "ip-src", "ip-dst", "ip":
		return "192.0.2.1"
	case "domain|ip":
		return "a.example|192.0.2.1"
	case "ip-src|port", "ip-dst|port", "hostname|port":
		return "192.0.2.1|1"
	}
	return "a|b"
}

// errUnmapped says a type has no STIX mapping (the attribute becomes a
// custom object); any other error says the value is wrong for its type.
var errUnmapped = fmt.Errorf("no STIX mapping")

// observe maps a MISP attribute value to an observable.
func observe(typ, value string) (*observable, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, fmt.Errorf("value is empty")
	}
	one := func(t, name string) (*observable, error) {
		return &observable{typ: t, props: []prop{{name: name, value: v}}}, nil
	}
	if h, ok := hashNames[typ]; ok {
		if err := checkHash(h, v); err != nil {
			return nil, err
		}
		return &observable{typ: "file", hashes: []prop{{name: h, value: v}}}, nil
	}
	if emailTypes[typ] {
		return one("email-addr", "value")
	}
	switch typ {
	case "ip-src", "ip-dst", "ip":
		return ipObservable(v)
	case "domain", "hostname":
		return one("domain-name", "value")
	case "url", "link", "uri":
		return one("url", "value")
	case "email-subject":
		return one("email-message", "subject")
	case "filename":
		return one("file", "name")
	case "mime-type":
		return one("file", "mime_type")
	case "size-in-bytes":
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return nil, fmt.Errorf("size %q is not a number", v)
		}
		return &observable{typ: "file", props: []prop{{"size", v, true}}}, nil
	case "mac-address":
		return &observable{typ: "mac-addr", props: []prop{{"value", strings.ToLower(v), false}}}, nil
	case "mutex":
		return one("mutex", "name")
	case "regkey", "regkey|value":
		k, _, _ := strings.Cut(v, "|")
		return &observable{typ: "windows-registry-key", props: []prop{{"key", fullHive(k), false}}}, nil
	case "AS":
		n := strings.TrimPrefix(strings.ToUpper(v), "AS")
		if _, err := strconv.ParseUint(n, 10, 32); err != nil {
			return nil, fmt.Errorf("AS %q is not an AS number", v)
		}
		return &observable{typ: "autonomous-system", props: []prop{{"number", n, true}}}, nil
	case "x509-fingerprint-md5", "x509-fingerprint-sha1", "x509-fingerprint-sha256":
		h := hashNames[strings.TrimPrefix(typ, "x509-fingerprint-")]
		if err := checkHash(h, v); err != nil {
			return nil, err
		}
		return &observable{typ: "x509-certificate", hashes: []prop{{name: h, value: v}}}, nil
	case "domain|ip":
		d, ip, ok := strings.Cut(v, "|")
		if !ok {
			return nil, fmt.Errorf("domain|ip value %q has no |", v)
		}
		ipo, err := ipObservable(ip)
		if err != nil {
			return nil, err
		}
		return &observable{typ: "domain-name", props: []prop{{"value", d, false}}, refs: []link{{"resolves_to_refs", ipo}}}, nil
	case "ip-src|port", "ip-dst|port", "hostname|port":
		host, port, ok := strings.Cut(v, "|")
		if !ok {
			return nil, fmt.Errorf("%s value %q has no |", typ, v)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("port %q is not a port number", port)
		}
		var ref *observable
		if typ == "hostname|port" {
			ref = &observable{typ: "domain-name", props: []prop{{"value", host, false}}}
		} else {
			var err error
			if ref, err = ipObservable(host); err != nil {
				return nil, err
			}
		}
		side := "dst"
		if typ == "ip-src|port" {
			side = "src"
		}
		return &observable{typ: "network-traffic", props: []prop{{side + "_port", port, true}}, refs: []link{{side + "_ref", ref}}}, nil
	}
	if name, hash, ok := strings.Cut(typ, "|"); ok && (name == "filename" || name == "malware-sample") || typ == "malware-sample" {
		if typ == "malware-sample" {
			hash = "md5"
		}
		h, known := hashNames[hash]
		if !known {
			return nil, errUnmapped
		}
		fn, hv, ok := strings.Cut(v, "|")
		if !ok {
			return &observable{typ: "file", props: []prop{{"name", v, false}}}, nil
		}
		if err := checkHash(h, hv); err != nil {
			return nil, err
		}
		return &observable{typ: "file", props: []prop{{"name", fn, false}}, hashes: []prop{{name: h, value: hv}}}, nil
	}
	return nil, errUnmapped
}

func ipObservable(v string) (*observable, error) {
	t := "ipv4-addr"
	s := strings.TrimSpace(v)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is6() {
			t = "ipv6-addr"
		}
	} else if a, err := netip.ParseAddr(s); err == nil {
		if a.Is6() && !a.Is4In6() {
			t = "ipv6-addr"
		}
	} else {
		return nil, fmt.Errorf("%q is not an IP address or network", v)
	}
	return &observable{typ: t, props: []prop{{"value", s, false}}}, nil
}

// quote writes s as a STIX pattern string literal.
func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

func (p prop) literal() string {
	if p.num {
		return p.value
	}
	return quote(p.value)
}

// comparisons returns o's comparison expressions, for one observation.
func (o *observable) comparisons() []string {
	var cs []string
	for _, p := range o.props {
		cs = append(cs, o.typ+":"+p.name+" = "+p.literal())
	}
	for _, h := range o.hashes {
		cs = append(cs, o.typ+":hashes."+quote(h.name)+" = "+quote(h.value))
	}
	for _, l := range o.refs {
		via := l.via
		if via == "resolves_to_refs" {
			via += "[*]"
		}
		for _, p := range l.obs.props {
			cs = append(cs, o.typ+":"+via+"."+p.name+" = "+p.literal())
		}
	}
	return cs
}

// patternOf returns the STIX pattern of observables: one observation per
// observable, joined by AND.
func patternOf(obs []*observable) string {
	var b strings.Builder
	for i, o := range obs {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("[" + strings.Join(o.comparisons(), " AND ") + "]")
	}
	return b.String()
}

// scos returns the STIX cyber-observables of o, o's own last; referenced
// ones first so their ids are known.
func (o *observable) scos() ([]*stix.Object, error) {
	m := map[string]any{"type": o.typ, "spec_version": "2.1"}
	var out []*stix.Object
	for _, l := range o.refs {
		refs, err := l.obs.scos()
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
		id := refs[len(refs)-1].ID
		if l.via == "resolves_to_refs" {
			m[l.via] = []string{id}
		} else {
			m[l.via] = id
		}
	}
	for _, p := range o.props {
		if p.num {
			n, err := strconv.ParseInt(p.value, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s %q is not a number", p.name, p.value)
			}
			m[p.name] = n
		} else {
			m[p.name] = p.value
		}
	}
	if len(o.hashes) > 0 {
		h := map[string]string{}
		for _, x := range o.hashes {
			h[x.name] = x.value
		}
		m["hashes"] = h
	}
	switch o.typ {
	case "network-traffic":
		m["protocols"] = []string{firstNonEmpty(o.protocol, "tcp")}
	case "email-message":
		m["is_multipart"] = false
	}
	sco, err := stix.NewSCO(m)
	if err != nil {
		return nil, err
	}
	return append(out, sco), nil
}

// merge folds observables of one MISP object together: every file
// property into one file, identical observables once.
func merge(obs []*observable) []*observable {
	var out []*observable
	var file, cert *observable
	for _, o := range obs {
		switch {
		case o.typ == "file" && file == nil, o.typ == "x509-certificate" && cert == nil:
			c := *o
			c.props = slices.Clone(o.props)
			c.hashes = slices.Clone(o.hashes)
			if o.typ == "file" {
				file = &c
			} else {
				cert = &c
			}
			out = append(out, &c)
		case o.typ == "file" || o.typ == "x509-certificate":
			into := file
			if o.typ == "x509-certificate" {
				into = cert
			}
			into.props = addProps(into.props, o.props)
			into.hashes = addProps(into.hashes, o.hashes)
		default:
			dup := false
			for _, x := range out {
				if slices.Equal(x.comparisons(), o.comparisons()) {
					dup = true
				}
			}
			if !dup {
				out = append(out, o)
			}
		}
	}
	return out
}

// connection maps the attributes of an ip-port, network-connection or
// network-socket object to one network-traffic observable: addresses and
// host names as dst_ref and src_ref, ports as dst_port and src_port, the
// layer 4 protocol. It returns nil when the object names no address.
func connection(attrs []Attribute) *observable {
	nt := &observable{typ: "network-traffic"}
	proto := "tcp"
	for _, a := range attrs {
		if a.Deleted {
			continue
		}
		v := strings.TrimSpace(a.Value)
		side := "dst"
		if strings.HasPrefix(a.ObjectRelation, "src") || strings.HasPrefix(a.ObjectRelation, "ip-src") || a.Type == "ip-src" {
			side = "src"
		}
		switch a.Type {
		case "ip-src", "ip-dst", "ip":
			if o, err := ipObservable(v); err == nil && !hasLink(nt, side+"_ref") {
				nt.refs = append(nt.refs, link{side + "_ref", o})
			}
		case "hostname", "domain":
			if !hasLink(nt, side+"_ref") {
				nt.refs = append(nt.refs, link{side + "_ref", &observable{typ: "domain-name", props: []prop{{"value", v, false}}}})
			}
		case "port":
			if _, err := strconv.ParseUint(v, 10, 16); err == nil {
				nt.props = addProps(nt.props, []prop{{side + "_port", v, true}})
			}
		case "text":
			if strings.HasPrefix(a.ObjectRelation, "layer4-protocol") || a.ObjectRelation == "protocol" {
				proto = strings.ToLower(v)
			}
		}
	}
	if len(nt.refs) == 0 {
		return nil
	}
	nt.protocol = proto
	return nt
}

func hasLink(o *observable, via string) bool {
	for _, l := range o.refs {
		if l.via == via {
			return true
		}
	}
	return false
}

// addProps adds the props of more whose names are not in ps yet.
func addProps(ps, more []prop) []prop {
	for _, p := range more {
		if !slices.ContainsFunc(ps, func(q prop) bool { return q.name == p.name }) {
			ps = append(ps, p)
		}
	}
	return ps
}

// hexLengths are the lengths of the hex hashes checked.
var hexLengths = map[string]int{"MD5": 32, "SHA-1": 40, "SHA-224": 56, "SHA-256": 64, "SHA-384": 96, "SHA-512": 128,
	"SHA3-224": 56, "SHA3-256": 64, "SHA3-384": 96, "SHA3-512": 128}

// checkHash refuses a hash value STIX patterns would refuse.
func checkHash(name, v string) error {
	if n, ok := hexLengths[name]; ok {
		if len(v) != n {
			return fmt.Errorf("%s hash %q has %d characters, want %d hex digits", name, v, len(v), n)
		}
		for _, c := range v {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return fmt.Errorf("%s hash %q is not hexadecimal", name, v)
			}
		}
		return nil
	}
	if strings.ContainsAny(v, " \t\r\n") {
		return fmt.Errorf("%s hash %q contains white space", name, v)
	}
	return nil
}

// hives maps abbreviated registry hives to the full names STIX wants.
var hives = map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG"}

func fullHive(k string) string {
	h, rest, _ := strings.Cut(k, `\`)
	if full, ok := hives[strings.ToUpper(h)]; ok {
		if rest == "" {
			return full
		}
		return full + `\` + rest
	}
	return k
}
