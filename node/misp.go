package node

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/feed"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/stix"
)

// MISPResolver finds, for the MISP converter, the intrusion sets, attack
// patterns, malware and tools a collection already holds (by name, alias
// or external id, through the node's search index) and the organisations
// the node knows (its records and its trust registry).
type MISPResolver struct {
	n          *Node
	collection string
}

var _ misp.Resolver = (*MISPResolver)(nil)

// MISPResolver returns a resolver over collection c.
func (n *Node) MISPResolver(c *rampart.Collection) *MISPResolver {
	return &MISPResolver{n: n, collection: c.ID}
}

// FindSDO returns the id of the latest object of type typ in the
// collection whose name, alias or ATT&CK external id matches, "" when
// there is none.
func (r *MISPResolver) FindSDO(ctx context.Context, typ, name string, aliases []string, externalID string) (string, error) {
	if r.n.Search == nil {
		return "", nil
	}
	try := func(text string, match func(*sdoNames) bool) (string, error) {
		text = strings.NewReplacer(`"`, " ", "*", " ").Replace(strings.TrimSpace(text))
		if text == "" || len(text) > rampart.MaxSearchTextBytes-2 || len(strings.Fields(text)) > rampart.MaxSearchTerms {
			return "", nil
		}
		page, err := r.n.Search.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{r.collection},
			Text: `"` + text + `"`, Types: []string{typ}, Limit: 20})
		if err != nil {
			return "", err
		}
		for _, h := range page.Hits {
			var s sdoNames
			if json.Unmarshal(h.Version.Object.Raw, &s) == nil && match(&s) {
				return h.Version.Object.ID, nil
			}
		}
		return "", nil
	}
	if externalID != "" {
		id, err := try(externalID, func(s *sdoNames) bool { return s.hasExternalID(externalID) })
		if id != "" || err != nil {
			return id, err
		}
	}
	for _, n := range append([]string{name}, aliases...) {
		id, err := try(n, func(s *sdoNames) bool { return s.named(n) })
		if id != "" || err != nil {
			return id, err
		}
	}
	return "", nil
}

// KnownOrganisation reports whether the node's records or its trust
// registry know the organisation id.
func (r *MISPResolver) KnownOrganisation(ctx context.Context, id string) bool {
	if r.n.RegistryOrganization(id) != nil {
		return true
	}
	if r.n.Organizations == nil {
		return false
	}
	_, err := r.n.Organizations.FindOrganizationByID(ctx, id)
	return err == nil
}

type sdoNames struct {
	Name               string   `json:"name"`
	Aliases            []string `json:"aliases"`
	MitreAliases       []string `json:"x_mitre_aliases"`
	ExternalReferences []struct {
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
}

func (s *sdoNames) named(n string) bool {
	if strings.EqualFold(s.Name, n) {
		return true
	}
	for _, a := range append(s.Aliases, s.MitreAliases...) {
		if strings.EqualFold(a, n) {
			return true
		}
	}
	return false
}

func (s *sdoNames) hasExternalID(id string) bool {
	for _, r := range s.ExternalReferences {
		if strings.EqualFold(r.ExternalID, id) {
			return true
		}
	}
	return false
}

// MISPProducer converts MISP data and gives the objects to emit: what
// ImportMISP stores. MISPEvents and MISPFeed make the usual ones.
type MISPProducer func(ctx context.Context, c *misp.Converter, emit func(*stix.Object) error) (misp.FeedSummary, error)

// MISPEvents produces the objects of events read from file.
func MISPEvents(evs []*misp.Event, file string) MISPProducer {
	return func(ctx context.Context, c *misp.Converter, emit func(*stix.Object) error) (misp.FeedSummary, error) {
		var sum misp.FeedSummary
		for i, ev := range evs {
			s, err := c.Convert(ctx, ev, file, i, emit)
			sum.Add(s)
			if err != nil {
				return sum, err
			}
		}
		return sum, nil
	}
}

// MISPFeed produces the objects of the events of a MISP feed changed
// since a time (every event for the zero time).
func MISPFeed(fetch misp.Fetch, since time.Time) MISPProducer {
	return func(ctx context.Context, c *misp.Converter, emit func(*stix.Object) error) (misp.FeedSummary, error) {
		return c.ReadFeed(ctx, fetch, since, emit)
	}
}

// MISPImportBatch is how many objects a MISP import stores in one
// transaction: more than ImportBatch, since one MISP attribute makes
// about two objects (an indicator and its relationships to the event's
// galaxies), and every commit costs a write to the WAL.
const MISPImportBatch = 5000

// MISPImportFirstBatch is the size of a MISP import's first batch; the
// next ones double up to MISPImportBatch (see ingest.Ingester's
// FirstBatchSize), so that the store's writer starts once 1,000 objects
// are converted and checked rather than 5,000, for two commits more.
const MISPImportFirstBatch = 1000

// MISPSummary says what an import of MISP data did: what the conversion
// made and what became of it in the store.
type MISPSummary struct {
	MISP  misp.FeedSummary
	Store ingest.Summary
}

// ImportMISP converts MISP data with a converter resolving against
// collection c and stores the objects through the node's Ingester, so
// that each passes the checks any import does. report, when set, is told
// what became of every object. A MISP item that cannot be converted is in
// the summary's MISP.Failures; an object the store refuses is reported
// Invalid. The error is for what stopped the import: the producer's
// (an unreadable feed manifest), the store's or ctx's.
func (n *Node) ImportMISP(ctx context.Context, c *rampart.Collection, produce MISPProducer, report func(ingest.Outcome)) (MISPSummary, error) {
	var sum MISPSummary
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := n.Ingester(c)
	in.Report = report
	in.BatchSize = MISPImportBatch
	in.FirstBatchSize = MISPImportFirstBatch
	// The objects are checked here, as the converter makes them, rather
	// than by the ingester, so that checking runs beside the store's
	// writer instead of between its batches; and in a goroutine of its
	// own, beside the converter, so that converting, checking and writing
	// the objects of one import run at once.
	check := in.Check
	in.Check = nil
	made := make(chan *stix.Object, 4096)
	objs := make(chan checked, 4096)
	done := make(chan error, 1)
	go func() {
		conv := misp.NewConverter(n.MISPResolver(c))
		s, err := produce(ctx, conv, func(o *stix.Object) error {
			select {
			case made <- o:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		sum.MISP = s
		close(made)
		done <- err
	}()
	go func() {
		defer close(objs)
		i := 0
		for o := range made {
			x := checked{obj: o}
			if err := check(o); err != nil {
				x = checked{err: &stix.ObjectError{Index: i, ID: o.ID, Version: o.Version().String(), Path: fmt.Sprintf("object %d", i), Err: err}}
			}
			i++
			select {
			case objs <- x:
			case <-ctx.Done():
				for range made {
					// Drain, so that the producer sees the cancellation and ends.
				}
				return
			}
		}
	}()
	st, err := in.Ingest(ctx, c.ID, chanSource(objs))
	cancel()
	for range objs {
		// Drain, so that the producer sees the cancellation and ends.
	}
	perr := <-done
	sum.Store = st
	if err == nil && perr != nil && !errors.Is(perr, context.Canceled) {
		err = perr
	}
	return sum, err
}

// checked is an object the converter made, or why it cannot be stored.
type checked struct {
	obj *stix.Object
	err *stix.ObjectError
}

// chanSource is an ingest.Source over a channel of checked objects.
type chanSource chan checked

func (s chanSource) Next() (*stix.Object, error) {
	x, ok := <-s
	if !ok {
		return nil, io.EOF
	}
	if x.err != nil {
		return nil, x.err
	}
	return x.obj, nil
}

// MISPEventsOf maps objects back to MISP events, as "rampart export
// --format misp" and the MISP feed the node serves write them. name
// names the event of the objects no report references.
func MISPEventsOf(objs []*stix.Object, name string) ([]*misp.Event, []error) {
	x := misp.NewExporter()
	x.Name = name
	for _, o := range objs {
		x.Add(o)
	}
	return x.Events()
}

// ReadableObjects returns the latest version of every object in
// collection c that keep accepts (nil keeps all), in the order added.
func (n *Node) ReadableObjects(ctx context.Context, c string, keep func(*stix.Object) bool) ([]*stix.Object, error) {
	var out []*stix.Object
	f := rampart.ObjectFilter{CollectionID: c, Limit: 5000}
	for {
		page, err := n.Objects.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if keep == nil || keep(v.Object) {
				out = append(out, v.Object)
			}
			f.AfterSeq = v.Seq
		}
		if !page.More || len(page.Versions) == 0 {
			return out, nil
		}
	}
}

// MISPSource says whether name is a MISP feed, an http(s) URL or a
// directory holding manifest.json, and returns what reads its files: over
// HTTP within the feeds' limits (feed.Fetcher: redirects, loops, time, and
// misp.MaxFileBytes a file).
func MISPSource(name string) (misp.Fetch, bool) {
	if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
		f := &feed.Fetcher{UserAgent: "Rampart import", MaxBodyBytes: misp.MaxFileBytes, MaxDecompressedBytes: misp.MaxFileBytes}
		return f.Files(name, feed.Request{}, nil), true
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		if _, err := os.Stat(filepath.Join(name, misp.ManifestName)); err == nil {
			return misp.DirFetch(name), true
		}
	}
	return nil, false
}
