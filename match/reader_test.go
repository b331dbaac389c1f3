package match

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// readAll returns each record as "line time path=value ..." and each
// malformed record as "line: error".
func readAll(t testing.TB, r Reader) []string {
	t.Helper()
	var out []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		var le *LineError
		if errors.As(err, &le) {
			out = append(out, le.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		s := []string{rec.Time.Format(time.RFC3339Nano)}
		for _, f := range rec.Fields {
			s = append(s, f.Key.Canon+"="+f.Str)
		}
		out = append(out, strings.Join(s, " "))
	}
}

func TestJSONLinesReader(t *testing.T) {
	in := `{"ts":"2026-03-01T10:00:00Z","domain-name:value":"a.example","network-traffic:dst_port":443,"x":"ignored"}

{"ts":1772359200.5, "ipv4-addr:value" : "203.0.113.5", "n": null}
{"ts":"2026-03-01T10:00:00Z","domain-name:value":"esc\"aped","url:value":["http://a/","http://b/"],"nested":{"a":1}}
{"ts":"yesterday"}
[1,2]
{"domain-name:value":
` + `{"ts":"2026-03-01T10:00:00Z","` + strings.Repeat("a", MaxLineBytes) + `":1}
{"ts":"2026-03-01T10:00:00Z","file:hashes.'SHA-256'":"ab"}`
	got := readAll(t, NewJSONLinesReader(strings.NewReader(in), nil))
	want := []string{
		"2026-03-01T10:00:00Z domain-name:value=a.example network-traffic:dst_port=443",
		"2026-03-01T10:00:00.5Z ipv4-addr:value=203.0.113.5",
		"", // checked below: order of a decoded object's members is not fixed
		`line 5: time "yesterday" is neither RFC 3339 nor seconds since 1970`,
		"line 6: a record must be a JSON object",
		"line 7: malformed JSON: unexpected EOF",
		"line 8: line longer than MaxLineBytes (1048576)",
		"2026-03-01T10:00:00Z file:hashes.'SHA-256'=ab",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if i == 2 {
			for _, part := range []string{`domain-name:value=esc"aped`, "url:value=http://a/", "url:value=http://b/"} {
				if !strings.Contains(got[i], part) {
					t.Errorf("record 3 = %q, lacks %q", got[i], part)
				}
			}
			continue
		}
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("record %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

func TestJSONLinesMapping(t *testing.T) {
	m, err := LoadMapping("dns")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, NewJSONLinesReader(strings.NewReader(`{"timestamp":"2026-03-01T10:00:00Z","query":"a.example","answers":["192.0.2.1","192.0.2.2"],"client_ip":"198.51.100.1"}`), m))
	want := "2026-03-01T10:00:00Z domain-name:value=a.example ipv4-addr:value=192.0.2.1 ipv4-addr:value=192.0.2.2 network-traffic:src_ref.value=198.51.100.1"
	if len(got) != 1 || !sameFields(got[0], want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if _, err := ParseMapping([]byte(`{"fields":{"a":"not a path"}}`)); err == nil || !strings.Contains(err.Error(), `mapping: field "a": object path "not a path"`) {
		t.Errorf("bad mapping: %v", err)
	}
	if len(Mappings()) != 9 {
		t.Errorf("Mappings() = %v", Mappings())
	}
	for _, name := range Mappings() {
		if _, err := LoadMapping(name); err != nil {
			t.Errorf("built-in mapping %s: %v", name, err)
		}
	}
}

func sameFields(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) != len(fb) {
		return false
	}
	seen := map[string]int{}
	for _, f := range fa {
		seen[f]++
	}
	for _, f := range fb {
		seen[f]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestZeekReader(t *testing.T) {
	in := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\n" +
		"1772359200.250000\tC1\t192.0.2.10\t53124\t203.0.113.5\t443\ttcp\n" +
		"1772359201.000000\tC2\t192.0.2.10\t-\t203.0.113.6\n" +
		"notatime\tC3\t192.0.2.10\t1\t203.0.113.7\t443\ttcp\n"
	got := readAll(t, NewZeekReader(strings.NewReader(in), nil))
	want := []string{
		"2026-03-01T10:00:00.25Z network-traffic:src_ref.value=192.0.2.10 network-traffic:src_port=53124 network-traffic:dst_ref.value=203.0.113.5 network-traffic:dst_port=443",
		"line 9: 5 columns, the #fields header names 7",
		`line 10: time "notatime" is neither RFC 3339 nor seconds since 1970`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCSVReader(t *testing.T) {
	in := "ts,ipv4-addr:value,user-account:user_id,network-traffic:dst_port\n" +
		"2026-03-01T10:00:00Z,203.0.113.5,1007,443\n" +
		"2026-03-01T10:00:01Z,\"unterminated\n"
	got := readAll(t, NewCSVReader(strings.NewReader(in), nil))
	want := []string{
		"2026-03-01T10:00:00Z ipv4-addr:value=203.0.113.5 user-account:user_id=1007 network-traffic:dst_port=443",
		"line 3: extraneous or missing \" in quoted-field",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCSVReaderEmptyInput is the regression test for a panic in
// csv.Reader.FieldPos when the input ends before any record.
func TestCSVReaderEmptyInput(t *testing.T) {
	for _, in := range []string{"", "ts,ipv4-addr:value\n"} {
		if _, err := NewCSVReader(strings.NewReader(in), nil).Next(); err != io.EOF {
			t.Errorf("%q: err = %v, want io.EOF", in, err)
		}
	}
}

// FuzzJSONLinesReader checks that no input makes the reader panic and that
// it always makes progress.
func FuzzJSONLinesReader(f *testing.F) {
	f.Add(`{"ts":"2026-03-01T10:00:00Z","domain-name:value":"a.example","network-traffic:dst_port":443}`)
	f.Add(`{"ts":1.5,"ipv4-addr:value":["1.2.3.4"],"x":{"y":[null,true]}}`)
	f.Add("{\"a:b\":\"\\u00e9\"}\n\n[]\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewJSONLinesReader(strings.NewReader(in), nil)
		m := New()
		m.AddObjects(nil)
		s := m.NewSession()
		for i := 0; i <= strings.Count(in, "\n")+1; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err == nil {
				s.Match(rec, func(Hit) {})
				rec.Observation()
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("no EOF after every line was read: %v", err)
		}
	})
}

// FuzzZeekReader checks that no input makes the Zeek reader panic.
func FuzzZeekReader(f *testing.F) {
	f.Add("#separator \\x09\n#path\tdns\n#fields\tts\tquery\n1.0\ta.example\n")
	f.Add("#separator \\x2c\n#fields,ts,query\n1.0,a\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewZeekReader(strings.NewReader(in), nil)
		for i := 0; i <= strings.Count(in, "\n")+1; i++ {
			if _, err := r.Next(); err == io.EOF {
				return
			}
		}
	})
}

// FuzzCSVReader checks that no input makes the CSV reader panic.
func FuzzCSVReader(f *testing.F) {
	f.Add("ts,ipv4-addr:value\n2026-03-01T10:00:00Z,1.2.3.4\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewCSVReader(strings.NewReader(in), nil)
		for i := 0; i <= len(in)+1; i++ {
			if _, err := r.Next(); err != nil && !errors.As(err, new(*LineError)) {
				return
			}
		}
	})
}

func TestSTIXReader(t *testing.T) {
	in := `[{"type":"observed-data","id":"observed-data--00000000-0000-4000-8000-000000000001","first_observed":"2026-03-01T10:00:00Z","last_observed":"2026-03-01T10:00:00Z","number_observed":0,"objects":{}},
{"type":"observed-data","id":"observed-data--00000000-0000-4000-8000-000000000002","first_observed":"2026-03-01T10:00:00Z","last_observed":"2026-03-01T10:00:01Z","number_observed":3,"object_refs":["domain-name--00000000-0000-4000-8000-000000000003"]},
{"type":"domain-name","id":"domain-name--00000000-0000-4000-8000-000000000003","value":"a.example"}]`
	got := readAll(t, NewSTIXReader(strings.NewReader(in)))
	want := []string{
		`line 1: observed-data "observed-data--00000000-0000-4000-8000-000000000001": number_observed must be an integer of at least 1 (got 0)`,
		"2026-03-01T10:00:01Z domain-name:value=a.example",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
