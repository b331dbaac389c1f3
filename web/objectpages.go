package web

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"net/http"
	"slices"
	"sort"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
	"github.com/rampart-cti/rampart/warninglist"
)

func (c *console) objectPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"objects/{id}", c.object)
}

// property is one top-level property of an object, its value as JSON.
type property struct {
	Name  string
	Value string
	// Refs are the ids the value names, to link to.
	Refs []string
}

// change is what one version changed from the one before.
type change struct {
	Version  string
	Added    []string
	Removed  []string
	Modified []string
}

// signature is what the node knows of an object's signature.
type signature struct {
	Signed       bool
	Verified     bool
	Organization string
	Algorithms   []string
	Registry     int64
	Problem      string
}

type objectData struct {
	Object      *stix.Object
	Name        string
	Collections []string
	Properties  []property
	Raw         string
	Versions    []change
	Signature   signature
	Related     relatedData
	// Warninglisted are the warninglists that hold the object's values.
	Warninglisted []warninglist.Hit
	// Score is an indicator's lifecycle score, nil for other objects or
	// without a Lifecycle.
	Score *lifecycle.Score
}

// readVersions returns every version of object id the account may read,
// from every collection it may read, oldest first, and the collections
// that hold it. An object the account may not read is answered for as
// one the node does not hold.
func (c *console) readVersions(ctx context.Context, v *visit, id string) ([]*stix.Object, []string, error) {
	if _, _, err := stix.ParseID(id); err != nil {
		return nil, nil, rampart.Errorf(rampart.ENOTFOUND, "there is no object %q here: an object id is TYPE--UUID", id)
	}
	colls, err := c.s.readable(ctx, v.account)
	if err != nil {
		return nil, nil, err
	}
	reader, err := c.s.reader(ctx, v.account)
	if err != nil {
		return nil, nil, err
	}
	byVersion := map[string]*stix.Object{}
	var held []string
	for _, coll := range colls {
		p, err := c.s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{id}, Versions: []string{rampart.VersionAll}})
		if err != nil {
			return nil, nil, err
		}
		objs, err := c.s.releaseVersions(ctx, reader, coll, p.Versions)
		if err != nil {
			return nil, nil, err
		}
		found := false
		for _, o := range objs {
			if o != nil {
				byVersion[o.Version().String()] = o
				found = true
			}
		}
		if found {
			held = append(held, coll)
		}
	}
	if len(byVersion) == 0 {
		return nil, nil, rampart.Errorf(rampart.ENOTFOUND, "there is no object %s here that you may read", id)
	}
	out := make([]*stix.Object, 0, len(byVersion))
	for _, o := range byVersion {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *stix.Object) int { return a.Version().Compare(b.Version()) })
	return out, held, nil
}

func (c *console) object(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	versions, colls, err := c.readVersions(r.Context(), v, id)
	if err != nil {
		return err
	}
	o := versions[len(versions)-1]
	d := objectData{Object: o}
	_, names, err := c.collectionNames(r)
	if err != nil {
		return err
	}
	for _, id := range colls {
		d.Collections = append(d.Collections, names[id])
	}
	members, err := membersOf(o)
	if err != nil {
		return err
	}
	d.Name = nameOf(members, o)
	d.Properties = properties(members)
	var pretty bytes.Buffer
	if err := json.MarshalWrite(&pretty, o.Raw, jsontext.Multiline(true), jsontext.WithIndent("  ")); err == nil {
		d.Raw = pretty.String()
	}
	if d.Versions, err = changes(versions); err != nil {
		return err
	}
	d.Signature = c.signatureOf(o)
	if c.s.Warninglists != nil {
		d.Warninglisted = warninglist.ObjectHits(c.s.Warninglists(r.Context()), o)
	}
	if o.Type == "indicator" && c.s.Lifecycle != nil {
		if sc, err := c.s.Lifecycle.IndicatorScore(r.Context(), o); err == nil {
			d.Score = &sc
		}
	}
	if d.Related, err = c.related(r.Context(), v, o); err != nil {
		return err
	}
	return c.show(w, r, v, "object", d.Name, "search", d)
}

func membersOf(o *stix.Object) (map[string]jsontext.Value, error) {
	var m map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &m); err != nil {
		return nil, rampart.Errorf(rampart.EINTERNAL, "object %s: %v", o.ID, err)
	}
	return m, nil
}

// nameOf is what an object is called: its name, else its value, else its
// id.
func nameOf(m map[string]jsontext.Value, o *stix.Object) string {
	for _, k := range []string{"name", "value", "relationship_type", "abstract"} {
		var s string
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return o.ID
}

func properties(m map[string]jsontext.Value) []property {
	var out []property
	for k, raw := range m {
		p := property{Name: k}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			p.Value = s
		} else {
			var b bytes.Buffer
			json.MarshalWrite(&b, raw, jsontext.Multiline(true), jsontext.WithIndent("  "))
			p.Value = b.String()
		}
		if k != "id" {
			p.Refs = refsIn(raw)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return propertyRank(out[i].Name) < propertyRank(out[j].Name) ||
			propertyRank(out[i].Name) == propertyRank(out[j].Name) && out[i].Name < out[j].Name
	})
	return out
}

// propertyRank puts the common properties first, extensions last.
func propertyRank(name string) int {
	switch name {
	case "type", "id", "name", "spec_version":
		return 0
	case "extensions":
		return 2
	}
	return 1
}

// refsIn returns the STIX ids a JSON value names (a _ref's string, a
// _refs' list).
func refsIn(raw jsontext.Value) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if _, _, err := stix.ParseID(one); err == nil {
			return []string{one}
		}
		return nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	var out []string
	for _, s := range many {
		if _, _, err := stix.ParseID(s); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// changes says, newest first, what each version changed.
func changes(versions []*stix.Object) ([]change, error) {
	var out []change
	var prev map[string]jsontext.Value
	for _, o := range versions {
		m, err := membersOf(o)
		if err != nil {
			return nil, err
		}
		ch := change{Version: o.Version().String()}
		for k, val := range m {
			old, had := prev[k]
			switch {
			case prev == nil:
			case !had:
				ch.Added = append(ch.Added, k)
			case !bytes.Equal(old, val) && k != "modified":
				ch.Modified = append(ch.Modified, k)
			}
		}
		for k := range prev {
			if _, ok := m[k]; !ok {
				ch.Removed = append(ch.Removed, k)
			}
		}
		slices.Sort(ch.Added)
		slices.Sort(ch.Removed)
		slices.Sort(ch.Modified)
		out = append(out, ch)
		prev = m
	}
	slices.Reverse(out)
	return out, nil
}

// signatureOf checks an object's signature against the trust registry.
func (c *console) signatureOf(o *stix.Object) signature {
	if !trust.IsSigned(o) {
		return signature{}
	}
	s := signature{Signed: true}
	if c.s.Verifier == nil {
		s.Problem = "this node has no trust registry to check signatures against"
		return s
	}
	signed, err := c.s.Verifier.Verify(o)
	if err != nil {
		s.Problem = err.Error()
		return s
	}
	s.Verified, s.Registry = true, signed.RegistryVersion
	s.Algorithms = signed.Algorithms[:]
	if signed.Organization != nil {
		s.Organization = signed.Organization.Name
	}
	return s
}
