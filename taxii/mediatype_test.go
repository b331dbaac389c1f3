package taxii

import "testing"

func TestAcceptable(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   bool
	}{
		{"", true},
		{"application/taxii+json;version=2.1", true},
		{"application/taxii+json", true},
		{"application/taxii+json; version=2.1", true},
		{"*/*", true},
		{"application/*", true},
		{"text/html, application/taxii+json;version=2.1;q=0.9", true},
		{"application/taxii+json;version=2.0", false},
		{"application/json", false},
		{"application/stix+json;version=2.1", false},
		{"application/taxii+json;q=0", false},
		{"garbage;;;", false},
	} {
		if got := acceptable(tc.accept); got != tc.want {
			t.Errorf("acceptable(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func TestTAXIIContent(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		want bool
	}{
		{"application/taxii+json;version=2.1", true},
		{"application/taxii+json", true},
		{"application/taxii+json;version=2.0", false},
		{"application/json", false},
		{"", false},
	} {
		if got := taxiiContent(tc.ct); got != tc.want {
			t.Errorf("taxiiContent(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}
