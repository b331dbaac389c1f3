package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/misp"
)

// MISPFeedPath is where the node serves what an account may read as a
// MISP feed (manifest.json, hashes.csv, <uuid>.json), so that a MISP
// instance can add the node as a feed with the account's token or
// password.
const MISPFeedPath = "/misp/feed/"

// handleMISPFeed serves one file of the MISP feed of what the account may
// read: every collection it may read, each object released as Access
// decides, mapped back to MISP events as
// misp.Exporter does. It is computed on each request.
func (s *Server) handleMISPFeed(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	name := r.PathValue("name")
	if name != misp.ManifestName && name != misp.HashesName && !strings.HasSuffix(name, ".json") {
		return rampart.Errorf(rampart.ENOTFOUND, "no MISP feed file %q: the feed has %s, %s and <event uuid>.json", name, misp.ManifestName, misp.HashesName)
	}
	evs, err := s.mispEvents(r.Context(), a)
	if err != nil {
		return err
	}
	switch name {
	case misp.ManifestName:
		s.writeJSON(w, http.StatusOK, misp.FeedManifest(evs))
		return nil
	case misp.HashesName:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, err := w.Write(misp.FeedHashes(evs))
		return err
	}
	uuid := strings.TrimSuffix(name, ".json")
	for _, ev := range evs {
		if ev.UUID == uuid {
			data, err := misp.EncodeEvent(ev)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			_, err = w.Write(data)
			return err
		}
	}
	return rampart.Errorf(rampart.ENOTFOUND, "no MISP event %q in this feed", uuid)
}

// mispEvents returns the MISP events of what account a may read.
func (s *Server) mispEvents(ctx context.Context, a *rampart.Account) ([]*misp.Event, error) {
	rd, err := s.reader(ctx, a)
	if err != nil {
		return nil, err
	}
	colls, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	x := misp.NewExporter()
	x.Name = "Rampart: what " + a.Name + " may read"
	for _, coll := range colls {
		f := rampart.ObjectFilter{CollectionID: coll, Limit: 5000}
		for {
			page, err := s.Objects.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			objs, err := s.releaseVersions(ctx, rd, coll, page.Versions)
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				if o != nil {
					x.Add(o)
				}
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	evs, _ := x.Events() // what cannot be mapped is left out of the feed
	return evs, nil
}
