package attribution

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery([]byte(`{"id":"a","techniques":["T1566.001"],"software":["S0154"],"limit":3}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Query{ID: "a", Techniques: []string{"T1566.001"}, Software: []string{"S0154"}, Limit: 3}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"id":"a","technique":["T1"]}`, `technique`},
		{`{"techniques":"T1"}`, `/techniques`},
		{`{"id":"a","limit":-1}`, `limit must not be negative`},
		{`{"id":`, `query:`},
		{`[]`, `query:`},
		{`{"techniques":[` + strings.Repeat(`"T1",`, MaxQueryItems) + `"T1"]}`, "exceed MaxQueryItems"},
	} {
		if _, err := ParseQuery([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseQuery(%.40s) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestQueryReader(t *testing.T) {
	in := "{\"id\":\"1\",\"techniques\":[\"T1\"]}\n\n{\"id\":\"2\",\"bad\":1}\n" + `{"id":"3"}` + "\n" + strings.Repeat("x", MaxQueryBytes+10) + "\n" + `{"id":"4"}`
	qr := NewQueryReader(strings.NewReader(in))
	var got []string
	for {
		q, err := qr.Next()
		if err == io.EOF {
			break
		}
		var qe *QueryError
		if errors.As(err, &qe) {
			got = append(got, "error line "+string(rune('0'+qe.Line))+" "+qe.ID)
			if qe.Line == 5 && !errors.Is(err, ErrQueryTooLarge) {
				t.Errorf("line 5: %v, want ErrQueryTooLarge", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, q.ID)
	}
	want := []string{"1", "error line 3 2", "3", "error line 5 ", "4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

func FuzzParseQuery(f *testing.F) {
	f.Add([]byte(`{"id":"a","techniques":["T1566.001"],"software":["S0154"]}`))
	f.Add([]byte(`{"indicators":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],"sectors":["energy"],"countries":["DE"]}`))
	e := NewEngine(small(&testing.T{}).k, Config{})
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ParseQuery(data)
		if err != nil {
			return
		}
		// Any accepted query ranks without failing, within its limit.
		r := e.Rank(q)
		limit := q.Limit
		if limit == 0 {
			limit = DefaultLimit
		}
		if len(r.Candidates) > limit {
			t.Fatalf("%d candidates for limit %d", len(r.Candidates), limit)
		}
		for _, c := range r.Candidates {
			if !(c.Score >= 0 && c.Score <= 1) {
				t.Fatalf("score %v outside [0, 1]", c.Score)
			}
		}
	})
}
