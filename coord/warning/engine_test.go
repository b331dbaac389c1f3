package warning

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// summary is what the tests compare of an alert.
type summary struct {
	Rule, Subject, Severity string
	States, Sectors         []string
	Sightings               int
}

func summarize(as []*coord.Alert) []summary {
	var out []summary
	for _, a := range as {
		out = append(out, summary{a.Rule, a.SubjectRef, a.Severity, a.MemberStates, a.Sectors, len(a.SightingRefs)})
	}
	return out
}

func TestSameIndicatorRule(t *testing.T) {
	type sight struct {
		org   string // country of the sighting organisation
		after time.Duration
	}
	tests := []struct {
		name      string
		minStates int
		window    time.Duration
		sights    []sight
		want      []summary // Subject left empty: the indicator
	}{
		{"two states within the window", 0, 0, []sight{{"FR", 0}, {"DE", 3 * time.Hour}},
			[]summary{{RuleSameIndicator, "", coord.SeverityLow, []string{"DE", "FR"}, nil, 2}}},
		{"two states just inside 24 h", 0, 0, []sight{{"FR", 0}, {"DE", 24 * time.Hour}},
			[]summary{{RuleSameIndicator, "", coord.SeverityLow, []string{"DE", "FR"}, nil, 2}}},
		{"two states more than 24 h apart", 0, 0, []sight{{"FR", 0}, {"DE", 25 * time.Hour}}, nil},
		{"one state twice", 0, 0, []sight{{"FR", 0}, {"FR", time.Hour}}, nil},
		{"three required, two seen", 3, 0, []sight{{"FR", 0}, {"DE", time.Hour}, {"FR2", 2 * time.Hour}}, nil},
		{"three required, three seen", 3, 0, []sight{{"FR", 0}, {"DE", time.Hour}, {"IT", 2 * time.Hour}},
			[]summary{{RuleSameIndicator, "", coord.SeverityMedium, []string{"DE", "FR", "IT"}, nil, 3}}},
		{"five states", 0, 0, []sight{{"FR", 0}, {"DE", time.Hour}, {"IT", time.Hour}, {"ES", time.Hour}, {"PL", time.Hour}},
			[]summary{{RuleSameIndicator, "", coord.SeverityHigh, []string{"DE", "ES", "FR", "IT", "PL"}, nil, 5}}},
		{"a one-hour window", 0, time.Hour, []sight{{"FR", 0}, {"DE", 90 * time.Minute}}, nil},
		{"only the sightings in the episode are listed", 0, 0, []sight{{"FR", 0}, {"FR", 50 * time.Hour}, {"DE", 51 * time.Hour}},
			[]summary{{RuleSameIndicator, "", coord.SeverityLow, []string{"DE", "FR"}, nil, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := coordtest.NewStore(alertColl, "feed")
			now := t0.Add(48 * time.Hour)
			e := newEngine(t, store, Rules{MinStates: tt.minStates, Window: tt.window}, &now)
			w := &world{t: t}
			orgs := map[string]string{}
			for _, c := range []string{"FR", "DE", "IT", "ES", "PL"} {
				orgs[c] = w.org("CSIRT "+c, c)
			}
			orgs["FR2"] = w.org("Other French organisation", "FR")
			ind := w.indicator("c2 address", "[ipv4-addr:value = '198.51.100.7']")
			for _, s := range tt.sights {
				w.sight(ind, orgs[s.org], t0.Add(s.after))
			}
			feed(t, store, e, w.take())
			for i := range tt.want {
				tt.want[i].Subject = ind
			}
			if diff := cmp.Diff(tt.want, summarize(alertsOf(t, store))); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRelatedIndicatorRules(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(48 * time.Hour)
	e := newEngine(t, store, Rules{}, &now)
	w := &world{t: t}
	fr, de := w.org("CERT-FR", "FR", "energy"), w.org("CERT-Bund", "DE", "government-national")
	apt := w.set("APT-Example")
	camp := w.campaign("Operation Example")
	i1 := w.indicator("loader hash", "[file:hashes.'SHA-256' = 'aa']")
	i2 := w.indicator("c2 domain", "[domain-name:value = 'c2.example']")
	i3 := w.indicator("phishing url", "[url:value = 'https://login.example/']")
	w.sight(i1, fr, t0)
	w.sight(i2, de, t0.Add(2*time.Hour))
	w.sight(i3, de, t0.Add(3*time.Hour))
	// The relationships arrive after the sightings: the engine must not
	// depend on the order.
	feed(t, store, e, w.take())
	if got := alertsOf(t, store); len(got) != 0 {
		t.Fatalf("alerts before any relationship: %v", summarize(got))
	}
	w.rel("indicates", i1, apt)
	w.rel("indicates", i2, camp)
	w.rel("indicates", i3, camp)
	w.rel("attributed-to", camp, apt)
	feed(t, store, e, w.take())

	want := []summary{
		// i2 and i3 belong to the campaign, but only DE sighted them.
		{RuleSameIntrusionSet, apt, coord.SeverityHigh, []string{"DE", "FR"}, []string{"energy", "government-national"}, 3},
	}
	got := alertsOf(t, store)
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Fatalf("alerts (-want +got):\n%s", diff)
	}
	a := got[0]
	if diff := cmp.Diff([]string{camp}, a.CampaignRefs); diff != "" {
		t.Errorf("campaign refs (-want +got):\n%s", diff)
	}
	if !strings.Contains(a.Name, "APT-Example") || !strings.Contains(strings.Join(a.SeverityReasons, "; "), "tied to intrusion set APT-Example") {
		t.Errorf("name %q and reasons %q should name the intrusion set", a.Name, a.SeverityReasons)
	}

	// France then sights a campaign indicator: the campaign rule fires, and
	// the intrusion set's alert grows (a new version, same id).
	w.sight(i3, fr, t0.Add(5*time.Hour))
	feed(t, store, e, w.take())
	want = []summary{
		{RuleSameCampaign, camp, coord.SeverityHigh, []string{"DE", "FR"}, []string{"energy", "government-national"}, 3},
		{RuleSameIndicator, i3, coord.SeverityHigh, []string{"DE", "FR"}, []string{"energy", "government-national"}, 2},
		{RuleSameIntrusionSet, apt, coord.SeverityHigh, []string{"DE", "FR"}, []string{"energy", "government-national"}, 4},
	}
	got = alertsOf(t, store)
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	if got[2].ID != a.ID || store.Versions(a.ID, alertColl) != 2 {
		t.Errorf("the intrusion set's alert should keep id %s and have 2 versions (got %s, %d)", a.ID, got[2].ID, store.Versions(a.ID, alertColl))
	}
}

func TestEarlyWarningRestartAndDuplicates(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := newEngine(t, store, Rules{}, &now)
	w := &world{t: t}
	fr, de, it := w.org("CERT-FR", "FR"), w.org("CERT-Bund", "DE"), w.org("CSIRT Italia", "IT")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.sight(ind, fr, t0)
	w.sight(ind, de, t0.Add(time.Hour))
	objs := w.take()
	feed(t, store, e, objs)
	feed(t, store, e, objs) // delivered twice, as federation may
	as := alertsOf(t, store)
	if len(as) != 1 || store.Versions(as[0].ID, alertColl) != 1 {
		t.Fatalf("want one alert with one version, got %d alerts", len(as))
	}
	id := as[0].ID
	e.Close()

	// A restarted node reads the store and writes nothing new.
	now = now.Add(time.Hour)
	e2 := newEngine(t, store, Rules{}, &now)
	if n := store.Versions(id, alertColl); n != 1 || e2.AlertsWritten() != 0 {
		t.Errorf("after restart: %d versions, %d written; want 1 and 0", n, e2.AlertsWritten())
	}
	// A third state joins: same alert, second version, medium severity.
	w.sight(ind, it, t0.Add(2*time.Hour))
	feed(t, store, e2, w.take())
	as = alertsOf(t, store)
	if len(as) != 1 || as[0].ID != id || store.Versions(id, alertColl) != 2 || as[0].Severity != coord.SeverityMedium {
		t.Errorf("want alert %s at version 2 with severity medium, got %+v", id, summarize(as))
	}
	if !as[0].Modified.After(as[0].Created) {
		t.Errorf("new version: modified %v should follow created %v", as[0].Modified, as[0].Created)
	}
}

func TestEarlyWarningPlaces(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := NewEngine()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Now = func() time.Time { return now }
	// The registry knows where member organisations are.
	e.CountryOf = func(id string) string {
		return map[string]string{"identity--00000000-0000-4000-8000-0000000000aa": "EE"}[id]
	}
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	w := &world{t: t}
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.add(`{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-0000000000aa","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"CERT-EE"}`)
	w.add(`{"type":"location","spec_version":"2.1","id":"location--00000000-0000-4000-8000-0000000000bb","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","country":"lv"}`)
	w.sight(ind, "identity--00000000-0000-4000-8000-0000000000aa", t0)
	// A sighting may name a location directly.
	w.sight(ind, "location--00000000-0000-4000-8000-0000000000bb", t0)
	// An organisation nobody can place does not count.
	w.sight(ind, "identity--00000000-0000-4000-8000-0000000000cc", t0)
	feed(t, store, e, w.take())
	want := []summary{{RuleSameIndicator, ind, coord.SeverityLow, []string{"EE", "LV"}, nil, 2}}
	if diff := cmp.Diff(want, summarize(alertsOf(t, store))); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
}

func TestEarlyWarningIgnoresOldVersions(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := newEngine(t, store, Rules{}, &now)
	w := &world{t: t}
	fr, de := w.org("CERT-FR", "FR"), w.org("CERT-Bund", "DE")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	sid := uuid("sighting", 500)
	newer := coordtest.MustObject(t, fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"revoked":true,"sighting_of_ref":%q,"where_sighted_refs":[%q]}`, sid, ts(t0), ts(t0.Add(time.Minute)), ind, de))
	older := coordtest.MustObject(t, fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q]}`, sid, ts(t0), ts(t0), ind, de))
	w.sight(ind, fr, t0)
	feed(t, store, e, append(w.take(), newer))
	feed(t, store, e, []*stix.Object{older}) // late, and superseded by the revocation
	if got := alertsOf(t, store); len(got) != 0 {
		t.Errorf("a revoked sighting counted: %v", summarize(got))
	}
}

func TestScoreAlert(t *testing.T) {
	name := func(id string) string { return strings.ToUpper(id) }
	tests := []struct {
		states, sectors, sets []string
		base                  int
		want                  int
		level                 string
	}{
		{[]string{"DE", "FR"}, nil, nil, 0, 1, coord.SeverityLow},
		{[]string{"DE", "FR", "IT"}, nil, nil, 0, 2, coord.SeverityMedium},
		{[]string{"DE", "FR"}, []string{"retail"}, nil, 0, 1, coord.SeverityLow},
		{[]string{"DE", "FR"}, []string{"healthcare", "energy"}, nil, 0, 2, coord.SeverityMedium},
		{[]string{"DE", "FR"}, []string{"energy"}, []string{"apt"}, 0, 3, coord.SeverityHigh},
		{[]string{"DE", "ES", "FR", "IT", "PL"}, []string{"energy"}, []string{"apt"}, 0, 5, coord.SeverityCritical},
		{[]string{"FR"}, nil, []string{"apt"}, 2, 3, coord.SeverityHigh},
	}
	for _, tt := range tests {
		got, reasons := scoreAlert(tt.states, tt.sectors, tt.sets, tt.base, name)
		if got != tt.want || severityOf(got) != tt.level {
			t.Errorf("scoreAlert(%v, %v, %v) = %d (%s), want %d (%s); reasons %v", tt.states, tt.sectors, tt.sets, got, severityOf(got), tt.want, tt.level, reasons)
		}
	}
}

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		r    Rules
		want string
	}{
		{Rules{}, ""},
		{Rules{MinStates: 1}, "min_states must be at least 2"},
		{Rules{Window: time.Second}, "window must be at least 1m"},
		{Rules{Window: 48 * time.Hour, Retention: 24 * time.Hour}, "retention (24h0m0s) must be at least the window (48h0m0s)"},
		{Rules{Marking: "red"}, "may be TLP clear, green, amber or amber+strict"},
		{Rules{Marking: "purple"}, "marking"},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.r, err, tt.want)
		}
	}
	r := Rules{MinStates: 3, Window: 36 * time.Hour, Retention: 30 * 24 * time.Hour, Marking: "green"}
	var back Rules
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if back != r || string(b) != `{"min_states":3,"window":"36h","retention":"30d","marking":"green"}` {
		t.Errorf("rules JSON %s read back as %+v", b, back)
	}
}

// TestEarlyWarningSetRules: new rules take effect at once, over what the
// engine already holds (a running node applies a change of its settings
// without a restart).
func TestEarlyWarningSetRules(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := newEngine(t, store, Rules{MinStates: 3}, &now)
	w := &world{t: t}
	fr, de := w.org("CERT-FR", "FR"), w.org("CERT-Bund", "DE")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.sight(ind, fr, t0)
	w.sight(ind, de, t0.Add(time.Hour))
	feed(t, store, e, w.take())
	if got := alertsOf(t, store); len(got) != 0 {
		t.Fatalf("an alert with two states under a three-state rule: %v", summarize(got))
	}
	if err := e.SetRules(ctx, Rules{MinStates: 2}); err != nil {
		t.Fatal(err)
	}
	if r := e.CurrentRules(); r.MinStates != 2 {
		t.Errorf("CurrentRules = %+v", r)
	}
	want := []summary{{RuleSameIndicator, ind, coord.SeverityLow, []string{"DE", "FR"}, nil, 2}}
	if diff := cmp.Diff(want, summarize(alertsOf(t, store))); diff != "" {
		t.Errorf("alerts after the rules changed (-want +got):\n%s", diff)
	}
	if err := e.SetRules(ctx, Rules{MinStates: 1}); err == nil {
		t.Error("SetRules accepted a rule of one state")
	}
}
