// Package progress draws a one-line progress indicator for long operations
// on a terminal, and nothing when the output is not a terminal (logs and
// pipes get only the summary their command prints).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar is a progress line. Its methods are safe for concurrent use and cheap
// to call often: the line is redrawn at most ten times a second.
type Bar struct {
	w       io.Writer
	label   string
	total   int64 // bytes expected, 0 when unknown
	enabled bool

	mu    sync.Mutex
	start time.Time
	drawn time.Time
	bytes int64
	items int64
	unit  string
}

// New returns a Bar that draws on w when w is a terminal. total is the
// number of bytes expected (0 when unknown); unit names the items counted
// ("objects", "records").
func New(w io.Writer, label string, total int64, unit string) *Bar {
	return &Bar{w: w, label: label, total: total, unit: unit, enabled: IsTerminal(w), start: time.Now()}
}

// IsTerminal reports whether w is a character device such as a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Set records progress: bytes consumed and items done so far.
func (b *Bar) Set(bytes, items int64) {
	if !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bytes, b.items = bytes, items
	if now := time.Now(); now.Sub(b.drawn) >= 100*time.Millisecond {
		b.drawn = now
		b.draw(now)
	}
}

func (b *Bar) draw(now time.Time) {
	elapsed := now.Sub(b.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(b.items) / elapsed
	}
	unit := b.unit
	if b.items == 1 {
		// "1 object", not "1 objects".
		unit = strings.TrimSuffix(unit, "s")
	}
	line := fmt.Sprintf("%s: %d %s, %s", b.label, b.items, unit, FormatBytes(b.bytes))
	if b.total > 0 {
		pct := float64(b.bytes) * 100 / float64(b.total)
		line += fmt.Sprintf(" of %s (%.0f%%)", FormatBytes(b.total), pct)
	}
	line += fmt.Sprintf(", %.0f %s/s", rate, b.unit)
	fmt.Fprintf(b.w, "\r\x1b[K%s", line)
}

// Done draws the final state and ends the line.
func (b *Bar) Done() {
	if !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(time.Now())
	fmt.Fprintln(b.w)
}

// FormatBytes writes a byte count for people: "1.5 GiB", "200.0 MiB",
// "12 B".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
