package match

import (
	"context"
	"crypto/sha1"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"sort"
	"time"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// Sink receives sightings. The store is one; the CLI writes JSON lines.
type Sink interface {
	// Sighting receives one STIX 2.1 sighting and the objects it refers
	// to: the observed-data objects of observed_data_refs and the SCOs
	// they reference. An observation behind several sightings is passed
	// with each (same ids), so a sink may skip objects it already holds.
	Sighting(ctx context.Context, sighting *stix.Object, related []*stix.Object) error
}

// Aggregator turns hits into STIX sightings: one per indicator and time
// window (not one per log line), with the number of matches of the
// pattern as count, the first and last time of the records matched, and up
// to MaxObservedRefs observed-data. One Aggregator reports for one
// observer (WhereSightedRef).
//
// An Aggregator is not safe for concurrent use; feed it from one goroutine.
type Aggregator struct {
	// Window is the length of the time windows sightings are aggregated
	// over (default one hour), aligned to the Unix epoch.
	Window time.Duration
	// WhereSightedRef is the identity of the reporting organisation, put
	// in where_sighted_refs when set.
	WhereSightedRef string
	// CreatedByRef is put in created_by_ref when set.
	CreatedByRef string
	// MaxObservedRefs bounds observed_data_refs of one sighting (default
	// 16); count goes on counting past it.
	MaxObservedRefs int
	// Now is the creation time of sightings and of observed-data (default
	// time.Now).
	Now  func() time.Time
	Sink Sink
	// ID, when set, names the sighting of an indicator in the window that
	// starts at start, so that the same sighting made again (a hunt run
	// twice) is a new version of one object, not a second one. Random ids
	// otherwise.
	ID func(indicator string, start time.Time) string
	// ObservedID, when set, names the observed-data of a record read from
	// a log (records read from STIX keep their id), so that the same
	// records matched again (a queued batch given to a second worker)
	// make the same observed-data, created at Now, rather than new ones.
	// Random ids otherwise.
	ObservedID func(o *pattern.Observation) string
	// Suppress, when set, is asked of every hit first: a hit it reports
	// true of raises no sighting and is counted in Suppressed. A node sets
	// it to suppress hits whose observed values are all on warninglists.
	Suppress func(Hit) bool
	// Suppressed counts the hits Suppress took out.
	Suppressed int64

	groups map[groupKey]*group
	// Sightings counts the sightings emitted.
	Sightings int64
}

type groupKey struct {
	id    string
	start int64
}

type group struct {
	ind         *Indicator
	count       int64
	first, last time.Time
	observed    []*stix.Object // observed-data, then their SCOs
	refs        []string
}

// Add records a hit.
func (a *Aggregator) Add(ctx context.Context, h Hit) error {
	if a.Suppress != nil && a.Suppress(h) {
		a.Suppressed++
		return nil
	}
	if a.groups == nil {
		a.groups = make(map[groupKey]*group)
	}
	w := a.window()
	k := groupKey{h.Indicator.ID, h.Time.UnixNano() / int64(w)}
	g := a.groups[k]
	if g == nil {
		g = &group{ind: h.Indicator, first: h.Time, last: h.Time}
		a.groups[k] = g
	}
	max := a.MaxObservedRefs
	if max <= 0 {
		max = 16
	}
	g.count += matches(h)
	for _, o := range h.Observations {
		if o.FirstObserved.Before(g.first) {
			g.first = o.FirstObserved
		}
		if o.LastObserved.After(g.last) {
			g.last = o.LastObserved
		}
		if len(g.refs) < max {
			objs, err := a.observedData(o)
			if err != nil {
				return err
			}
			g.refs = append(g.refs, objs[0].ID)
			g.observed = append(g.observed, objs...)
		}
	}
	return nil
}

// matches is how many matches of the pattern a hit stands for: one for
// records from a log; for observed-data seen number_observed times, as
// many as the least observed of the observations the match needs (one
// FOLLOWEDBY over two records is one match, not two).
func matches(h Hit) int64 {
	n := int64(0)
	for i, o := range h.Observations {
		if c := int64(o.NumberObserved); i == 0 || c < n {
			n = c
		}
	}
	return max(n, 1)
}

func (a *Aggregator) window() time.Duration {
	if a.Window <= 0 {
		return time.Hour
	}
	return a.Window
}

// Flush emits the sightings of windows that ended at or before t, oldest
// first. Call it as the stream's time advances; Close emits the rest.
func (a *Aggregator) Flush(ctx context.Context, t time.Time) error {
	w := int64(a.window())
	return a.emit(ctx, func(k groupKey) bool { return (k.start+1)*w <= t.UnixNano() })
}

// Close emits every pending sighting.
func (a *Aggregator) Close(ctx context.Context) error {
	return a.emit(ctx, func(groupKey) bool { return true })
}

func (a *Aggregator) emit(ctx context.Context, due func(groupKey) bool) error {
	var keys []groupKey
	for k := range a.groups {
		if due(k) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].start != keys[j].start {
			return keys[i].start < keys[j].start
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		g := a.groups[k]
		delete(a.groups, k)
		s, err := a.sighting(g, time.Unix(0, k.start*int64(a.window())).UTC())
		if err != nil {
			return err
		}
		a.Sightings++
		if a.Sink != nil {
			if err := a.Sink.Sighting(ctx, s, g.observed); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Aggregator) sightingID(indicator string, start time.Time) string {
	if a.ID != nil {
		return a.ID(indicator, start)
	}
	return stix.NewID("sighting")
}

// sighting builds the STIX sighting of a group as JSON and reads it back
// with stix.ParseObject, so it is checked like any stored object.
func (a *Aggregator) sighting(g *group, start time.Time) (*stix.Object, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	ts := stix.NewTimestamp(now()).String()
	s := map[string]any{
		"type":            "sighting",
		"spec_version":    "2.1",
		"id":              a.sightingID(g.ind.ID, start),
		"created":         ts,
		"modified":        ts,
		"sighting_of_ref": g.ind.ID,
		"count":           min(g.count, 999999999),
		"first_seen":      stix.NewTimestamp(g.first).String(),
		"last_seen":       stix.NewTimestamp(g.last.Add(time.Millisecond - 1)).String(),
	}
	if a.WhereSightedRef != "" {
		s["where_sighted_refs"] = []string{a.WhereSightedRef}
	}
	if a.CreatedByRef != "" {
		s["created_by_ref"] = a.CreatedByRef
	}
	if len(g.refs) > 0 {
		s["observed_data_refs"] = g.refs
	}
	data, err := json.Marshal(s, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	return stix.ParseObject(data)
}

// observedData returns the STIX 2.1 observed-data object of an observation
// followed by its SCOs. An observation read from STIX keeps its id. SCO
// ids are deterministic (UUIDv5 over the object's properties), so the same
// value seen twice is one SCO.
func (a *Aggregator) observedData(o *pattern.Observation) ([]*stix.Object, error) {
	ids := make(map[string]string, len(o.Objects))
	var scos []*stix.Object
	keys := make([]string, 0, len(o.Objects))
	for k := range o.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		obj := o.Objects[k]
		typ, _ := obj["type"].(string)
		if stix.CheckTypeName(typ) != nil {
			continue
		}
		if id, ok := obj["id"].(string); ok && stix.IDType(id) == typ {
			ids[k] = id
			continue
		}
		ids[k] = scoID(typ, obj)
	}
	for _, k := range keys {
		id, ok := ids[k]
		if !ok {
			continue
		}
		obj := o.Objects[k]
		out := make(map[string]any, len(obj)+2)
		for p, v := range obj {
			out[p] = resolveRefs(p, v, ids)
		}
		out["id"] = id
		out["spec_version"] = "2.1"
		data, err := json.Marshal(out, json.Deterministic(true))
		if err != nil {
			return nil, err
		}
		sco, err := stix.ParseObject(data)
		if err != nil {
			return nil, fmt.Errorf("observed object: %v", err)
		}
		scos = append(scos, sco)
	}
	if o.ID == "" {
		// A log record: give it its identity once, so every sighting it
		// supports refers to the same observed-data.
		if a.ObservedID != nil {
			o.ID = a.ObservedID(o)
		} else {
			o.ID = stix.NewID("observed-data")
		}
	}
	id := o.ID
	refs := make([]string, 0, len(o.Roots))
	for _, k := range o.Roots {
		if id, ok := ids[k]; ok {
			refs = append(refs, id)
		}
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	ts := stix.NewTimestamp(now()).String()
	od := map[string]any{
		"type": "observed-data", "spec_version": "2.1", "id": id, "created": ts, "modified": ts,
		"first_observed":  stix.NewTimestamp(o.FirstObserved).String(),
		"last_observed":   stix.NewTimestamp(o.LastObserved).String(),
		"number_observed": o.NumberObserved,
		"object_refs":     refs,
	}
	data, err := json.Marshal(od, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	odo, err := stix.ParseObject(data)
	if err != nil {
		return nil, err
	}
	return append([]*stix.Object{odo}, scos...), nil
}

// resolveRefs rewrites observation-local references into SCO ids.
func resolveRefs(prop string, v any, ids map[string]string) any {
	switch {
	case len(prop) > 4 && prop[len(prop)-4:] == "_ref":
		if s, ok := v.(string); ok {
			if id, ok := ids[s]; ok {
				return id
			}
		}
	case len(prop) > 5 && prop[len(prop)-5:] == "_refs":
		if l, ok := v.([]any); ok {
			out := make([]any, 0, len(l))
			for _, e := range l {
				if s, ok := e.(string); ok {
					if id, ok := ids[s]; ok {
						out = append(out, id)
					}
				}
			}
			return out
		}
	}
	return v
}

// scoNamespace is the STIX 2.1 namespace for deterministic SCO ids (§2.9).
var scoNamespace = [16]byte{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}

// scoID returns a UUIDv5 identifier over the canonical JSON of the object's
// properties (its ID-contributing ones for the common types).
func scoID(typ string, obj map[string]any) string {
	contrib := map[string]any{}
	switch typ {
	case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr", "mutex":
		for _, p := range []string{"value", "name"} {
			if v, ok := obj[p]; ok {
				contrib[p] = v
			}
		}
	case "file":
		for _, p := range []string{"hashes", "name", "extensions", "parent_directory_ref"} {
			if v, ok := obj[p]; ok {
				contrib[p] = v
			}
		}
	default:
		for p, v := range obj {
			if p != "type" && p != "id" && p != "spec_version" {
				contrib[p] = v
			}
		}
	}
	data, _ := json.Marshal(contrib, json.Deterministic(true))
	v := jsontext.Value(data)
	v.Canonicalize()
	h := sha1.New()
	h.Write(scoNamespace[:])
	h.Write(v)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%s--%x-%x-%x-%x-%x", typ, u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
