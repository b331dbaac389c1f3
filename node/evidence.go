package node

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/evidence"
	"github.com/rampart-cti/rampart/stix"
)

// EvidenceRequest is what "rampart evidence package" asks for.
type EvidenceRequest struct {
	Incident string
	// To names the authority: a public key file or a registry member.
	To string
	// Artefacts and Attribution are files to add: artefacts collected
	// during the incident, attribution rankings ("rampart attribute
	// --json").
	Artefacts   []string
	Attribution []string
	Purpose     string
	Now         time.Time
}

// CreateEvidence makes an evidence package of an incident for an
// authority, signed with the node's keys (evidence.Create):
// IncidentEvidence's objects and the files the request names. It fails
// when the node has no keys, the incident is unknown, or a file cannot be
// read.
func (n *Node) CreateEvidence(ctx context.Context, req EvidenceRequest) (*evidence.Package, *evidence.Manifest, error) {
	if n.Identity == nil {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "the node has no keys to sign the package with; give --key FILE, or set the node's keys (docs/TRUST.md)")
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	to, err := evidence.ResolveParty(req.To, "", n.Registry(), now)
	if err != nil {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "--to: %v", err)
	}
	c, err := n.IncidentEvidence(ctx, req.Incident)
	if err != nil {
		return nil, nil, err
	}
	used := map[string]bool{}
	for _, set := range []struct {
		paths []string
		dir   string
		kind  string
	}{{req.Artefacts, "artefacts", evidence.KindArtefact}, {req.Attribution, "attribution", evidence.KindAttribution}} {
		for _, path := range set.paths {
			f, err := readMember(path, set.dir, set.kind, used)
			if err != nil {
				return nil, nil, err
			}
			c.Files = append(c.Files, f)
		}
	}
	name := ""
	if o := n.RegistryOrganization(n.Identity.Organization()); o != nil {
		name = o.Name
	}
	return evidence.Create(n.Identity, name, to, c, req.Purpose, now)
}

// readMember reads a file to add to a package under dir, with a name not
// used before.
func readMember(path, dir, kind string, used map[string]bool) (evidence.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return evidence.File{}, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return evidence.File{}, rampart.Errorf(rampart.EINVALID, "%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, evidence.MaxContentBytes+1))
	if err != nil {
		return evidence.File{}, rampart.Errorf(rampart.EINVALID, "read %s: %v", path, err)
	}
	if len(data) > evidence.MaxContentBytes {
		return evidence.File{}, rampart.Errorf(rampart.ETOOLARGE, "%s: larger than the most a package carries (MaxContentBytes, %d bytes)", path, evidence.MaxContentBytes)
	}
	base := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return '_'
		}
		return r
	}, filepath.Base(path))
	name := dir + "/" + base
	for i := 2; used[name]; i++ {
		ext := filepath.Ext(base)
		name = fmt.Sprintf("%s/%s-%d%s", dir, strings.TrimSuffix(base, ext), i, ext)
	}
	used[name] = true
	return evidence.File{Name: name, Kind: kind, Source: path, Data: data}, nil
}

// IncidentEvidence gathers what the node holds about an incident, from
// every collection: its latest version; the objects it refers to; the
// objects that refer to it (relationships, sightings, reports, notes and
// opinions) and, for relationships, the objects at their other end; and
// the sightings of every indicator among them. Notes and opinions about
// the incident go to Attribution. ENOTFOUND when no collection holds the
// incident.
func (n *Node) IncidentEvidence(ctx context.Context, incidentID string) (*evidence.Contents, error) {
	if typ, _, err := stix.ParseID(incidentID); err != nil || typ != "incident" {
		return nil, rampart.Errorf(rampart.EINVALID, "%q is not an incident id (incident--UUID)", incidentID)
	}
	colls, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range colls {
		ids = append(ids, c.ID)
	}
	g := &gatherer{n: n, colls: ids, have: map[string]*stix.Object{}}
	if err := g.fetch(ctx, []string{incidentID}); err != nil {
		return nil, err
	}
	inc := g.have[incidentID]
	if inc == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no incident %q on this node", incidentID)
	}
	c := &evidence.Contents{Incident: incidentID}
	// What the incident refers to, and what refers to it.
	if err := g.fetch(ctx, stix.References(inc)); err != nil {
		return nil, err
	}
	about, err := g.referring(ctx, incidentID, nil)
	if err != nil {
		return nil, err
	}
	var ends []string
	for _, o := range about {
		switch o.Type {
		case "note", "opinion":
			c.Attribution = append(c.Attribution, o)
			continue
		case "relationship":
			ends = append(ends, stix.References(o)...)
		}
		g.add(o)
	}
	if err := g.fetch(ctx, ends); err != nil {
		return nil, err
	}
	// Sightings of the indicators.
	for _, o := range slices.Clone(g.order) {
		if o.Type != "indicator" {
			continue
		}
		sightings, err := g.referring(ctx, o.ID, []string{"sighting"})
		if err != nil {
			return nil, err
		}
		for _, s := range sightings {
			g.add(s)
		}
	}
	c.Objects = g.order
	return c, nil
}

// gatherer collects objects across a node's collections, the latest
// version of each once.
type gatherer struct {
	n     *Node
	colls []string
	have  map[string]*stix.Object
	order []*stix.Object
}

func (g *gatherer) add(o *stix.Object) {
	old, ok := g.have[o.ID]
	if !ok {
		g.have[o.ID] = o
		g.order = append(g.order, o)
		return
	}
	if o.Version().Time().After(old.Version().Time()) {
		g.have[o.ID] = o
		g.order[slices.Index(g.order, old)] = o
	}
}

// fetch adds the latest version of the objects ids that any collection
// holds.
func (g *gatherer) fetch(ctx context.Context, ids []string) error {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return g.have[id] != nil })
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), rampart.MaxFilterIDs)]
		ids = ids[len(chunk):]
		for _, coll := range g.colls {
			page, err := g.n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: chunk})
			if err != nil {
				return err
			}
			for _, v := range page.Versions {
				g.add(v.Object)
			}
		}
	}
	return nil
}

// referring returns the objects of types (nil: any) that refer to id by
// one of their _ref or _refs properties.
func (g *gatherer) referring(ctx context.Context, id string, types []string) ([]*stix.Object, error) {
	if g.n.Search == nil {
		return nil, rampart.Errorf(rampart.EUNAVAILABLE, "the store has no search index to find what refers to %s", id)
	}
	var out []*stix.Object
	for i := 0; i < len(g.colls); i += rampart.MaxSearchCollections {
		q := rampart.SearchQuery{CollectionIDs: g.colls[i:min(len(g.colls), i+rampart.MaxSearchCollections)], Text: id, Types: types, Limit: rampart.MaxSearchLimit}
		for {
			page, err := g.n.Search.SearchObjects(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, h := range page.Hits {
				o := h.Version.Object
				if o.ID != id && slices.Contains(stix.References(o), id) {
					out = append(out, o)
				}
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
	}
	return out, nil
}
