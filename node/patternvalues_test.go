package node

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rampart-cti/rampart/pattern"
)

// TestPatternValues: what the checks remember is handed to the index
// once, equal to what parsing the text again gives; a pattern never
// remembered, or already handed out, is parsed; and the memory stays
// bounded when checked patterns are never indexed.
func TestPatternValues(t *testing.T) {
	var c patternValues
	const text = "[ipv4-addr:value = '198.51.100.7'] AND [domain-name:value IN ('a.example', 'b.example')]"
	p, err := pattern.Compile(text)
	if err != nil {
		t.Fatal(err)
	}
	c.put(text, p)
	want, ok := pattern.ValuesOf(text)
	if !ok {
		t.Fatal("pattern.ValuesOf refuses the pattern")
	}
	for i := range 2 {
		got, ok := c.valuesOf(text)
		if diff := cmp.Diff(want, got); !ok || diff != "" {
			t.Errorf("call %d: ok %v, values (-want +got):\n%s", i, ok, diff)
		}
		if _, held := c.m[text]; held {
			t.Errorf("call %d: the pattern is still held after it was handed out", i)
		}
	}
	if _, ok := c.valuesOf("[ipv4-addr:value = "); ok {
		t.Error("a pattern that does not parse has values")
	}
	for i := range maxPatternValues + 10 {
		s := fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16, i>>8&255, i&255)
		q, err := pattern.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		c.put(s, q)
	}
	if len(c.m) > maxPatternValues {
		t.Errorf("%d patterns held, want at most %d", len(c.m), maxPatternValues)
	}
}
