package evidence

import (
	"archive/tar"
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Contents is what goes into a package.
type Contents struct {
	// Incident is the STIX id of the incident.
	Incident string
	// Objects are the incident and the objects about it: related
	// indicators, observables, sightings, relationships. They are put in
	// the STIX bundle member "incident.json" as stored, their creators'
	// signatures intact.
	Objects []*stix.Object
	// Attribution holds the notes and opinions about the incident (the
	// member "attribution.json").
	Attribution []*stix.Object
	// Files are further members: artefacts and attribution rankings.
	Files []File
}

// File is a member given as bytes.
type File struct {
	Name   string // path in the content, such as "artefacts/dropper.exe"
	Kind   string // KindArtefact or KindAttribution
	Source string // where it came from, for the manifest
	Data   []byte
}

// Create makes a package of c for the authority to, made by the node whose
// keys id holds (it must belong to an organisation), at now. The content
// is marked TLP:RED: its STIX bundle opens with a report, created and
// signed by id's organisation, marked TLP:RED, addressed to the
// authority's organisation when it has one, and listing every object.
// The content is sealed to the authority's HPKE key; the cover is signed
// by id. The package has no custody record yet: the first hand-over is
// the maker's.
func Create(id *trust.Identity, name string, to Party, c *Contents, purpose string, now time.Time) (*Package, *Manifest, error) {
	if id.Organization() == "" {
		return nil, nil, errors.New("create evidence package: the keys belong to no organisation; a package is made by a node with its organisation's keys")
	}
	if typ, _, err := stix.ParseID(c.Incident); err != nil || typ != "incident" {
		return nil, nil, fmt.Errorf("create evidence package: %q is not an incident id", c.Incident)
	}
	if to.Keys == nil || to.Keys.EncryptionKey() == nil {
		return nil, nil, fmt.Errorf("create evidence package: the authority %s has no encryption key", to)
	}
	if len(purpose) > MaxTextBytes || len(name) > MaxTextBytes {
		return nil, nil, fmt.Errorf("create evidence package: purpose or name longer than MaxTextBytes (%d)", MaxTextBytes)
	}
	now = now.UTC().Truncate(time.Millisecond)
	var recipients []string
	if to.Organization != "" {
		recipients = []string{to.Organization}
	}
	pkgID := "evidence--" + stix.NewUUID()
	bundle, err := stixBundle(id, c, pkgID, recipients, now)
	if err != nil {
		return nil, nil, err
	}
	files := []File{{Name: "incident.json", Kind: KindSTIX, Data: bundle}}
	if len(c.Attribution) > 0 {
		b, err := stix.NewBundle(c.Attribution...).MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		files = append(files, File{Name: "attribution.json", Kind: KindAttribution, Data: b})
	}
	files = append(files, c.Files...)
	if len(files) > MaxMembers {
		return nil, nil, fmt.Errorf("create evidence package: %d members, more than MaxMembers (%d)", len(files), MaxMembers)
	}
	m := &Manifest{Package: pkgID, Incident: c.Incident, Created: now, CreatedBy: id.Organization(), Marking: stix.TLPRedID, Recipients: recipients}
	size := 0
	for _, f := range files {
		if err := checkName(f.Name); err != nil {
			return nil, nil, fmt.Errorf("create evidence package: %v", err)
		}
		if slices.ContainsFunc(m.Members, func(x Member) bool { return x.Name == f.Name }) {
			return nil, nil, fmt.Errorf("create evidence package: two members named %q", f.Name)
		}
		size += len(f.Data) + 1024
		if size > MaxContentBytes {
			return nil, nil, fmt.Errorf("create evidence package: the content reaches %q past MaxContentBytes (%d)", f.Name, MaxContentBytes)
		}
		m.Members = append(m.Members, Member{Name: f.Name, Kind: f.Kind, Size: int64(len(f.Data)), SHA256: digest(f.Data), Source: f.Source})
	}
	manifest, err := json.Marshal(m, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.Grow(size + len(manifest) + 4096)
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add(manifestName, manifest); err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		if err := add(f.Name, f.Data); err != nil {
			return nil, nil, fmt.Errorf("create evidence package: %s: %v", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	enc := to.Keys.EncryptionKey()
	sealed, err := trust.SealPayload(enc, sealInfo(pkgID), buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("create evidence package: %v", err)
	}
	p := &Package{Format: Format, Sealed: sealed, Custody: []*Record{}}
	p.Cover = Cover{
		ID: pkgID, Created: now, CreatedBy: PartyOf(id, name), To: to, Incident: c.Incident, Purpose: purpose,
		Marking: stix.TLPRedID, Recipients: recipients, Encryption: enc.String(),
		SealedSHA256: digest(sealed), SealedSize: int64(len(sealed)), ManifestSHA256: digest(manifest), Members: len(m.Members),
	}
	doc, err := canonical(p.Cover)
	if err != nil {
		return nil, nil, err
	}
	if p.CoverSignature, err = id.SignDocument(kindCover, doc); err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// stixBundle returns the bundle of the incident's objects, opened by the
// signed TLP:RED report that lists them.
func stixBundle(id *trust.Identity, c *Contents, pkgID string, recipients []string, now time.Time) ([]byte, error) {
	objs := dedupe(c.Objects)
	if !slices.ContainsFunc(objs, func(o *stix.Object) bool { return o.ID == c.Incident }) {
		return nil, fmt.Errorf("create evidence package: the objects do not hold the incident %q", c.Incident)
	}
	var refs []string
	for _, o := range append(slices.Clone(objs), dedupe(c.Attribution)...) {
		if !slices.Contains(refs, o.ID) {
			refs = append(refs, o.ID)
		}
	}
	ts := stix.NewTimestamp(now).String()
	report := map[string]any{
		"type": "report", "spec_version": "2.1", "id": stix.NewID("report"),
		"created": ts, "modified": ts, "published": ts, "created_by_ref": id.Organization(),
		"name":                "Evidence package " + pkgID,
		"description":         "The objects handed over as evidence about " + c.Incident + ", in evidence package " + pkgID + ".",
		"report_types":        []string{"threat-report"},
		"object_refs":         refs,
		"object_marking_refs": []string{stix.TLPRedID},
	}
	raw, err := json.Marshal(report, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("create evidence package: report: %v", err)
	}
	if len(recipients) > 0 {
		if o, err = trust.Address(o, recipients...); err != nil {
			return nil, err
		}
	}
	if o, err = id.Sign(o); err != nil {
		return nil, err
	}
	// The definitions of the marking and of the extensions the report
	// uses, so that other tools can resolve them.
	all := []*stix.Object{o, stix.TLPMarkingDefinition(stix.TLPRed)}
	all = append(all, trust.ExtensionDefinition()...)
	if len(recipients) > 0 {
		all = append(all, trust.RecipientsExtensionDefinition())
	}
	all = append(all, objs...)
	return stix.NewBundle(all...).MarshalJSON()
}

// dedupe keeps the first of each (id, version).
func dedupe(objs []*stix.Object) []*stix.Object {
	seen := map[string]bool{}
	var out []*stix.Object
	for _, o := range objs {
		k := o.ID + " " + o.Version().String()
		if !seen[k] {
			seen[k] = true
			out = append(out, o)
		}
	}
	return out
}
