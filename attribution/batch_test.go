package attribution

import (
	"bytes"
	"context"
	json "encoding/json/v2"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRankBatch(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	in := strings.Join([]string{
		`{"id":"q1","techniques":["T9","T2"]}`,
		``,
		`{"id":"bad","techniques":"T1"}`,
		`{"id":"q2","techniques":["T3"],"limit":1}`,
		`not json`,
	}, "\n")
	var out bytes.Buffer
	var invalid []int
	st, err := RankBatch(context.Background(), e, strings.NewReader(in), 2, &out, func(qe *QueryError) { invalid = append(invalid, qe.Line) })
	if err != nil {
		t.Fatal(err)
	}
	if want := (BatchStats{Lines: 5, Ranked: 2, Invalid: 2}); st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	if diff := cmp.Diff([]int{3, 5}, invalid); diff != "" {
		t.Errorf("invalid lines (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), out.String())
	}
	type line struct {
		ID         string `json:"id"`
		Error      string `json:"error"`
		Candidates []struct {
			ExternalID string  `json:"external_id"`
			Score      float64 `json:"score"`
		} `json:"candidates"`
	}
	var got []line
	for _, l := range lines {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, v)
	}
	if got[0].ID != "q1" || len(got[0].Candidates) == 0 || len(got[0].Candidates) > 2 || got[0].Candidates[0].ExternalID != "G1" {
		t.Errorf("q1 = %+v, want G1 first of at most 2 (the batch's limit)", got[0])
	}
	if got[1].ID != "bad" || !strings.Contains(got[1].Error, "techniques") {
		t.Errorf("bad line = %+v, want its id and an error naming the member", got[1])
	}
	if got[2].ID != "q2" || len(got[2].Candidates) != 1 {
		t.Errorf("q2 = %+v, want one candidate (the query's limit)", got[2])
	}
	if got[3].ID != "" || got[3].Error == "" {
		t.Errorf("line 5 = %+v, want an error line without id", got[3])
	}
	for _, c := range got[0].Candidates {
		if x := c.Score * 1e4; math.Abs(x-math.Round(x)) > 1e-6 {
			t.Errorf("score %v has more than four decimals", c.Score)
		}
	}
}

func TestRankBatchStops(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RankBatch(ctx, e, strings.NewReader(`{"id":"q1","techniques":["T9"]}`), 5, &bytes.Buffer{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
	if _, err := RankBatch(context.Background(), e, strings.NewReader(`{"id":"q1","techniques":["T9"]}`), 5, failWriter{}, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("broken output: err = %v, want the writer's error", err)
	}
	if _, err := RankBatch(context.Background(), e, iotestErr{}, 5, &bytes.Buffer{}, nil); err == nil || !strings.HasPrefix(err.Error(), "read queries: ") {
		t.Errorf("broken input: err = %v, want read queries: …", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestRankingWriteJSONLine(t *testing.T) {
	e := NewEngine(small(t).k, Config{})
	var out bytes.Buffer
	if err := e.Rank(Query{ID: "inc-1", Techniques: []string{"T9"}, Limit: 3}).WriteJSONLine(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasSuffix(s, "}\n") || strings.Count(s, "\n") != 1 || !strings.HasPrefix(s, `{"id":"inc-1","candidates":[{"id":"intrusion-set--`) || !strings.Contains(s, `"external_id":"G1","name":"Alpha","score":`) {
		t.Errorf("line = %s, want one JSON line, the query's id and G1 first", s)
	}
	out.Reset()
	c := e.Compare(Query{Techniques: []string{"T9", "T3"}}, 2)
	if c == nil {
		t.Fatal("no comparison")
	}
	if err := c.WriteJSONLine(&out); err != nil {
		t.Fatal(err)
	}
	var v ComparisonView
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Hypotheses) != 2 {
		t.Errorf("comparison line %s: err %v, %d hypotheses, want 2", out.String(), err, len(v.Hypotheses))
	}
}

func TestReadKnowledgeFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "kb.json")
	os.WriteFile(good, []byte(`{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"Kept","external_references":[{"source_name":"mitre-attack","external_id":"G0001"}]},
	 {"type":"intrusion-set","id":"broken"}]}`), 0o600)
	k, err := ReadKnowledgeFile(good)
	var le *LoadError
	if !errors.As(err, &le) || len(le.Errors) != 1 || k == nil || k.Lookup("G0001") == nil {
		t.Errorf("bundle with a bad object: k %v, err %v; want the good one kept and a LoadError of 1", k, err)
	}
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"objects":[`), 0o600)
	for path, want := range map[string]string{filepath.Join(dir, "nosuch.json"): "open bundle: ", broken: `bundle "` + broken + `": read bundle`} {
		if k, err := ReadKnowledgeFile(path); k != nil || err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: k %v, err %v; want no knowledge and %q…", path, k, err, want)
		}
	}
}
