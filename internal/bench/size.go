package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads sizes such as "200MiB", "1GiB", "1048576" (bytes). It
// returns an error for anything else, and for sizes that are not positive.
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || f <= 0 {
				return 0, fmt.Errorf("%q is not a size such as 200MiB or 1GiB", s)
			}
			return int64(f * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 200MiB or 1GiB", s)
	}
	return n, nil
}

// mib writes an amount of memory in whole MiB: "326 MiB".
func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// signedMiB writes a difference of memory with its sign: "+7 MiB", "-180 MiB".
func signedMiB(b int64) string { return fmt.Sprintf("%+.0f MiB", float64(b)/(1<<20)) }
