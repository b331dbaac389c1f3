package node

import (
	"fmt"
	"strings"
	"time"
)

// ParseTime reads the value of the time option name (an RFC 3339 time, or
// "now"), in UTC. Its error names the option as the command-line flag
// that gives it.
func ParseTime(name, v string) (time.Time, error) {
	if v == "now" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: give an RFC 3339 time such as 2026-03-10T09:30:00Z, or now", name, v)
	}
	return t.UTC(), nil
}

// readTime sets *dst to the time v gives, when it is not empty; a bad
// value is a ConfigError naming the option.
func readTime(dst *time.Time, name, v string) error {
	if v == "" {
		return nil
	}
	t, err := ParseTime(name, v)
	if err != nil {
		return &ConfigError{Msg: err.Error()}
	}
	*dst = t
	return nil
}

// SplitList splits a comma-separated option or flag value, dropping
// empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
