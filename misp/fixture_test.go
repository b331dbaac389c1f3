package misp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// fixtureDir holds the MISP fixtures; see its SOURCE.md.
const fixtureDir = "../testdata/misp"

// notEvents are the fixtures that hold no MISP event (a galaxy, a lone
// sighting, object templates, an empty object) and the error each gives.
var notEvents = map[string]string{
	"pymisp-events/mispevent_testfiles/galaxy.json":                          "a galaxy",
	"pymisp-events/mispevent_testfiles/sighting.json":                        "lone sighting",
	"pymisp-events/mispevent_testfiles/simple.json":                          "no info, Attribute or Object",
	"pymisp-events/mispevent_testfiles/overwrite_file/definition.json":       "object template",
	"pymisp-events/mispevent_testfiles/test_object_template/definition.json": "object template",
	"feed/manifest.json": "",
}

// eventFixtures returns every MISP event file under fixtureDir.
func eventFixtures(t testing.TB) []string {
	var files []string
	err := filepath.WalkDir(fixtureDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, path)
		rel = filepath.ToSlash(rel)
		if _, skip := notEvents[rel]; skip || strings.HasSuffix(rel, "_stix21.json") {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d event fixtures, want at least 30", len(files))
	}
	return files
}

var validator = stix.Validator{Pattern: func(p string) error {
	_, err := pattern.Compile(p)
	return err
}}

// convertFile parses and converts one fixture, validating every object.
func convertFile(t *testing.T, rel string) ([]*Event, []*stix.Object, Summary) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	evs, fails, err := Parse(data, rel)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, f := range fails {
		t.Errorf("Parse: %v", f)
	}
	c := NewConverter(nil)
	var objs []*stix.Object
	var sum Summary
	for i, ev := range evs {
		s, err := c.Convert(context.Background(), ev, rel, i, func(o *stix.Object) error {
			if err := validator.Validate(o); err != nil {
				t.Errorf("%s: %s %s invalid: %v\n%s", rel, o.Type, o.ID, err, o.Raw)
			}
			objs = append(objs, o)
			return nil
		})
		if err != nil {
			t.Fatalf("Convert: %v", err)
		}
		sum.Add(s)
	}
	for _, f := range sum.Failures {
		t.Errorf("Convert: %v", f)
	}
	return evs, objs, sum
}

func TestFixturesImport(t *testing.T) {
	for _, rel := range eventFixtures(t) {
		t.Run(rel, func(t *testing.T) {
			evs, objs, sum := convertFile(t, rel)
			var toIDs, rest, customToIDs, customRest, objects int
			for _, ev := range evs {
				for _, a := range ev.Attribute {
					if a.Deleted {
						continue
					}
					_, err := observe(a.Type, a.Value)
					_, pat := patternTypes[a.Type]
					switch {
					case bool(a.ToIDs) && (err == nil || pat):
						toIDs++
					case bool(a.ToIDs):
						customToIDs++
					case err == nil:
						rest++
					default:
						customRest++
					}
				}
				for _, o := range ev.Object {
					if !o.Deleted {
						objects++
					}
				}
			}
			// Galaxies: one link per cluster of a mapped galaxy type;
			// sightings: one per MISP sighting.
			var clusters, sightings int
			countGalaxies := func(gs []Galaxy) {
				for _, g := range gs {
					for _, cl := range g.GalaxyCluster {
						if (galaxyTypes[g.Type] != "" || galaxyTypes[cl.Type] != "") && strings.TrimSpace(cl.Value) != "" {
							clusters++
						}
					}
				}
			}
			for _, ev := range evs {
				countGalaxies(ev.Galaxy)
				sightings += len(ev.Sighting)
				for _, a := range ev.Attribute {
					if !a.Deleted {
						countGalaxies(a.Galaxy)
						sightings += len(a.Sighting)
					}
				}
				for _, o := range ev.Object {
					for _, a := range o.Attribute {
						if !o.Deleted && !a.Deleted {
							sightings += len(a.Sighting)
						}
					}
				}
			}
			if sum.Galaxies != clusters || sum.Sightings != sightings {
				t.Errorf("got %d galaxy clusters and %d sightings, want %d and %d", sum.Galaxies, sum.Sightings, clusters, sightings)
			}
			// Markings: every object of an event with a TLP tag, but
			// the identities and SCOs, carries that TLP or a stricter one.
			tlpOf := map[string]stix.TLP{}
			for _, ev := range evs {
				_, l, _ := splitTags(ev.Tag)
				tlpOf[ev.UUID] = l
			}
			for _, o := range objs {
				if o.Type == "report" || o.Type == "grouping" {
					u := o.ID[strings.Index(o.ID, "--")+2:]
					if want := tlpOf[u]; stix.EffectiveTLP(o) < want {
						t.Errorf("%s marked %v, its event's tag says %v", o.ID, stix.EffectiveTLP(o), want)
					}
				}
			}
			if len(evs) == 1 && tlpOf[evs[0].UUID] != stix.TLPUnmarked {
				for _, o := range objs {
					if o.Type != "identity" && stix.CategoryOf(o.Type) != stix.SCO && stix.EffectiveTLP(o) < tlpOf[evs[0].UUID] {
						t.Errorf("%s marked %v, below its event's %v", o.ID, stix.EffectiveTLP(o), tlpOf[evs[0].UUID])
					}
				}
			}
			if sum.Indicators != toIDs || sum.Observables != rest || sum.Custom != customToIDs+customRest || sum.Objects != objects {
				t.Errorf("got %s; want %d indicators, %d observables, %d custom, %d objects", sum, toIDs, rest, customToIDs+customRest, objects)
			}
			types := map[string]int{}
			versions := map[string]bool{}
			for _, o := range objs {
				types[o.Type]++
				v := o.ID + " " + o.Modified.String()
				if versions[v] {
					t.Errorf("%s emitted twice", v)
				}
				versions[v] = true
			}
			if types["report"]+types["grouping"] != len(evs) {
				t.Errorf("%d reports and groupings for %d events", types["report"]+types["grouping"], len(evs))
			}
			t.Logf("%s; %v", sum, types)
		})
	}
}

func TestNotEvents(t *testing.T) {
	for rel, want := range notEvents {
		if want == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(fixtureDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Parse(data, rel)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got error %v, want one saying %q", rel, err, want)
		}
	}
}
