package match

import (
	"embed"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

// Mapping tells a reader which log fields hold which STIX object paths, and
// which field holds the time. Log fields whose names are already object
// paths (they contain ':') need no mapping.
type Mapping struct {
	Description string `json:"description"`
	// Time is the field holding the record's time: RFC 3339 text, or
	// seconds since 1970 as a number (Zeek's "ts").
	Time string `json:"time"`
	// Fields maps log field names to object paths.
	Fields map[string]string `json:"fields"`
}

//go:embed mappings/*.json
var mappingFS embed.FS

// Mappings returns the names of the built-in mappings ("dns", "proxy",
// "flow", "zeek-conn", …).
func Mappings() []string {
	ents, _ := mappingFS.ReadDir("mappings")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// LoadMapping returns the built-in mapping of that name, or else reads the
// mapping file at that path. It checks that every target is an object path.
func LoadMapping(name string) (*Mapping, error) {
	data, err := mappingFS.ReadFile(path.Join("mappings", name+".json"))
	if err != nil {
		data, err = os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("mapping %q is neither built in (%s) nor a readable file: %v", name, strings.Join(Mappings(), ", "), err)
		}
	}
	return ParseMapping(data)
}

// ParseMapping reads a mapping from its JSON text:
//
//	{"time": "ts", "fields": {"query": "domain-name:value", "id.resp_h": "network-traffic:dst_ref.value"}}
func ParseMapping(data []byte) (*Mapping, error) {
	var m Mapping
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("mapping: %v", err)
	}
	var ks Keys
	for field, p := range m.Fields {
		if _, err := ks.Get(p); err != nil {
			return nil, fmt.Errorf("mapping: field %q: %v", field, err)
		}
	}
	return &m, nil
}
