package sqlstore

import (
	"database/sql"
	json "encoding/json/v2"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/store/internal/versions"
)

// The columns whose type differs between the stores: the times of the
// first migrations' tables (see Dialect.Timestamptz) and lists of strings
// (see Dialect.Arrays). The services write them through the Dialect's
// methods below and read them through its scan destinations, so that
// their statements are the same in both stores.

// stamp returns the parameter for t in a time column of the first
// migrations' tables: t truncated to the microsecond, as a time or as
// integer microseconds.
func (d *Dialect) stamp(t time.Time) any {
	us := versions.Micros(t)
	if d.Timestamptz {
		return versions.Time(us)
	}
	return us
}

// timeColumn is a scan destination for a time column of either kind: it
// takes integer microseconds since the Unix epoch or a time, and stores
// the time in UTC. NULL reads as the zero time, and so does 0 when
// zeroIsNone is set (SQLite's "never" for a peer's last sync).
type timeColumn struct {
	t          *time.Time
	zeroIsNone bool
}

// Scan implements sql.Scanner.
func (c timeColumn) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		if v == 0 && c.zeroIsNone {
			*c.t = time.Time{}
		} else {
			*c.t = versions.Time(v)
		}
	case time.Time:
		*c.t = v.UTC()
	case nil:
		*c.t = time.Time{}
	default:
		return fmt.Errorf("a time column holds %T, not microseconds or a timestamp", src)
	}
	return nil
}

// scanTime returns the scan destination of a time column into t.
func scanTime(t *time.Time) sql.Scanner { return timeColumn{t: t} }

// scanOptionalTime returns the scan destination into t of a time column
// where NULL (PostgreSQL) or 0 (SQLite) means none: the zero time.
func scanOptionalTime(t *time.Time) sql.Scanner { return timeColumn{t: t, zeroIsNone: true} }

// list returns the parameter for a list of strings: the list itself
// for an array column, its JSON text otherwise. A nil list is stored as
// an empty one.
func (d *Dialect) list(list []string) (any, error) {
	if list == nil {
		list = []string{}
	}
	if d.Arrays {
		return list, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// scanList returns the scan destination of a list of strings into
// list: list itself for an array column (pgx scans it), a JSON decoder
// otherwise.
func (d *Dialect) scanList(list *[]string) any {
	if d.Arrays {
		return list
	}
	return jsonStrings{list}
}

// jsonStrings is a scan destination for a list of strings kept as JSON
// text.
type jsonStrings struct{ list *[]string }

// Scan implements sql.Scanner.
func (j jsonStrings) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("a list column holds %T, not JSON text", src)
	}
	if err := json.Unmarshal(text, j.list); err != nil {
		return fmt.Errorf("a list column holds %q, not a JSON array of strings: %w", text, err)
	}
	return nil
}
