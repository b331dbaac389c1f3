package misp

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// digest is what a round trip must keep of an event: values, types,
// to_ids, tags, galaxies and sightings, as sorted lines.
func digest(ev *Event) []string {
	var out []string
	tagList := func(ts []Tag) string {
		var ns []string
		for _, t := range ts {
			if n := strings.TrimSpace(t.Name); n != "" && !slices.Contains(ns, n) {
				ns = append(ns, n)
			}
		}
		slices.Sort(ns)
		return strings.Join(ns, ",")
	}
	galaxies := func(gs []Galaxy) string {
		var ns []string
		for _, g := range gs {
			for _, c := range g.GalaxyCluster {
				ns = append(ns, g.Type+"="+c.Value+"/"+c.TagName)
			}
		}
		slices.Sort(ns)
		return strings.Join(ns, ",")
	}
	out = append(out, "event "+ev.UUID+" tags="+tagList(ev.Tag)+" galaxies="+galaxies(ev.Galaxy))
	sightings := map[string]int{}
	for _, s := range ev.Sighting {
		sightings[s.AttributeUUID]++
	}
	attr := func(prefix string, a Attribute) {
		if a.Deleted {
			return
		}
		sightings[a.UUID] += len(a.Sighting)
		out = append(out, fmt.Sprintf("%sattribute %s %s=%q to_ids=%v relation=%s tags=%s galaxies=%s", prefix, a.UUID, a.Type, a.Value, a.ToIDs, a.ObjectRelation, tagList(a.Tag), galaxies(a.Galaxy)))
	}
	for _, a := range ev.Attribute {
		attr("", a)
	}
	for _, o := range ev.Object {
		if o.Deleted {
			continue
		}
		out = append(out, fmt.Sprintf("object %s %s", o.UUID, o.Name))
		for _, a := range o.Attribute {
			attr("object "+o.UUID+" ", a)
		}
	}
	for u, n := range sightings {
		if n > 0 {
			out = append(out, fmt.Sprintf("sightings %s %d", u, n))
		}
	}
	slices.Sort(out)
	return out
}

func TestFixturesRoundTrip(t *testing.T) {
	for _, rel := range eventFixtures(t) {
		t.Run(rel, func(t *testing.T) {
			evs, objs, _ := convertFile(t, rel)
			x := NewExporter()
			for _, o := range objs {
				x.Add(o)
			}
			back, errs := x.Events()
			for _, err := range errs {
				t.Errorf("export: %v", err)
			}
			byUUID := map[string]*Event{}
			for _, ev := range back {
				byUUID[ev.UUID] = ev
			}
			if len(back) != len(evs) {
				t.Errorf("%d events back, want %d", len(back), len(evs))
			}
			for _, ev := range evs {
				got := byUUID[ev.UUID]
				if got == nil {
					t.Errorf("event %s lost", ev.UUID)
					continue
				}
				if diff := cmp.Diff(digest(ev), digest(got)); diff != "" {
					t.Errorf("event %s changed (-before +after):\n%s", ev.UUID, diff)
				}
			}
		})
	}
}
