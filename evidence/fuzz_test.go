package evidence

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzParseVerify: no input makes Parse or Verify panic, and whatever
// Verify accepts still verifies after being written and read back.
func FuzzParseVerify(f *testing.F) {
	w := newWorld(f)
	p := chained(f, w)
	good, err := p.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"seq": 2`), []byte(`"seq": 1`), 1))
	f.Add([]byte(`{"format":"rampart-evidence/1","cover":{"to":{"keys":null}},"custody":[{"from":{},"to":{}}]}`))
	now := t0.Add(5 * time.Hour)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := Verify(p, w.opts(now)); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse(b)
		if err != nil {
			t.Fatalf("a verified package does not parse after Marshal: %v", err)
		}
		if _, err := Verify(q, w.opts(now)); err != nil {
			t.Fatalf("a verified package does not verify after Marshal: %v", err)
		}
	})
}
