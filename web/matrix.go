package web

import (
	"slices"
	"strings"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/stix"
)

// tacticOrder is ATT&CK Enterprise's kill chain: the matrix's columns, in
// order. Tactics of other matrices follow, by name.
var tacticOrder = []struct{ phase, name string }{
	{"reconnaissance", "Reconnaissance"}, {"resource-development", "Resource Development"},
	{"initial-access", "Initial Access"}, {"execution", "Execution"}, {"persistence", "Persistence"},
	{"privilege-escalation", "Privilege Escalation"}, {"defense-evasion", "Defense Evasion"},
	{"credential-access", "Credential Access"}, {"discovery", "Discovery"}, {"lateral-movement", "Lateral Movement"},
	{"collection", "Collection"}, {"command-and-control", "Command and Control"}, {"exfiltration", "Exfiltration"},
	{"impact", "Impact"},
}

// otherTactic is the column of techniques that name no tactic.
const otherTactic = "other"

// catalogTypes are the types whose TLP the catalog keeps, to badge them.
var catalogTypes = map[string]bool{
	attribution.TypeTechnique: true, attribution.TypeIntrusionSet: true, attribution.TypeCampaign: true,
	attribution.TypeMalware: true, attribution.TypeTool: true,
}

// catalog is what the attribution page offers to pick from, drawn from
// the entries of one knowledge engine and cached with it (so rebuilt
// exactly when the engine is): the active techniques as an ATT&CK
// matrix, the software, and the TLP of each object it names. It is
// immutable once built.
type catalog struct {
	Tactics []tactic
	// Techniques counts the techniques and sub-techniques of the matrix,
	// each once whatever its tactics.
	Techniques int
	Software   []pick
	tlp        map[string]stix.TLP
}

// tactic is one column of the matrix.
type tactic struct {
	Phase, Name string
	Techniques  []technique
}

// technique is a cell of the matrix. Value is what the query names it
// by: its ATT&CK id, or its STIX id when it has none.
type technique struct {
	Value, ExternalID, Name, ID string
	// Badge is the object's TLP, set only when it is restricted (GREEN or
	// stricter): the matrix would be unreadable with a badge in every
	// cell.
	Badge *badge
	Subs  []technique
}

// pick is an item of a list to choose from.
type pick struct {
	Value, Label string
}

func newCatalog(k *attribution.Knowledge, tlp map[string]stix.TLP) *catalog {
	c := &catalog{tlp: tlp}
	cell := func(e *attribution.Entry) technique {
		t := technique{Value: e.ExternalID, ExternalID: e.ExternalID, Name: e.Name, ID: e.ID}
		if t.Value == "" {
			t.Value = e.ID
		}
		if l := tlp[e.ID]; l > stix.TLPClear {
			b := badgeOf(l)
			t.Badge = &b
		}
		return t
	}
	var tops []*attribution.Entry
	subs := map[string][]technique{}
	for _, e := range k.Entries(attribution.TypeTechnique) {
		if !e.Active() {
			continue
		}
		if p := k.Entry(e.Parent); e.Parent != "" && p != nil && p.Active() {
			subs[e.Parent] = append(subs[e.Parent], cell(e))
			continue
		}
		tops = append(tops, e)
	}
	byPhase := map[string][]technique{}
	for _, e := range tops {
		t := cell(e)
		t.Subs = subs[e.ID]
		c.Techniques += 1 + len(t.Subs)
		phases := e.Tactics
		if len(phases) == 0 {
			phases = []string{otherTactic}
		}
		for _, ph := range dedupeStrings(phases) {
			byPhase[ph] = append(byPhase[ph], t)
		}
	}
	var phases []string
	for _, t := range tacticOrder {
		phases = append(phases, t.phase)
	}
	var others []string
	for ph := range byPhase {
		if !slices.Contains(phases, ph) && ph != otherTactic {
			others = append(others, ph)
		}
	}
	slices.Sort(others)
	for _, ph := range append(append(phases, others...), otherTactic) {
		ts := byPhase[ph]
		if len(ts) == 0 {
			continue
		}
		slices.SortFunc(ts, func(a, b technique) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		c.Tactics = append(c.Tactics, tactic{Phase: ph, Name: tacticName(ph), Techniques: ts})
	}
	for _, typ := range []string{attribution.TypeMalware, attribution.TypeTool} {
		for _, e := range k.Entries(typ) {
			if e.Active() && e.Name != "" {
				c.Software = append(c.Software, pick{Value: e.Name, Label: e.Label()})
			}
		}
	}
	slices.SortFunc(c.Software, func(a, b pick) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return c
}

// badge returns the TLP badge of an object the catalog's engine knows.
func (c *catalog) badge(id string) badge { return badgeOf(c.tlp[id]) }

// tacticName names a kill chain phase: ATT&CK's name for its own, the
// phase in words for others ("inhibit-response-function": "Inhibit
// response function").
func tacticName(phase string) string {
	for _, t := range tacticOrder {
		if t.phase == phase {
			return t.name
		}
	}
	if phase == otherTactic {
		return "No tactic"
	}
	s := strings.ReplaceAll(phase, "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func dedupeStrings(l []string) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
