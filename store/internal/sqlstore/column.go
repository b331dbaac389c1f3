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
// the time in UTC; NULL reads as the zero time. (A pointer to it holds
// the time itself, so that making one allocates nothing.)
type timeColumn time.Time

// Scan implements sql.Scanner.
func (c *timeColumn) Scan(src any) error {
	t, err := scanTimeValue(src)
	*c = timeColumn(t)
	return err
}

// optionalTimeColumn is a timeColumn where 0 also reads as the zero time:
// SQLite's "never" for a peer's last sync (PostgreSQL's is NULL).
type optionalTimeColumn time.Time

// Scan implements sql.Scanner.
func (c *optionalTimeColumn) Scan(src any) error {
	if src == int64(0) {
		*c = optionalTimeColumn{}
		return nil
	}
	t, err := scanTimeValue(src)
	*c = optionalTimeColumn(t)
	return err
}

// scanTimeValue returns the time a time column's value stands for.
func scanTimeValue(src any) (time.Time, error) {
	switch v := src.(type) {
	case int64:
		return versions.Time(v), nil
	case time.Time:
		return v.UTC(), nil
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("a time column holds %T, not microseconds or a timestamp", src)
}

// scanTime returns the scan destination of a time column into t.
func scanTime(t *time.Time) sql.Scanner { return (*timeColumn)(t) }

// scanOptionalTime returns the scan destination into t of a time column
// where NULL (PostgreSQL) or 0 (SQLite) means none: the zero time.
func scanOptionalTime(t *time.Time) sql.Scanner { return (*optionalTimeColumn)(t) }

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
	return (*jsonList)(list)
}

// jsonList is a scan destination for a list of strings kept as JSON text.
type jsonList []string

// Scan implements sql.Scanner.
func (l *jsonList) Scan(src any) error {
	var text []byte
	switch v := src.(type) {
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("a list column holds %T, not JSON text", src)
	}
	if err := json.Unmarshal(text, (*[]string)(l)); err != nil {
		return fmt.Errorf("a list column holds %q, not a JSON array of strings: %w", text, err)
	}
	return nil
}
