package match

import (
	"strings"
	"testing"
)

func TestNewReader(t *testing.T) {
	for _, f := range append(Formats(), "", "json") {
		if _, err := NewReader(f, strings.NewReader(""), nil); err != nil {
			t.Errorf("NewReader(%q): %v", f, err)
		}
	}
	if _, err := NewReader("pcap", strings.NewReader(""), nil); err == nil || !strings.Contains(err.Error(), `"pcap" is not one of jsonl, stix, zeek, suricata, csv`) {
		t.Errorf("unknown format: %v", err)
	}
	m, err := LoadMapping(Mappings()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewReader("stix", strings.NewReader(""), m); err == nil {
		t.Error("a mapping for STIX input was accepted")
	}
}
