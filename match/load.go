package match

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/rampart-cti/rampart/stix"
)

// LoadIndicators reads indicators into m from a STIX bundle or from JSON
// lines of STIX objects. They are parsed in batches (keeping only the
// compiled indicators, not the objects' JSON) and added at once, so the
// indexes are built one time. Objects that fail are reported together in an
// *AddError (each with its line or index); the rest are added.
func LoadIndicators(m *Matcher, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := firstByte(br)
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	var bad []error
	var inds []*Indicator
	const batch = 1 << 14
	objs := make([]*stix.Object, 0, batch)
	flush := func() {
		ok, errs := parseIndicators(objs)
		inds = append(inds, ok...)
		bad = append(bad, errs...)
		clear(objs)
		objs = objs[:0]
	}
	if first == '{' && looksLikeBundle(br) {
		rd := stix.NewBundleReader(br)
		for {
			o, err := rd.Next()
			if err == io.EOF {
				break
			}
			var oe *stix.ObjectError
			if errors.As(err, &oe) {
				bad = append(bad, oe)
				continue
			}
			if err != nil {
				return err
			}
			if objs = append(objs, o); len(objs) == batch {
				flush()
			}
		}
	} else {
		lr := newLineReader(br)
		for {
			line, tooLong, err := lr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if tooLong {
				bad = append(bad, &LineError{lr.line, stix.ErrTooLarge})
				continue
			}
			o, err := stix.ParseObject(line)
			if err != nil {
				bad = append(bad, &LineError{lr.line, err})
				continue
			}
			if objs = append(objs, o); len(objs) == batch {
				flush()
			}
		}
	}
	flush()
	for _, err := range m.Add(inds...) {
		if err != nil {
			bad = append(bad, err)
		}
	}
	if len(bad) > 0 {
		return &AddError{Errors: bad}
	}
	return nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			br.UnreadByte()
			return c, nil
		}
	}
}

// looksLikeBundle tells a bundle from JSON lines: a bundle's first line is
// not a complete object of its own, or is one of type "bundle".
func looksLikeBundle(br *bufio.Reader) bool {
	peek, _ := br.Peek(64 << 10)
	line := peek
	if i := bytes.IndexByte(peek, '\n'); i >= 0 {
		line = peek[:i]
	} else if len(peek) == 64<<10 {
		return true
	}
	if o, err := stix.ParseObject(bytes.TrimSpace(line)); err == nil {
		return o.Type == "bundle"
	}
	return bytes.Contains(line, []byte(`"bundle"`)) || !bytes.HasSuffix(bytes.TrimSpace(line), []byte("}"))
}
