package stix

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
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
const indexThreshold = 16

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

// parseTree reads one JSON value into a tree. It rejects duplicate member
// names and invalid UTF-8, and nesting deeper than MaxDepth.
func parseTree(data []byte) (*node, error) {
	if len(data) > MaxObjectBytes {
		return nil, ErrTooLarge
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the object")
	}
	return n, nil
}

func readNode(dec *jsontext.Decoder, depth int) (*node, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
	}
	n := &node{kind: tok.Kind()}
	switch n.kind {
	case '"':
		n.str = tok.String()
	case '0':
		n.str = tok.String()
		n.num, _ = tok.Float() // out of range gives ±Inf, which range checks reject
	case '{':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
			}
			// The token is only valid until the next read.
			name := tok.String()
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{name, v})
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
		}
		if len(n.members) >= indexThreshold {
			n.index = make(map[string]*node, len(n.members))
			for _, m := range n.members {
				n.index[m.name] = m.val
			}
		}
	case '[':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		for dec.PeekKind() != ']' {
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, fmt.Errorf("malformed JSON: %s", jsonErrorText(err))
		}
	}
	return n, nil
}

// raw returns the node re-encoded as compact JSON (used to hand a nested
// value to a canonicaliser or a typed decoder).
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
