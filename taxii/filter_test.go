package taxii

import (
	"slices"
	"strings"
	"testing"
)

func TestParseVersions(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "last", want: "last"},
		{in: "first,last", want: "first|last"},
		{in: "2016-12-25T12:30:59.444Z,first", want: "2016-12-25T12:30:59.444Z|first"},
		{in: "all", want: "all"},
		{in: "all,first", err: `"all" cannot be combined`},
		{in: "newest", err: `"newest" is not first, last, all or a STIX timestamp`},
		{in: ",", err: "empty"},
	} {
		got, err := parseVersions(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseVersions(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != tc.want {
			t.Errorf("parseVersions(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	if got := splitList("a,,b, a ,c"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("splitList = %q", got)
	}
}
