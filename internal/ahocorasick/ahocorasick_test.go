package ahocorasick

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// found returns, for each pattern, whether Scan reported it.
func found(a *Automaton, text string, n int) []bool {
	f := make([]bool, n)
	for _, i := range a.Scan(text, nil) {
		f[i] = true
	}
	return f
}

// TestFindsEveryPattern holds the automaton to strings.Contains over
// random patterns and texts of a small alphabet, where patterns overlap,
// nest and repeat.
func TestFindsEveryPattern(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, 1+r.IntN(n))
		for i := range b {
			b[i] = "abAB./\xc3\xa9"[r.IntN(8)]
		}
		return string(b)
	}
	for range 300 {
		var pats []string
		for range 1 + r.IntN(30) {
			pats = append(pats, word(5)) // repeats allowed
		}
		a := New(pats)
		for range 20 {
			text := word(40)
			f := found(a, text, len(pats))
			for i, p := range pats {
				if want := strings.Contains(lowerASCII(text), lowerASCII(p)); f[i] != want {
					t.Fatalf("pattern %q in %q: found %v, want %v", p, text, f[i], want)
				}
			}
		}
	}
}

func TestScan(t *testing.T) {
	a := New([]string{"evil", "EVIL", "vil", "", "x"})
	got := a.Scan("an Evil evil", nil)
	slices.Sort(got)
	// "evil" twice (patterns 0 and 1 each time), "vil" twice; never "".
	if want := []int32{0, 0, 1, 1, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("Scan = %v, want %v", got, want)
	}
}

// FuzzScan checks the automaton against strings.Contains.
func FuzzScan(f *testing.F) {
	f.Add("abc|bc|c", "xabcx")
	f.Add("he|she|his|hers", "ushers")
	f.Fuzz(func(t *testing.T, pats, text string) {
		ps := strings.Split(pats, "|")
		fd := found(New(ps), text, len(ps))
		for i, p := range ps {
			if want := p != "" && strings.Contains(lowerASCII(text), lowerASCII(p)); fd[i] != want {
				t.Fatalf("pattern %q in %q: found %v, want %v", p, text, fd[i], want)
			}
		}
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = foldByte(c)
	}
	return string(b)
}
