package lifecycle

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in JSON as a string: Go's form
// ("720h") or a number of days ("30d").
type Duration struct{ D time.Duration }

// ParseDuration reads a duration as Go writes it (720h, 90m) or a number
// of days (30d); the error quotes s.
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || !(n > 0) || n > 100000 {
			return 0, fmt.Errorf("%q is not a number of days (above 0, at most 100000)", s)
		}
		return time.Duration(n * float64(day)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a duration: write 30d, 720h or 90m", s)
	}
	return v, nil
}

// String writes whole days as "30d", other durations as Go does.
func (d Duration) String() string {
	if d.D > 0 && d.D%day == 0 {
		return strconv.FormatInt(int64(d.D/day), 10) + "d"
	}
	return d.D.String()
}

// MarshalJSONTo writes the duration as a string.
func (d Duration) MarshalJSONTo(enc *jsontext.Encoder) error {
	return enc.WriteToken(jsontext.String(d.String()))
}

// UnmarshalJSONFrom reads a duration string.
func (d *Duration) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var s string
	if err := json.UnmarshalDecode(dec, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	d.D = v
	return nil
}
