package match

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

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
	if first != '{' || !looksLikeBundle(br) {
		inds, bad, err = loadIndicatorLines(br)
		if err != nil {
			return err
		}
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

// loadIndicatorLines parses JSON lines of indicators with
// ParseIndicatorJSON on all CPUs, keeping input order.
func loadIndicatorLines(r io.Reader) ([]*Indicator, []error, error) {
	type result struct {
		inds []*Indicator
		errs []error
	}
	const batch = 4096
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var order []chan result
	var wg sync.WaitGroup
	start := func(first int64, lines [][]byte) {
		out := make(chan result, 1)
		order = append(order, out)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var res result
			for i, line := range lines {
				if line == nil {
					res.errs = append(res.errs, &LineError{first + int64(i), stix.ErrTooLarge})
					continue
				}
				ind, err := ParseIndicatorJSON(line)
				if err != nil {
					res.errs = append(res.errs, &LineError{first + int64(i), err})
				} else if ind != nil {
					res.inds = append(res.inds, ind)
				}
			}
			out <- res
		})
	}
	lr := newLineReader(r)
	var lines [][]byte
	first := int64(1)
	var readErr error
	for {
		line, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		switch {
		case tooLong:
			lines = append(lines, nil)
		case len(bytes.TrimSpace(line)) == 0:
			lines = append(lines, []byte("{}")) // keeps line numbers; not an indicator
		default:
			lines = append(lines, bytes.Clone(line))
		}
		if len(lines) == batch {
			start(first, lines)
			first, lines = lr.line+1, nil
		}
	}
	if len(lines) > 0 {
		start(first, lines)
	}
	wg.Wait()
	var inds []*Indicator
	var errs []error
	for _, ch := range order {
		res := <-ch
		inds = append(inds, res.inds...)
		errs = append(errs, res.errs...)
	}
	return inds, errs, readErr
}
