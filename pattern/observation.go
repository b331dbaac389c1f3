package pattern

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Object is one cyber-observable object as decoded JSON: property names to
// values, where a value is a string, int64, float64, bool, nil, []any or
// map[string]any. Integers stay int64 so large counters and sizes compare
// exactly.
type Object = map[string]any

// Observation is what one observed-data object reports: its objects, when
// and how often they were seen. Objects are keyed the way references name
// them: by identifier for STIX 2.1 object_refs, by the dictionary key for
// the deprecated embedded "objects" form.
//
// An Observation is read-only during evaluation and may be shared by
// goroutines.
type Observation struct {
	// ID is the observed-data identifier ("" for observations made from
	// log records).
	ID             string
	FirstObserved  time.Time
	LastObserved   time.Time
	NumberObserved int
	Objects        map[string]Object
	// Roots lists, in order, the keys of the objects the observation
	// reports; comparisons start from these. Objects reachable only by
	// reference are in Objects but not in Roots.
	Roots []string
}

// NewObservation returns an observation of the given objects, seen once at
// t; the objects are keyed "0", "1", … in order.
func NewObservation(t time.Time, objs ...Object) *Observation {
	o := &Observation{FirstObserved: t, LastObserved: t, NumberObserved: 1, Objects: make(map[string]Object, len(objs)), Roots: make([]string, len(objs))}
	for i, obj := range objs {
		k := strconv.Itoa(i)
		o.Objects[k] = obj
		o.Roots[i] = k
	}
	return o
}

// maxJSONDepth bounds nesting when decoding observed data.
const maxJSONDepth = 64

// DecodeJSON decodes one JSON value into the representation Object uses.
func DecodeJSON(data []byte) (any, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(strings.TrimPrefix(err.Error(), "jsontext: "), "json: "))
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *jsontext.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nests deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		return numberValue(tok.String()), nil
	case '{':
		m := make(map[string]any)
		for dec.PeekKind() != '}' {
			k, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := k.String()
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		a := []any{}
		for dec.PeekKind() != ']' {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.ReadToken()
		return a, err
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok.Kind())
}

// numberValue keeps integers exact and everything else float64.
func numberValue(s string) any {
	isInt := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			isInt = false
			break
		}
	}
	if isInt {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// ParseObservations reads observed data in any of the shapes STIX tools
// exchange: a bundle, a JSON array of bundles, or a JSON array of objects
// (observed-data with embedded "objects", or observed-data and the SCOs
// their object_refs name). Every observed-data object becomes one
// Observation, in input order; SCOs referenced by no observed-data are not
// observations of their own.
//
// It returns an error naming the object for an observed-data without
// objects, with a number_observed below 1 or with a malformed timestamp.
func ParseObservations(data []byte) ([]*Observation, error) {
	objs, byID, err := ReadObjects(data)
	if err != nil {
		return nil, err
	}
	var out []*Observation
	for _, o := range objs {
		if o["type"] != "observed-data" {
			continue
		}
		obs, err := ObservationFromObject(o, byID)
		if err != nil {
			return nil, err
		}
		out = append(out, obs)
	}
	return out, nil
}

// ReadObjects decodes the STIX objects of a bundle, a JSON array of bundles
// or a JSON array of objects, in input order, and indexes them by id. Use
// it with ObservationFromObject to build observations one by one, so one
// malformed observed-data object does not stop the others.
func ReadObjects(data []byte) (objs []Object, byID map[string]Object, err error) {
	v, err := DecodeJSON(data)
	if err != nil {
		return nil, nil, fmt.Errorf("observed data: %v", err)
	}
	var collect func(v any, top bool) error
	collect = func(v any, top bool) error {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "bundle" {
				list, _ := v["objects"].([]any)
				for _, o := range list {
					if m, ok := o.(map[string]any); ok {
						objs = append(objs, m)
					}
				}
				return nil
			}
			objs = append(objs, v)
		case []any:
			if !top {
				return errors.New("observed data: nested arrays are not a STIX shape")
			}
			for _, e := range v {
				if err := collect(e, false); err != nil {
					return err
				}
			}
		default:
			return errors.New("observed data must be a bundle or a JSON array of bundles or objects")
		}
		return nil
	}
	if err := collect(v, true); err != nil {
		return nil, nil, err
	}
	byID = make(map[string]Object, len(objs))
	for _, o := range objs {
		if id, ok := o["id"].(string); ok {
			byID[id] = o
		}
	}
	return objs, byID, nil
}

// ObservationFromObject builds the Observation of one observed-data object.
// byID resolves STIX 2.1 object_refs; the deprecated embedded "objects"
// dictionary is used when object_refs is absent.
func ObservationFromObject(od Object, byID map[string]Object) (*Observation, error) {
	id, _ := od["id"].(string)
	name := strconv.Quote(id)
	obs := &Observation{ID: id}
	n, ok := od["number_observed"].(int64)
	if !ok || n < 1 {
		return nil, fmt.Errorf("observed-data %s: number_observed must be an integer of at least 1 (got %v)", name, od["number_observed"])
	}
	if n > 1<<30 {
		n = 1 << 30
	}
	obs.NumberObserved = int(n)
	for _, f := range []struct {
		prop string
		dst  *time.Time
	}{{"first_observed", &obs.FirstObserved}, {"last_observed", &obs.LastObserved}} {
		s, _ := f.prop, ""
		str, ok := od[s].(string)
		if !ok {
			return nil, fmt.Errorf("observed-data %s: %s is required and must be a timestamp", name, s)
		}
		t, err := parseJSONTimestamp(str)
		if err != nil {
			return nil, fmt.Errorf("observed-data %s: %s: %v", name, s, err)
		}
		*f.dst = t
	}
	if obs.LastObserved.Before(obs.FirstObserved) {
		return nil, fmt.Errorf("observed-data %s: last_observed precedes first_observed", name)
	}
	if refs, ok := od["object_refs"].([]any); ok {
		obs.Objects = make(map[string]Object, len(refs))
		for _, r := range refs {
			rid, ok := r.(string)
			if !ok {
				continue
			}
			if o, ok := byID[rid]; ok {
				if _, dup := obs.Objects[rid]; !dup {
					obs.Objects[rid] = o
					obs.Roots = append(obs.Roots, rid)
				}
			}
		}
		return obs, nil
	}
	if objs, ok := od["objects"].(map[string]any); ok {
		obs.Objects = make(map[string]Object, len(objs))
		keys := make([]string, 0, len(objs))
		for k, o := range objs {
			if m, ok := o.(map[string]any); ok {
				obs.Objects[k] = m
				keys = append(keys, k)
			}
		}
		sortKeys(keys)
		obs.Roots = keys
		return obs, nil
	}
	return nil, fmt.Errorf("observed-data %s: has neither object_refs nor objects", name)
}

// sortKeys orders embedded-object keys numerically when they are numbers
// ("0", "1", …, "10"), else as text.
func sortKeys(keys []string) {
	less := func(a, b string) bool {
		na, ea := strconv.Atoi(a)
		nb, eb := strconv.Atoi(b)
		if ea == nil && eb == nil {
			return na < nb
		}
		return a < b
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// parseJSONTimestamp reads a timestamp found in observed data: the strict
// STIX form, and a real calendar date.
func parseJSONTimestamp(s string) (time.Time, error) {
	if msg := checkTimestamp(s); msg != "" {
		return time.Time{}, fmt.Errorf("%q is not a STIX timestamp: %s", s, msg)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if s[17:19] == "60" {
			return timestampTime(s), nil
		}
		return time.Time{}, fmt.Errorf("%q is not a valid date and time", s)
	}
	return t, nil
}
