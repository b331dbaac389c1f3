package attribution

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"

	"github.com/rampart-cti/rampart/stix"
)

// Object types the knowledge holds. Every other type is counted and ignored.
const (
	TypeTechnique    = "attack-pattern"
	TypeIntrusionSet = "intrusion-set"
	TypeCampaign     = "campaign"
	TypeMalware      = "malware"
	TypeTool         = "tool"
	TypeTactic       = "x-mitre-tactic"
	TypeIndicator    = "indicator"
	TypeIdentity     = "identity"
	TypeLocation     = "location"
	TypeRelationship = "relationship"
)

// Relationship types attribution reads.
const (
	RelUses          = "uses"
	RelAttributedTo  = "attributed-to"
	RelSubtechnique  = "subtechnique-of"
	RelRevokedBy     = "revoked-by"
	RelIndicates     = "indicates"
	RelTargets       = "targets"
	attackSourceName = "mitre-attack"
)

// Entry is one object the knowledge holds: a technique or sub-technique, a
// piece of software (malware or tool), an intrusion set, a campaign, a tactic
// or an indicator.
type Entry struct {
	ID   string // STIX identifier
	Type string
	// ExternalID is the ATT&CK identifier (G0007, T1566.001, S0154, C0001,
	// TA0001) from the external reference whose source_name is
	// "mitre-attack"; "" when the object has none.
	ExternalID string
	Name       string
	// Aliases are the object's aliases (intrusion sets, campaigns) or
	// x_mitre_aliases (software), the name excluded.
	Aliases []string
	// Revoked and Deprecated are as the object says (revoked,
	// x_mitre_deprecated). Neither kind is ranked nor used as a profile; a
	// revoked object's evidence is carried to its replacement (RevokedBy).
	Revoked    bool
	Deprecated bool
	// RevokedBy is the STIX id of the object that replaced a revoked one,
	// from its revoked-by relationship; "" when there is none.
	RevokedBy string
	// Parent is the STIX id of the parent technique of a sub-technique.
	Parent string
	// Tactics are the kill chain phase names of a technique.
	Tactics []string
	// Sectors are an identity's sectors; Countries holds a location's
	// country. Intrusion sets and campaigns reach them through targets
	// relationships (ATT&CK itself has none).
	Sectors   []string
	Countries []string
	// Citations are the source_name values of the object's external
	// references, except the ATT&CK one: the reports it rests on.
	Citations []string

	modified stix.Timestamp
}

// Active reports whether the entry is neither revoked nor deprecated.
func (e *Entry) Active() bool { return !e.Revoked && !e.Deprecated }

// Label returns "Name (G0007)", or the name alone when there is no ATT&CK id.
func (e *Entry) Label() string {
	if e.ExternalID == "" {
		return e.Name
	}
	return e.Name + " (" + e.ExternalID + ")"
}

// Relationship is one relationship the knowledge holds.
type Relationship struct {
	ID     string
	Type   string // relationship_type
	Source string // source_ref
	Target string // target_ref
	// Confidence is the STIX confidence (0–100), -1 when absent.
	Confidence int
	// Citations are the source_name values of the relationship's external
	// references, except the ATT&CK one: the reports it rests on.
	Citations []string
	Revoked   bool

	modified stix.Timestamp
}

// Knowledge is what attribution knows: techniques, software, intrusion sets,
// campaigns and the relationships between them, loaded from ATT&CK or from
// any STIX objects (a node's store). Build it with NewKnowledge and Add (or
// AddAll, ReadKnowledge), then hand it to NewEngine.
//
// Add keeps the newest version of each object. A Knowledge is not safe for
// concurrent use while objects are added; once building is done, its read
// methods may be called from several goroutines.
type Knowledge struct {
	entries map[string]*Entry
	rels    map[string]*Relationship
	// extIDs maps an upper-case ATT&CK id to the STIX ids claiming it.
	extIDs map[string][]string
	// revokedBy and parent hold the links of revoked-by and
	// subtechnique-of relationships by source id, so objects and
	// relationships may arrive in any order.
	revokedBy, parent map[string]string
	// Ignored counts objects of types attribution does not use, by type.
	Ignored map[string]int
	// Objects counts the objects added, duplicates included.
	Objects int
}

// NewKnowledge returns an empty knowledge.
func NewKnowledge() *Knowledge {
	return &Knowledge{
		entries:   make(map[string]*Entry),
		rels:      make(map[string]*Relationship),
		extIDs:    make(map[string][]string),
		revokedBy: make(map[string]string),
		parent:    make(map[string]string),
		Ignored:   make(map[string]int),
	}
}

// ReadKnowledge reads a STIX bundle, gzip-compressed or not, one object at a
// time (stix.BundleReader), into a new Knowledge. Objects that fail to parse
// or that Add refuses are reported together in the returned error (a
// *LoadError) while the rest is kept; a broken stream is an error with no
// Knowledge. progress, when not nil, is called now and then with the number
// of input bytes consumed.
func ReadKnowledge(r io.Reader, progress func(offset int64)) (*Knowledge, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read gzip header: %v", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	k := NewKnowledge()
	var lerr LoadError
	bundle := stix.NewBundleReader(r)
	for {
		o, err := bundle.Next()
		if err == io.EOF {
			break
		}
		if oe, ok := err.(*stix.ObjectError); ok {
			lerr.Errors = append(lerr.Errors, oe)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read bundle: %v", err)
		}
		if err := k.Add(o); err != nil {
			lerr.Errors = append(lerr.Errors, err)
		}
		if progress != nil && k.Objects%1000 == 0 {
			progress(bundle.Offset())
		}
	}
	if progress != nil {
		progress(bundle.Offset())
	}
	if len(lerr.Errors) > 0 {
		return k, &lerr
	}
	return k, nil
}

// LoadError lists the objects that could not be used; the others were.
type LoadError struct {
	Errors []error
}

func (e *LoadError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	return fmt.Sprintf("%d objects not loaded; first: %v", len(e.Errors), e.Errors[0])
}

// AddAll adds every object of seq; it returns a *LoadError listing those Add
// refused, after adding the others.
func (k *Knowledge) AddAll(seq iter.Seq[*stix.Object]) error {
	var lerr LoadError
	for o := range seq {
		if err := k.Add(o); err != nil {
			lerr.Errors = append(lerr.Errors, err)
		}
	}
	if len(lerr.Errors) > 0 {
		return &lerr
	}
	return nil
}

// sdo is the part of an SDO attribution reads.
type sdo struct {
	Name               string              `json:"name"`
	Aliases            []string            `json:"aliases"`
	MitreAliases       []string            `json:"x_mitre_aliases"`
	Deprecated         bool                `json:"x_mitre_deprecated"`
	ExternalReferences []externalReference `json:"external_references"`
	KillChainPhases    []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
	Sectors []string `json:"sectors"`
	Country string   `json:"country"`

	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
	Confidence       *int   `json:"confidence"`
}

type externalReference struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id"`
}

// Add adds one object, or a newer version of one already held. Objects of
// types attribution does not use are counted in Ignored. It returns an error
// naming the object and the property when a relationship lacks its ends or a
// property has the wrong JSON type; the knowledge is then unchanged.
func (k *Knowledge) Add(o *stix.Object) error {
	k.Objects++
	switch o.Type {
	case TypeTechnique, TypeIntrusionSet, TypeCampaign, TypeMalware, TypeTool, TypeTactic, TypeIndicator,
		TypeIdentity, TypeLocation, TypeRelationship:
	default:
		k.Ignored[o.Type]++
		return nil
	}
	var d sdo
	if err := o.Decode(&d); err != nil {
		return fmt.Errorf("%s %q: %v", o.Type, o.ID, err)
	}
	if o.Type == TypeRelationship {
		return k.addRelationship(o, &d)
	}
	if old, ok := k.entries[o.ID]; ok && old.modified.Compare(o.Version()) >= 0 {
		return nil
	} else if ok {
		k.unindex(old)
	}
	e := &Entry{
		ID:         o.ID,
		Type:       o.Type,
		Name:       d.Name,
		Revoked:    o.Revoked,
		Deprecated: d.Deprecated,
		Sectors:    d.Sectors,
		modified:   o.Version(),
	}
	if d.Country != "" {
		e.Countries = []string{d.Country}
	}
	for _, ref := range d.ExternalReferences {
		switch {
		case ref.SourceName == attackSourceName:
			if e.ExternalID == "" {
				e.ExternalID = ref.ExternalID
			}
		case ref.SourceName != "":
			e.Citations = append(e.Citations, ref.SourceName)
		}
	}
	for _, a := range append(d.Aliases, d.MitreAliases...) {
		if a != "" && !strings.EqualFold(a, e.Name) && !containsFold(e.Aliases, a) {
			e.Aliases = append(e.Aliases, a)
		}
	}
	for _, p := range d.KillChainPhases {
		if p.KillChainName == attackSourceName {
			e.Tactics = append(e.Tactics, p.PhaseName)
		}
	}
	// Links come from relationships and outlive the object's versions.
	e.RevokedBy, e.Parent = k.revokedBy[o.ID], k.parent[o.ID]
	k.entries[o.ID] = e
	if e.ExternalID != "" {
		key := strings.ToUpper(e.ExternalID)
		k.extIDs[key] = append(k.extIDs[key], e.ID)
	}
	return nil
}

func (k *Knowledge) unindex(e *Entry) {
	if e.ExternalID == "" {
		return
	}
	key := strings.ToUpper(e.ExternalID)
	ids := k.extIDs[key]
	for i, id := range ids {
		if id == e.ID {
			k.extIDs[key] = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(k.extIDs[key]) == 0 {
		delete(k.extIDs, key)
	}
}

func (k *Knowledge) addRelationship(o *stix.Object, d *sdo) error {
	if d.RelationshipType == "" || d.SourceRef == "" || d.TargetRef == "" {
		return fmt.Errorf("relationship %q: relationship_type, source_ref and target_ref are required", o.ID)
	}
	for _, ref := range []struct{ name, v string }{{"source_ref", d.SourceRef}, {"target_ref", d.TargetRef}} {
		if _, _, err := stix.ParseID(ref.v); err != nil {
			return fmt.Errorf("relationship %q: %s: %v", o.ID, ref.name, err)
		}
	}
	if old, ok := k.rels[o.ID]; ok && old.modified.Compare(o.Version()) >= 0 {
		return nil
	}
	r := &Relationship{
		ID:         o.ID,
		Type:       d.RelationshipType,
		Source:     d.SourceRef,
		Target:     d.TargetRef,
		Confidence: -1,
		Revoked:    o.Revoked,
		modified:   o.Version(),
	}
	if d.Confidence != nil {
		if *d.Confidence < 0 || *d.Confidence > 100 {
			return fmt.Errorf("relationship %q: confidence must be 0 to 100 (got %d)", o.ID, *d.Confidence)
		}
		r.Confidence = *d.Confidence
	}
	for _, ref := range d.ExternalReferences {
		if ref.SourceName != attackSourceName && ref.SourceName != "" {
			r.Citations = append(r.Citations, ref.SourceName)
		}
	}
	k.rels[o.ID] = r
	var links map[string]string
	switch r.Type {
	case RelRevokedBy:
		links = k.revokedBy
	case RelSubtechnique:
		links = k.parent
	default:
		return nil
	}
	target := r.Target
	if r.Revoked {
		target = ""
	}
	links[r.Source] = target
	if e := k.entries[r.Source]; e != nil {
		switch r.Type {
		case RelRevokedBy:
			e.RevokedBy = target
		case RelSubtechnique:
			e.Parent = target
		}
	}
	return nil
}

// Entry returns the entry with the STIX id, or nil.
func (k *Knowledge) Entry(id string) *Entry { return k.entries[id] }

// Lookup finds an entry by ATT&CK id (case-insensitive: "G0007",
// "t1566.001"), by STIX id, or else by exact name or alias
// (case-insensitive, intrusion sets, campaigns and software only). When
// several objects claim the ATT&CK id, an active one is preferred. It
// returns nil when nothing matches.
func (k *Knowledge) Lookup(ref string) *Entry {
	ref = strings.TrimSpace(ref)
	if e, ok := k.entries[ref]; ok {
		return e
	}
	if ids := k.extIDs[strings.ToUpper(ref)]; len(ids) > 0 {
		best := k.entries[ids[0]]
		for _, id := range ids[1:] {
			if e := k.entries[id]; e.Active() && !best.Active() {
				best = e
			}
		}
		return best
	}
	var found *Entry
	for _, e := range k.entries {
		switch e.Type {
		case TypeIntrusionSet, TypeCampaign, TypeMalware, TypeTool:
		default:
			continue
		}
		if strings.EqualFold(e.Name, ref) || containsFold(e.Aliases, ref) {
			if found == nil || e.Active() && !found.Active() || e.Active() == found.Active() && e.ID < found.ID {
				found = e
			}
		}
	}
	return found
}

// Resolve follows revoked-by links from e to the object that replaces it
// (at most 16 hops, against cycles) and returns it with the chain followed.
// An entry that is not revoked resolves to itself.
func (k *Knowledge) Resolve(e *Entry) (*Entry, []*Entry) {
	var chain []*Entry
	for i := 0; i < 16 && e.Revoked && e.RevokedBy != ""; i++ {
		next := k.entries[e.RevokedBy]
		if next == nil {
			break
		}
		chain = append(chain, e)
		e = next
	}
	return e, chain
}

// Entries returns the entries of one type, in ATT&CK id then STIX id
// order.
func (k *Knowledge) Entries(typ string) []*Entry {
	var out []*Entry
	for _, e := range k.entries {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ExternalID != out[j].ExternalID {
			return out[i].ExternalID < out[j].ExternalID
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Relationships returns the relationships of one relationship_type ("" for
// all), in id order.
func (k *Knowledge) Relationships(typ string) []*Relationship {
	var out []*Relationship
	for _, r := range k.rels {
		if typ == "" || r.Type == typ {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Stats counts what the knowledge holds.
type Stats struct {
	// Total and Active count entries per type.
	Total, Active map[string]int
	// Relationships counts relationships per relationship_type.
	Relationships map[string]int
}

// Stats returns the counts of entries and relationships.
func (k *Knowledge) Stats() Stats {
	s := Stats{Total: map[string]int{}, Active: map[string]int{}, Relationships: map[string]int{}}
	for _, e := range k.entries {
		s.Total[e.Type]++
		if e.Active() {
			s.Active[e.Type]++
		}
	}
	for _, r := range k.rels {
		s.Relationships[r.Type]++
	}
	return s
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
