package bench

import (
	"strings"
	"sync"
)

// tail keeps the lines of a log: the last max of them, or every one when
// max is 0. It is safe for concurrent use.
type tail struct {
	max int

	mu    sync.Mutex
	lines []string
	added int // lines added in all
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	t.added++
	if t.max > 0 && len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// count returns how many lines were added so far: a mark for since.
func (t *tail) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.added
}

// since returns the lines kept that were added after mark.
func (t *tail) since(mark int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	first := len(t.lines) - (t.added - mark)
	return append([]string(nil), t.lines[max(first, 0):]...)
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return strings.Join(t.lines, "\n") + "\n"
}
