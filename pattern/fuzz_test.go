package pattern

import (
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse or Check panic, and that every
// accepted pattern round-trips: its canonical text parses to the same tree.
func FuzzParse(f *testing.F) {
	for _, v := range loadVectors[matcherVector](f, "matcher-vectors.json") {
		f.Add(v.Pattern)
	}
	for _, v := range loadVectors[validatorVector](f, "validator-vectors.json") {
		f.Add(v.Pattern)
	}
	f.Add("[x:'a b'[*].c_ref.d NOT IN (h'00', b'AA==')] /* c */ START t'2016-01-01T00:00:00Z' STOP t'2016-01-01T00:00:00.5Z'")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		assertRoundTrip(t, p)
		if err := p.Check(); err == nil {
			// Evaluation must not panic either.
			obs := []*Observation{NewObservation(time.Unix(0, 0), Object{"type": "x", "y": "a", "z": []any{int64(1), "b"}})}
			p.Evaluate(obs)
		}
	})
}

// FuzzParseObservations checks that malformed observed data gives an
// error, never a panic.
func FuzzParseObservations(f *testing.F) {
	for i, v := range loadVectors[matcherVector](f, "matcher-vectors.json") {
		if i%20 == 0 {
			f.Add(string(v.ObservedData))
		}
	}
	f.Fuzz(func(t *testing.T, data string) {
		obs, err := ParseObservations([]byte(data))
		if err != nil {
			return
		}
		p := MustParse("[x:y = 'a'] OR [file:hashes.MD5 = '00000000000000000000000000000000'] REPEATS 2 TIMES")
		p.Evaluate(obs)
	})
}
