package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Line is a one-line status redrawn in place on a terminal, for long
// operations whose progress is not a byte count. On anything but a terminal
// it draws nothing. Its methods are safe for concurrent use and cheap to
// call often: the line is redrawn at most every Interval.
type Line struct {
	// Interval between redraws (200 ms when zero).
	Interval time.Duration

	w       io.Writer
	enabled bool
	mu      sync.Mutex
	last    time.Time
	drawn   bool
}

// NewLine returns a Line that draws on w when w is a terminal.
func NewLine(w io.Writer) *Line {
	return &Line{w: w, enabled: IsTerminal(w)}
}

// Enabled reports whether the line draws anything; callers may skip the
// work of computing a status when it does not.
func (l *Line) Enabled() bool { return l.enabled }

// Printf redraws the line with a formatted status, unless it was drawn less
// than Interval ago.
func (l *Line) Printf(format string, args ...any) {
	if !l.enabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	interval := l.Interval
	if interval == 0 {
		interval = 200 * time.Millisecond
	}
	if now := time.Now(); now.Sub(l.last) >= interval {
		l.last = now
		l.drawn = true
		fmt.Fprintf(l.w, "\r\x1b[K"+format, args...)
	}
}

// Clear erases the line, so a summary can follow on a clean line.
func (l *Line) Clear() {
	if !l.enabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drawn {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.drawn = false
	}
}
