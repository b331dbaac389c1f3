package objecthook

import (
	"fmt"
	"slices"
	"strings"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// MaxFilterItems bounds each list of a Filter.
const MaxFilterItems = 1000

// A Filter selects the object versions a hook receives. Each list that is
// not empty must match (they combine with AND); within a list any item
// matches (OR). An empty Filter takes everything the account may read.
type Filter struct {
	// Types are STIX types ("indicator", "sighting").
	Types []string `json:"types,omitempty"`
	// Markings are TLP levels ("clear", "green", "amber", "amber+strict",
	// "red", "unmarked": the strictest level anywhere in the object) and
	// marking-definition ids (one of the object's markings).
	Markings []string `json:"markings,omitempty"`
	// Producers are identity ids: the object's created_by_ref.
	Producers []string `json:"producers,omitempty"`
	// Values are observable values (an IP, a domain, a URL, a hash…): an
	// indicator whose STIX pattern names one of them, or an observable
	// whose value or hash is one. Compared without regard to case.
	Values []string `json:"values,omitempty"`
}

// Check normalises the filter (lower-case markings and values, TLP names
// canonical) and reports the first item that is not what its list takes.
func (f *Filter) Check() error {
	for name, list := range map[string][]string{"types": f.Types, "markings": f.Markings, "producers": f.Producers, "values": f.Values} {
		if len(list) > MaxFilterItems {
			return fmt.Errorf("filter %s: %d items, at most %d", name, len(list), MaxFilterItems)
		}
	}
	for _, t := range f.Types {
		if err := stix.CheckTypeName(t); err != nil {
			return fmt.Errorf("filter types: %q: %v", t, err)
		}
	}
	for i, m := range f.Markings {
		m = strings.ToLower(strings.TrimSpace(m))
		if typ, _, err := stix.ParseID(m); err == nil && typ == "marking-definition" {
			f.Markings[i] = m
			continue
		}
		if m == "unmarked" {
			f.Markings[i] = m
			continue
		}
		t, err := stix.ParseTLP(m)
		if err != nil {
			return fmt.Errorf("filter markings: %q is neither a TLP level (clear, green, amber, amber+strict, red, unmarked) nor a marking-definition id", m)
		}
		f.Markings[i] = tlpName(t)
	}
	for i, p := range f.Producers {
		p = strings.ToLower(strings.TrimSpace(p))
		if typ, _, err := stix.ParseID(p); err != nil || typ != "identity" {
			return fmt.Errorf("filter producers: %q is not an identity id (identity--<UUID>)", p)
		}
		f.Producers[i] = p
	}
	for i, v := range f.Values {
		if v = strings.ToLower(strings.TrimSpace(v)); v == "" {
			return fmt.Errorf("filter values: item %d is empty", i+1)
		}
		f.Values[i] = v
	}
	return nil
}

// tlpName is the name a Filter uses for a level: "amber+strict",
// "unmarked".
func tlpName(t stix.TLP) string {
	if t == stix.TLPUnmarked {
		return "unmarked"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "TLP:"))
}

// Match reports whether o passes the filter (checked by Check).
func (f *Filter) Match(o *stix.Object) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, o.Type) {
		return false
	}
	if len(f.Producers) > 0 && !slices.Contains(f.Producers, strings.ToLower(o.CreatedByRef)) {
		return false
	}
	if len(f.Markings) > 0 && !f.matchMarking(o) {
		return false
	}
	return len(f.Values) == 0 || f.matchValue(o)
}

func (f *Filter) matchMarking(o *stix.Object) bool {
	if slices.Contains(f.Markings, tlpName(stix.StrictestTLP(o))) {
		return true
	}
	for _, m := range o.ObjectMarkingRefs {
		if slices.Contains(f.Markings, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// observable is what matchValue reads of an object.
type observable struct {
	Pattern     string            `json:"pattern"`
	PatternType string            `json:"pattern_type"`
	Value       any               `json:"value"`
	Hashes      map[string]string `json:"hashes"`
}

func (f *Filter) matchValue(o *stix.Object) bool {
	var ob observable
	if err := json.Unmarshal(o.Raw, &ob); err != nil {
		return false
	}
	has := func(v string) bool { return slices.Contains(f.Values, strings.ToLower(v)) }
	if o.Type == "indicator" && (ob.PatternType == "" || ob.PatternType == "stix") {
		vals, ok := pattern.ValuesOf(ob.Pattern)
		if ok && slices.ContainsFunc(vals, has) {
			return true
		}
	}
	if s, ok := ob.Value.(string); ok && has(s) {
		return true
	}
	for _, h := range ob.Hashes {
		if has(h) {
			return true
		}
	}
	return false
}
