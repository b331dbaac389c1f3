package bench

import (
	"slices"
	"testing"
)

func TestTail(t *testing.T) {
	bounded := &tail{max: 2}
	for _, l := range []string{"a", "b", "c"} {
		bounded.add(l)
	}
	if got := bounded.String(); got != "b\nc\n" {
		t.Errorf("the last 2 lines = %q, want %q", got, "b\nc\n")
	}
	all := &tail{}
	all.add("before")
	mark := all.count()
	all.add("x")
	all.add("y")
	if got := all.since(mark); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("since(%d) = %q, want [x y]", mark, got)
	}
	if got := bounded.since(0); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("since(0) of a bounded tail = %q, want what it kept, [b c]", got)
	}
}
