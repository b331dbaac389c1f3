package match_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// Matching a JSON-lines log against indicators: one sighting per indicator
// and hour, with the number of records that matched.
func ExampleStream() {
	feed := `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[domain-name:value = 'evil.example' OR domain-name:value LIKE '%.evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`
	log := `{"ts":"2026-03-01T10:00:00Z","domain-name:value":"www.evil.example"}
{"ts":"2026-03-01T10:00:05Z","domain-name:value":"good.example"}
{"ts":"2026-03-01T10:01:00Z","domain-name:value":"evil.example"}`

	m := match.New()
	if err := match.LoadIndicators(m, strings.NewReader(feed)); err != nil {
		fmt.Println(err)
		return
	}
	sink := printSink{}
	st, err := (&match.Stream{
		Matcher:    m,
		Reader:     match.NewJSONLinesReader(strings.NewReader(log), nil),
		Aggregator: &match.Aggregator{Sink: sink},
	}).Run(context.Background())
	fmt.Println(st.Records, "records,", st.Matched, "matched,", st.Sightings, "sighting;", err)
	// Output:
	// sighting of indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f, count 2
	// 3 records, 2 matched, 1 sighting; <nil>
}

type printSink struct{}

func (printSink) Sighting(_ context.Context, s *stix.Object, _ []*stix.Object) error {
	var v struct {
		Of    string `json:"sighting_of_ref"`
		Count int    `json:"count"`
	}
	if err := s.Decode(&v); err != nil {
		return err
	}
	fmt.Printf("sighting of %s, count %d\n", v.Of, v.Count)
	return nil
}
