package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// badge is how a TLP level is shown: its label and the CSS class of its
// colour.
type badge struct {
	Label string
	Class string
}

func badgeOf(t stix.TLP) badge {
	switch t {
	case stix.TLPClear:
		return badge{"TLP:CLEAR", "tlp-clear"}
	case stix.TLPGreen:
		return badge{"TLP:GREEN", "tlp-green"}
	case stix.TLPAmber:
		return badge{"TLP:AMBER", "tlp-amber"}
	case stix.TLPAmberStrict:
		return badge{"TLP:AMBER+STRICT", "tlp-amber"}
	case stix.TLPRed:
		return badge{"TLP:RED", "tlp-red"}
	}
	return badge{"no TLP", "tlp-none"}
}

// tlpOfMarkings returns the strictest TLP level among marking ids.
func tlpOfMarkings(ids []string) stix.TLP {
	strictest := stix.TLPUnmarked
	for _, id := range ids {
		if t, ok := stix.TLPOfMarking(id); ok && t > strictest {
			strictest = t
		}
	}
	return strictest
}

// addressing says to whom an object is addressed, "" when to nobody in
// particular.
func addressing(o *stix.Object) string {
	if o == nil || !stix.Addressed(o) {
		return ""
	}
	orgs, err := stix.Recipients(o)
	if err != nil {
		return "addressed (malformed recipients)"
	}
	return "addressed to " + strings.Join(orgs, ", ")
}

var templateFuncs = template.FuncMap{
	"tlp": func(v any) badge {
		switch x := v.(type) {
		case *stix.Object:
			if x == nil {
				return badgeOf(stix.TLPUnmarked)
			}
			return badgeOf(stix.Restriction(x))
		case []string:
			return badgeOf(tlpOfMarkings(x))
		}
		return badgeOf(stix.TLPUnmarked)
	},
	"addressing": addressing,
	"when":       when,
	"ago":        ago,
	"left":       left,
	"join":       strings.Join,
	"short":      short,
	"objectURL":  objectURL,
	"refs":       func(ids []string, names map[string]string) namedRefs { return namedRefs{ids, names} },
	"list":       func(s ...string) []string { return s },
	"query":      url.QueryEscape,
	"add":        func(a, b int) int { return a + b },
	"pct":        func(x float64) string { return fmt.Sprintf("%.0f%%", x*100) },
	"width":      func(x float64) int { return int(clamp(x, 0, 1) * 100) },
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }

// when formats a time in UTC to the minute; "-" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago says how long before now t was.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return span(now.Sub(t)) + " ago"
}

// left says how long remains until t, or how overdue it is.
func left(t, now time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return span(-d) + " overdue"
	}
	return span(d) + " left"
}

func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// short shortens a STIX id for display: its type and the first block of
// its UUID.
func short(id string) string {
	typ, uuid, ok := strings.Cut(id, "--")
	if !ok || len(uuid) < 8 {
		return id
	}
	return typ + "--" + uuid[:8]
}

func objectURL(id string) string { return ConsolePath + "objects/" + url.PathEscape(id) }

// namedRefs are ids to link to, with the names of those the reader may
// read.
type namedRefs struct {
	IDs   []string
	Names map[string]string
}
