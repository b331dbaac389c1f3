package match

import (
	"bytes"
	"context"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

func TestLineSink(t *testing.T) {
	obj := func(id string) *stix.Object { return &stix.Object{ID: id, Raw: []byte(`{"id":"` + id + `"}`)} }
	var buf bytes.Buffer
	s := NewLineSink(&buf)
	ctx := context.Background()
	od, sco := obj("observed-data--1"), obj("domain-name--1")
	if err := s.Sighting(ctx, obj("sighting--1"), []*stix.Object{od, sco}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sighting(ctx, obj("sighting--2"), []*stix.Object{od, obj("observed-data--2")}); err != nil {
		t.Fatal(err)
	}
	want := `{"id":"observed-data--1"}
{"id":"domain-name--1"}
{"id":"sighting--1"}
{"id":"observed-data--2"}
{"id":"sighting--2"}
`
	if got := buf.String(); got != want {
		t.Errorf("lines written:\n%s\nwant (each related object once):\n%s", got, want)
	}
}
