package node

import (
	"fmt"
	"io"
	"os"

	"github.com/rampart-cti/rampart/pattern"
)

// MaxObservedBytes bounds the observations MatchPattern reads.
const MaxObservedBytes = 256 << 20

// CheckPattern compiles the STIX pattern src as "rampart pattern check"
// checks it: parsed and checked (pattern.Compile). It returns the pattern,
// whose Warnings are worth showing, or the first error with its position
// and a snippet with a caret under the column.
func CheckPattern(src string) (*pattern.Pattern, error) {
	return pattern.Compile(src)
}

// MatchPattern reports whether the observed-data in file (a STIX bundle,
// a JSON array of objects or of bundles; "-" reads stdin) meet the
// pattern src, as "rampart pattern match" does. It returns the pattern as
// soon as it compiled, with an error or not, so that its warnings can be
// shown. The errors are CheckPattern's, the file's ("open FILE: …",
// "read "FILE": larger than 256 MiB") and those of its observations and
// their evaluation, prefixed with the file name.
func MatchPattern(src, file string, stdin io.Reader) (*pattern.Pattern, bool, error) {
	p, err := CheckPattern(src)
	if err != nil {
		return nil, false, err
	}
	data, err := readObserved(file, stdin, MaxObservedBytes)
	if err != nil {
		return p, false, err
	}
	obs, err := pattern.ParseObservations(data)
	if err != nil {
		return p, false, fmt.Errorf("%s: %v", file, err)
	}
	ok, err := p.Match(obs)
	if err != nil {
		return p, false, fmt.Errorf("%s: %v", file, err)
	}
	return p, ok, nil
}

// readObserved reads file, or stdin for "-", refusing more than limit
// bytes.
func readObserved(file string, stdin io.Reader, limit int64) ([]byte, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %v", file, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %q: larger than %d MiB", file, limit>>20)
	}
	return data, nil
}
