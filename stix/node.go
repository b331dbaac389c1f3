package stix

import (
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// node is one JSON value of an object being validated. Validation walks a
// tree of nodes rather than typed structs because it must see what was
// actually sent: members the typed structs do not know, the JSON type of
// each value (a string "5" is not the integer 5) and the text of numbers.
type node struct {
	kind    jsontext.Kind // 'n', 't', 'f', '"', '0', '{' or '['
	str     string        // a string's value, or a number's text
	num     float64       // a number's value
	items   []*node       // array elements
	members []member      // object members, in document order
	index   map[string]*node
}

type member struct {
	name string
	val  *node
}

// indexThreshold is the member count from which an object gets a map index;
// STIX objects are small and a linear scan is faster below it.
const indexThreshold = 32

// get returns the member name of an object node, or nil.
func (n *node) get(name string) *node {
	if n == nil || n.kind != '{' {
		return nil
	}
	if n.index != nil {
		return n.index[name]
	}
	for i := range n.members {
		if n.members[i].name == name {
			return n.members[i].val
		}
	}
	return nil
}

// has reports whether an object node has member name.
func (n *node) has(name string) bool { return n.get(name) != nil }

// kindName describes the node's JSON type for error messages.
func (n *node) kindName() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}

// parseTree reads one JSON value (RFC 8259) into a tree. Like jsontext by
// default, it rejects duplicate member names and invalid UTF-8; it also
// rejects nesting deeper than MaxDepth and input over MaxObjectBytes.
//
// It is a small parser of its own rather than a loop over jsontext tokens
// because validation parses every object it checks, and this one allocates
// little: strings without escapes are slices of one copy of the input and
// nodes come from a slab.
func parseTree(data []byte) (*node, error) {
	if len(data) > MaxObjectBytes {
		return nil, ErrTooLarge
	}
	p := &treeParser{s: string(data)}
	// One slab for the whole tree in the common case: a value takes at
	// least two bytes of input (a digit and a separator).
	p.slab = make([]node, 0, min(max(len(data)/24, 16), 1024))
	return p.parse()
}

// parsers keeps the treeParsers of Validator.run, whose nodes (and the
// lists of their members and elements) the next object reuses: a node
// validates thousands of objects a second, and allocating every tree anew
// made the garbage collector a good part of the work.
var parsers = sync.Pool{New: func() any { return &treeParser{slab: make([]node, 0, 1024)} }}

// parseTreeReused is parseTree with a parser from parsers; the tree is
// valid until the parser's release.
func parseTreeReused(data []byte) (*node, *treeParser, error) {
	if len(data) > MaxObjectBytes {
		return nil, nil, ErrTooLarge
	}
	p := parsers.Get().(*treeParser)
	p.s, p.i = string(data), 0
	n, err := p.parse()
	return n, p, err
}

// maxKeptList is the longest list of members or elements release keeps
// the room of.
const maxKeptList = 64

// release returns the parser to parsers; the tree it built must no longer
// be used. The nodes are cleared, keeping the lists' room.
func (p *treeParser) release() {
	for i := range p.slab {
		n := &p.slab[i]
		clear(n.members)
		clear(n.items)
		members, items := n.members[:0], n.items[:0]
		// A long list (a report's object_refs) is not kept for the next.
		if cap(members) > maxKeptList {
			members = nil
		}
		if cap(items) > maxKeptList {
			items = nil
		}
		*n = node{members: members, items: items}
	}
	p.slab, p.s, p.i = p.slab[:0], "", 0
	parsers.Put(p)
}

func (p *treeParser) parse() (*node, error) {
	p.skipSpace()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected data after the object")
	}
	return n, nil
}

type treeParser struct {
	s    string
	i    int
	slab []node
}

func (p *treeParser) newNode(kind jsontext.Kind) *node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]node, 0, min(2*cap(p.slab), 1024))
	}
	// A node past len is zero but for the room of its lists (release).
	p.slab = p.slab[:len(p.slab)+1]
	n := &p.slab[len(p.slab)-1]
	n.kind = kind
	return n
}

var errSyntax = errors.New("malformed JSON")

func (p *treeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, fmt.Sprintf(format, args...), p.i)
}

func (p *treeParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *treeParser) value(depth int) (*node, error) {
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.s[p.i]; c {
	case '{':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		return p.object(depth)
	case '[':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		return p.array(depth)
	case '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		n := p.newNode('"')
		n.str = s
		return n, nil
	case 't':
		return p.literal("true", 't')
	case 'f':
		return p.literal("false", 'f')
	case 'n':
		return p.literal("null", 'n')
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return p.number()
		}
		return nil, p.errorf("invalid character %q", c)
	}
}

func (p *treeParser) literal(word string, kind jsontext.Kind) (*node, error) {
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		return nil, p.errorf("invalid literal")
	}
	p.i += len(word)
	return p.newNode(kind), nil
}

func (p *treeParser) object(depth int) (*node, error) {
	n := p.newNode('{')
	p.i++ // {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return n, nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.errorf("expected a member name")
		}
		name, err := p.string()
		if err != nil {
			return nil, err
		}
		if n.index != nil {
			if _, dup := n.index[name]; dup {
				return nil, p.errorf("duplicate object member name %q", name)
			}
		} else {
			for _, m := range n.members {
				if m.name == name {
					return nil, p.errorf("duplicate object member name %q", name)
				}
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errorf("expected ':' after a member name")
		}
		p.i++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{name, v})
		if n.index != nil {
			n.index[name] = v
		} else if len(n.members) == indexThreshold {
			n.index = make(map[string]*node, 2*indexThreshold)
			for _, m := range n.members {
				n.index[m.name] = m.val
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return n, nil
		default:
			return nil, p.errorf("expected ',' or '}' after an object member")
		}
	}
}

func (p *treeParser) array(depth int) (*node, error) {
	n := p.newNode('[')
	p.i++ // [
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return n, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unexpected end of input in a list")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			return n, nil
		default:
			return nil, p.errorf("expected ',' or ']' after a list element")
		}
	}
}

// number reads a number of the RFC 8259 grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (p *treeParser) number() (*node, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && '1' <= p.s[p.i] && p.s[p.i] <= '9':
		p.digits()
	default:
		return nil, p.errorf("invalid number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	n := p.newNode('0')
	n.str = p.s[start:p.i]
	// Out of range gives ±Inf, which the range checks reject.
	n.num, _ = strconv.ParseFloat(n.str, 64)
	return n, nil
}

func (p *treeParser) digits() int {
	start := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// string reads a string at p.i (on its opening quote) and returns its
// value: a slice of the input when it has no escapes.
func (p *treeParser) string() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(s) {
				return "", p.errorf("invalid UTF-8 in a string")
			}
			return s, nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return "", p.errorf("control character in a string")
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}

// escapedString continues a string that has an escape at p.i.
func (p *treeParser) escapedString(start int) (string, error) {
	if !utf8.ValidString(p.s[start:p.i]) {
		return "", p.errorf("invalid UTF-8 in a string")
	}
	b := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errorf("unterminated string")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// A high surrogate must be followed by an escaped low one.
					r2 := rune(-1)
					if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
						p.i += 2
						if r2, ok = p.hex4(); !ok {
							return "", p.errorf("invalid \\u escape")
						}
					}
					if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
						return "", p.errorf("invalid surrogate pair in a \\u escape")
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", p.errorf("invalid escape \\%c", e)
			}
		default:
			// Copy a run of plain bytes, checking its UTF-8.
			j := p.i
			for j < len(p.s) && p.s[j] != '"' && p.s[j] != '\\' && p.s[j] >= 0x20 {
				j++
			}
			if !utf8.ValidString(p.s[p.i:j]) {
				return "", p.errorf("invalid UTF-8 in a string")
			}
			b = append(b, p.s[p.i:j]...)
			p.i = j
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *treeParser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// appendJSON appends the node encoded as compact JSON (used to hand a
// nested value to a canonicaliser, and by tests).
func (n *node) appendJSON(b []byte) []byte {
	switch n.kind {
	case 'n':
		return append(b, "null"...)
	case 't':
		return append(b, "true"...)
	case 'f':
		return append(b, "false"...)
	case '0':
		return append(b, n.str...)
	case '"':
		b, _ = jsontext.AppendQuote(b, n.str)
		return b
	case '[':
		b = append(b, '[')
		for i, it := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendJSON(b)
		}
		return append(b, ']')
	case '{':
		b = append(b, '{')
		for i, m := range n.members {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = jsontext.AppendQuote(b, m.name)
			b = append(b, ':')
			b = m.val.appendJSON(b)
		}
		return append(b, '}')
	}
	return b
}
