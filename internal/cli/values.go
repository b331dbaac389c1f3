package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dash returns s, or "-" for an empty value in a table or a summary.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Plural writes a count with its noun, "1 object", "2 objects".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ParseDays parses a Go duration or a number of days ("90d") or
// years ("2y", 365 days each).
func ParseDays(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "y": 365 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a duration (90d, 2y, 36h)", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (90d, 2y, 36h)", s)
	}
	return d, nil
}
