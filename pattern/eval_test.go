package pattern

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// od builds observed data in the deprecated embedded form: one
// observed-data object seen n times at second sec of a fixed minute, with
// the given objects.
func od(n, first, last int, objs ...string) string {
	var b strings.Builder
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d":%s`, i, o)
	}
	return fmt.Sprintf(`{"type":"observed-data","id":"observed-data--%08d-0000-4000-8000-000000000000","number_observed":%d,"first_observed":"2024-01-01T00:00:%02dZ","last_observed":"2024-01-01T00:00:%02dZ","objects":{%s}}`, first*100+last, n, first, last, b.String())
}

func TestEvaluate(t *testing.T) {
	ip := `{"type":"ipv6-addr","value":"2001:db8::1"}`
	net4 := `{"type":"network-traffic","src_ref":"1","dst_ref":"2","dst_port":443,"protocols":["tcp","tls"]}`
	a1 := `{"type":"ipv4-addr","value":"198.51.100.7"}`
	a2 := `{"type":"ipv4-addr","value":"203.0.113.9"}`
	file := `{"type":"file","name":"Report\nfinal.exe","size":9007199254740993,"hashes":{"SHA-256":"aa"},"magic_number_hex":"4d5a9000","x_list":[1,2,3]}`
	for _, tc := range []struct {
		pattern string
		data    []string
		want    string // "match", "nomatch" or an error substring
	}{
		{"[ipv6-addr:value ISSUBSET '2001:db8::/32']", []string{od(1, 0, 0, ip)}, "match"},
		{"[ipv6-addr:value ISSUBSET '10.0.0.0/8']", []string{od(1, 0, 0, ip)}, "nomatch"},
		{"[ipv6-addr:value NOT ISSUBSET '2001:db9::/32']", []string{od(1, 0, 0, ip)}, "match"},
		{"[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24' AND network-traffic:dst_port = 443]", []string{od(1, 0, 0, net4, a1, a2)}, "match"},
		{"[network-traffic:src_ref.value ISSUBSET '203.0.113.0/24']", []string{od(1, 0, 0, net4, a1, a2)}, "nomatch"},
		{"[network-traffic:protocols[*] = 'tls']", []string{od(1, 0, 0, net4)}, "match"},
		{"[network-traffic:protocols[-1] = 'tls']", []string{od(1, 0, 0, net4)}, "match"},
		{"[network-traffic:protocols[2] = 'tls']", []string{od(1, 0, 0, net4)}, "nomatch"},
		{"[ipv4-addr:value = '198.51.100.7']", []string{od(1, 0, 0, net4, a1)}, "match"},
		// SQL LIKE: % and _ also match a newline.
		{"[file:name LIKE 'Report_final%']", []string{od(1, 0, 0, file)}, "match"},
		{"[file:name LIKE 'report%']", []string{od(1, 0, 0, file)}, "nomatch"},
		{"[file:name LIKE '%.exe']", []string{od(1, 0, 0, file)}, "match"},
		{"[file:name MATCHES '(?i)^report']", []string{od(1, 0, 0, file)}, "match"},
		{"[file:name MATCHES 'exe\\\\Z']", []string{od(1, 0, 0, file)}, "match"},
		{"[file:name MATCHES '\\\\u0052eport']", []string{od(1, 0, 0, file)}, "match"},
		// Integers beyond 2^53 compare exactly.
		{"[file:size = 9007199254740993]", []string{od(1, 0, 0, file)}, "match"},
		{"[file:size = 9007199254740992]", []string{od(1, 0, 0, file)}, "nomatch"},
		{"[file:magic_number_hex = h'4D5A9000']", []string{od(1, 0, 0, file)}, "match"},
		{"[file:magic_number_hex MATCHES '^MZ\\\\x90']", []string{od(1, 0, 0, file)}, "match"},
		{"[EXISTS file:hashes.'SHA-256']", []string{od(1, 0, 0, file)}, "match"},
		{"[EXISTS file:hashes.MD5]", []string{od(1, 0, 0, file)}, "nomatch"},
		{"[file:x_list[*] > 2]", []string{od(1, 0, 0, file)}, "match"},
		{"[file:x_list[*] > 3]", []string{od(1, 0, 0, file)}, "nomatch"},
		// number_observed: one object seen twice meets [a] AND [a] and
		// REPEATS 2, not REPEATS 3.
		{"[ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '198.51.100.7']", []string{od(2, 0, 0, a1)}, "match"},
		{"[ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '198.51.100.7']", []string{od(1, 0, 0, a1)}, "nomatch"},
		{"[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES", []string{od(2, 0, 0, a1)}, "match"},
		{"[ipv4-addr:value = '198.51.100.7'] REPEATS 3 TIMES", []string{od(2, 0, 0, a1)}, "nomatch"},
		{"[ipv4-addr:value = '198.51.100.7'] REPEATS 3 TIMES", []string{od(2, 0, 0, a1), od(1, 5, 5, a1)}, "match"},
		// FOLLOWEDBY compares first_observed of the left with last_observed
		// of the right.
		{"[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.9']", []string{od(1, 5, 5, a1), od(1, 1, 5, a2)}, "match"},
		{"[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.9']", []string{od(1, 5, 5, a1), od(1, 1, 4, a2)}, "nomatch"},
		{"([ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '203.0.113.9']) WITHIN 3 SECONDS", []string{od(1, 0, 1, a1), od(1, 4, 9, a2)}, "match"},
		{"([ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '203.0.113.9']) WITHIN 2.5 SECONDS", []string{od(1, 0, 1, a1), od(1, 4, 9, a2)}, "nomatch"},
		// START is included, STOP excluded.
		{"[ipv4-addr:value = '198.51.100.7'] START t'2024-01-01T00:00:05Z' STOP t'2024-01-01T00:00:06Z'", []string{od(1, 3, 5, a1)}, "match"},
		{"[ipv4-addr:value = '198.51.100.7'] START t'2024-01-01T00:00:00Z' STOP t'2024-01-01T00:00:03Z'", []string{od(1, 3, 5, a1)}, "nomatch"},
		// Errors in the data.
		{"[file:ctime > t'2024-01-01T00:00:00Z']", []string{od(1, 0, 0, `{"type":"file","ctime":"2024-01-01 00:00:00"}`)}, `"2024-01-01 00:00:00" is not a STIX timestamp`},
		{"[file:magic_number_hex = h'00']", []string{od(1, 0, 0, `{"type":"file","magic_number_hex":"zz"}`)}, "property magic_number_hex: \"zz\" is not hexadecimal"},
		{"[file:name = 'a']", []string{`{"type":"observed-data","id":"observed-data--1","number_observed":0,"first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","objects":{}}`}, "number_observed must be an integer of at least 1"},
		{"[file:name = 'a']", []string{`{"type":"observed-data","id":"observed-data--1","number_observed":1,"first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z"}`}, "has neither object_refs nor objects"},
	} {
		p, err := Compile(tc.pattern)
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		got := "nomatch"
		obs, err := ParseObservations([]byte("[" + strings.Join(tc.data, ",") + "]"))
		var r *Result
		if err == nil {
			r, err = p.Evaluate(obs)
		}
		switch {
		case err != nil:
			got = err.Error()
		case r.Matched:
			got = "match"
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.pattern, got, tc.want)
		}
	}
}

func TestEvaluateNotChecked(t *testing.T) {
	p, err := Parse("[x:y = 1]")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Evaluate(nil); !errors.Is(err, ErrNotChecked) {
		t.Errorf("err = %v, want ErrNotChecked", err)
	}
}

func TestMaxBindings(t *testing.T) {
	var objs []*Observation
	for i := 0; i < 400; i++ {
		o := NewObservation(time.Unix(int64(i), 0), Object{"type": "x-a", "v": int64(1)})
		objs = append(objs, o)
	}
	p := MustParse("[x-a:v = 1] REPEATS 3 TIMES")
	if _, err := p.Evaluate(objs); !errors.Is(err, ErrTooManyBindings) {
		t.Errorf("err = %v, want ErrTooManyBindings", err)
	}
	p = MustParse("[x-a:v = 1] REPEATS 2 TIMES")
	if ok, err := p.Match(objs[:3]); !ok || err != nil {
		t.Errorf("Match = %v, %v; want true", ok, err)
	}
}

func TestLikeMatcher(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"", "", true}, {"%", "", true}, {"_", "", false}, {"_", "é", true},
		{"a%b%c", "aXbYc", true}, {"a%b%c", "aXbY", false}, {"%%a", "ba", true},
		{"a_c", "abc", true}, {"a_c", "abbc", false}, {"%abc", "ababc", true},
		{"abc", "abc", true}, {"abc", "abd", false}, {"a%", "b", false},
	} {
		if got := newLikeMatcher(tc.pat).match(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q = %v, want %v", tc.s, tc.pat, got, tc.want)
		}
	}
}
