package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// loadStoreIndicators adds the latest version of every indicator of the
// collections to the matcher, a page at a time. It returns how many
// indicators were read and the ones the matcher refused (an indicator held
// by two collections is read twice and refused once as superseded, which
// is not reported).
func loadStoreIndicators(ctx context.Context, objects rampart.ObjectService, m *match.Matcher, collections ...string) (int, []error) {
	var read int
	var refused []error
	for _, c := range collections {
		f := rampart.ObjectFilter{CollectionID: c, Types: []string{"indicator"}, Limit: rampart.MaxPageSize}
		for {
			page, err := objects.FindObjects(ctx, f)
			if err != nil {
				return read, append(refused, fmt.Errorf("collection %s: %w", c, err))
			}
			objs := make([]*stix.Object, len(page.Versions))
			for i, v := range page.Versions {
				objs[i] = v.Object
			}
			read += len(objs)
			refused = append(refused, addIndicators(m, objs)...)
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return read, refused
}

// addIndicators adds objects to the matcher and returns the refusals that
// matter: a version older than the one held is not one of them.
func addIndicators(m *match.Matcher, objs []*stix.Object) []error {
	err := m.AddObjects(objs)
	var ae *match.AddError
	if !errors.As(err, &ae) {
		if err != nil {
			return []error{err}
		}
		return nil
	}
	var out []error
	for _, e := range ae.Errors {
		if !errors.Is(e, match.ErrSuperseded) {
			out = append(out, e)
		}
	}
	return out
}

// allCollections returns the ids of every collection of the node.
func allCollections(ctx context.Context, collections rampart.CollectionService) ([]string, error) {
	cs, err := collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids, nil
}

// storeSink stores sightings, with the observed-data and SCOs they refer
// to, in a collection, where TAXII serves them like any object.
type storeSink struct {
	objects    rampart.ObjectService
	collection string
	// stored counts the sightings stored.
	stored int64
}

func (s *storeSink) Sighting(ctx context.Context, sighting *stix.Object, related []*stix.Object) error {
	objs := append(related[:len(related):len(related)], sighting)
	if _, err := s.objects.CreateObjects(ctx, s.collection, objs); err != nil {
		return fmt.Errorf("store sighting %s: %w", sighting.ID, err)
	}
	s.stored++
	return nil
}

// nodeMatcher keeps a Matcher in step with the node's store: it loads the
// latest version of every indicator at start, and adds, replaces or drops
// (revoked) indicators as the TAXII server stores them, so a change takes
// effect without a restart. A deletion takes the indicator out, then puts
// back the newest version another collection still holds.
type nodeMatcher struct {
	m       *match.Matcher
	n       *node
	logger  *slog.Logger
	reload  sync.Mutex // serialises deletions' look-ups
	loaded  int
	refused []error
}

func newNodeMatcher(ctx context.Context, n *node, logger *slog.Logger) (*nodeMatcher, error) {
	nm := &nodeMatcher{m: match.New(), n: n, logger: logger}
	ids, err := allCollections(ctx, n.collections)
	if err != nil {
		return nil, err
	}
	nm.loaded, nm.refused = loadStoreIndicators(ctx, n.objects, nm.m, ids...)
	for i, err := range nm.refused {
		if i == maxReportedLines {
			logger.Warn("more indicators refused by the matcher", "count", len(nm.refused)-i)
			break
		}
		logger.Warn("indicator refused by the matcher", "err", err)
	}
	return nm, nil
}

// added takes the objects a TAXII request stored.
func (nm *nodeMatcher) added(_ string, objs []*stix.Object) {
	var inds []*stix.Object
	for _, o := range objs {
		if o.Type == "indicator" {
			inds = append(inds, o)
		}
	}
	if len(inds) == 0 {
		return
	}
	for _, err := range addIndicators(nm.m, inds) {
		nm.logger.Warn("indicator refused by the matcher", "err", err)
	}
}

// deleted takes an object deleted from a collection.
func (nm *nodeMatcher) deleted(ctx context.Context, _ string, id string) {
	if stix.IDType(id) != "indicator" {
		return
	}
	nm.reload.Lock()
	defer nm.reload.Unlock()
	nm.m.Remove(id)
	ids, err := allCollections(ctx, nm.n.collections)
	if err != nil {
		nm.logger.Warn("matcher: list collections", "err", err)
		return
	}
	var newest []*stix.Object
	for _, c := range ids {
		page, err := nm.n.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c, IDs: []string{id}, Limit: 1})
		if err != nil {
			nm.logger.Warn("matcher: look up indicator", "id", id, "err", err)
			continue
		}
		for _, v := range page.Versions {
			newest = append(newest, v.Object)
		}
	}
	for _, err := range addIndicators(nm.m, newest) {
		nm.logger.Warn("indicator refused by the matcher", "err", err)
	}
}
