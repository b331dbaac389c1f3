package stix

import (
	"fmt"
	"time"
)

// Timestamp is a STIX timestamp: an RFC 3339 time in UTC with a "Z" designator
// and the sub-second precision it was written with. The text as written is
// kept, so re-encoding an object never changes its timestamps; comparisons use
// the parsed instant.
//
// The zero Timestamp means "absent".
type Timestamp struct {
	t    time.Time
	text string
}

// ParseTimestamp parses s as a STIX timestamp: YYYY-MM-DDTHH:MM:SS[.s+]Z
// (STIX 2.1 §3.2). It returns an error that quotes s when it is not one.
func ParseTimestamp(s string) (Timestamp, error) {
	if !timestampShape(s) {
		return Timestamp{}, fmt.Errorf("timestamp %q is not of the form YYYY-MM-DDTHH:MM:SS[.s+]Z", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Timestamp{}, fmt.Errorf("timestamp %q is not a valid date and time", s)
	}
	return Timestamp{t: t, text: s}, nil
}

// MustTimestamp is ParseTimestamp for constants in tests and tables; it panics
// on an invalid s.
func MustTimestamp(s string) Timestamp {
	ts, err := ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return ts
}

// NewTimestamp returns t in UTC, written with millisecond precision as STIX
// producers conventionally do.
func NewTimestamp(t time.Time) Timestamp {
	t = t.UTC().Truncate(time.Millisecond)
	return Timestamp{t: t, text: t.Format("2006-01-02T15:04:05.000Z")}
}

// timestampShape reports whether s has the exact layout STIX requires; the
// standard library's RFC 3339 parser is more lenient (offsets, lower-case).
func timestampShape(s string) bool {
	if len(s) < 20 || s[len(s)-1] != 'Z' {
		return false
	}
	const layout = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(layout); i++ {
		c := s[i]
		switch layout[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		default:
			if c != layout[i] {
				return false
			}
		}
	}
	rest := s[len(layout) : len(s)-1]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// IsZero reports whether the timestamp is absent.
func (ts Timestamp) IsZero() bool { return ts.text == "" }

// Time returns the instant, in UTC.
func (ts Timestamp) Time() time.Time { return ts.t }

// String returns the timestamp as it was written ("" when absent).
func (ts Timestamp) String() string { return ts.text }

// Precision returns the number of fractional-second digits as written.
func (ts Timestamp) Precision() int {
	for i := 0; i < len(ts.text); i++ {
		if ts.text[i] == '.' {
			return len(ts.text) - i - 2
		}
	}
	return 0
}

// Compare compares the instants of ts and u (-1, 0, +1), ignoring how each was
// written; an absent timestamp sorts first.
func (ts Timestamp) Compare(u Timestamp) int {
	switch {
	case ts.IsZero() && u.IsZero():
		return 0
	case ts.IsZero():
		return -1
	case u.IsZero():
		return 1
	}
	return ts.t.Compare(u.t)
}

// Equal reports whether ts and u denote the same instant.
func (ts Timestamp) Equal(u Timestamp) bool { return ts.Compare(u) == 0 }

// Key returns a fixed-width text form with nanosecond precision
// ("2016-12-25T12:30:59.444000000Z") whose byte order is the time order. Stores
// use it to index versions.
func (ts Timestamp) Key() string {
	if ts.IsZero() {
		return ""
	}
	return ts.t.Format("2006-01-02T15:04:05.000000000Z")
}

// MarshalText returns the timestamp as written.
func (ts Timestamp) MarshalText() ([]byte, error) {
	if ts.IsZero() {
		return nil, fmt.Errorf("absent timestamp cannot be encoded")
	}
	return []byte(ts.text), nil
}

// UnmarshalText parses a STIX timestamp.
func (ts *Timestamp) UnmarshalText(b []byte) error {
	v, err := ParseTimestamp(string(b))
	if err != nil {
		return err
	}
	*ts = v
	return nil
}
