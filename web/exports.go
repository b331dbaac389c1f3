package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/export"
	"github.com/rampart-cti/rampart/stix"
)

// exportParams are the query parameters of GET /api/v1/exports/{format}.
var exportParams = []string{"collection", "kind", "min_confidence", "marking", "producer", "max_age", "include_decayed", "sid_base", "sid_range", "chunk", "action", "ttl"}

// handleExport serves GET /api/v1/exports/{format}: the indicators of the
// collections named (collection=, by id or alias, repeated or
// comma-separated; every collection the account may read when absent), as
// Suricata rules, an RPZ zone, a blocklist, CSV or a STIX bundle (package
// export), drawn only from what the account may read. Filters: kind,
// min_confidence, marking, producer, max_age (30d, 12h), include_decayed
// (indicators whose lifecycle score fell below the threshold are left out
// unless true); Suricata's
// sid_base, sid_range and chunk; the zone's action and ttl. The answer has
// a strong ETag (a hash of its bytes) and a Last-Modified (when the
// content last changed), and answers If-None-Match and If-Modified-Since
// with 304, so that tools that pull on a schedule fetch only what
// changed.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, a *rampart.Account) error {
	format := r.PathValue("format")
	ctype := export.ContentType(format)
	if ctype == "" {
		return rampart.Errorf(rampart.ENOTFOUND, "no export format %q: use %s", format, strings.Join(export.Formats, ", "))
	}
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(exportParams, k) {
			return rampart.Errorf(rampart.EINVALID, "unknown query parameter %q: exports take %s", k, strings.Join(exportParams, ", "))
		}
	}
	colls, err := s.exportCollections(r, a, q["collection"])
	if err != nil {
		return err
	}
	f, o, err := exportFilter(format, q)
	if err != nil {
		return err
	}
	f.Now = s.Now
	if s.Lifecycle != nil {
		f.Score = func(o *stix.Object) (float64, bool, error) {
			sc, err := s.Lifecycle.IndicatorScore(r.Context(), o)
			return sc.Value, sc.Decayed, err
		}
	}
	reader, err := s.reader(r.Context(), a)
	if err != nil {
		return err
	}
	release := func(ctx context.Context, coll string, vs []*rampart.ObjectVersion) ([]*stix.Object, error) {
		return s.releaseVersions(ctx, reader, coll, vs)
	}
	set, err := export.Collect(r.Context(), s.Objects, colls, release, f, nil)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	if _, err := export.Write(&body, format, set, o); err != nil {
		return err
	}
	sum := sha256.Sum256(body.Bytes())
	h := w.Header()
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Content-Type", ctype)
	// The answer depends on who asks: no shared cache may keep it, and
	// the client revalidates each time.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers the conditional and range requests.
	http.ServeContent(w, r, "", set.Newest.Truncate(time.Second), bytes.NewReader(body.Bytes()))
	return nil
}

// exportCollections returns the ids of the collections an export reads:
// those named (ids or aliases), or every collection the account may read.
func (s *Server) exportCollections(r *http.Request, a *rampart.Account, named []string) ([]string, error) {
	var refs []string
	for _, n := range named {
		for p := range strings.SplitSeq(n, ",") {
			if p = strings.TrimSpace(p); p != "" {
				refs = append(refs, p)
			}
		}
	}
	if len(refs) == 0 {
		return s.readable(r.Context(), a)
	}
	all, err := s.Collections.FindCollections(r.Context(), rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ref := range refs {
		found, allowed := false, false
		for _, c := range all {
			if c.ID != ref && c.Alias != ref {
				continue
			}
			found = true
			if a.CanRead(c.ID) {
				allowed = true
				if !slices.Contains(ids, c.ID) {
					ids = append(ids, c.ID)
				}
			}
		}
		switch {
		case !found:
			return nil, rampart.Errorf(rampart.ENOTFOUND, "collection=%q: no collection has this id or alias", ref)
		case !allowed:
			return nil, rampart.Errorf(rampart.EFORBIDDEN, "account %q may not read collection %q", a.Name, ref)
		}
	}
	return ids, nil
}

// exportFilter reads the filters and options of an export from its query.
func exportFilter(format string, q map[string][]string) (export.Filter, export.Options, error) {
	var f export.Filter
	var o export.Options
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.Join(v, ",")
		}
		return ""
	}
	var err error
	if f.Kinds, err = export.ParseKinds(get("kind")); err != nil {
		return f, o, rampart.Errorf(rampart.EINVALID, "kind: %v", err)
	}
	if format == "blocklist" && len(f.Kinds) == 0 {
		return f, o, rampart.Errorf(rampart.EINVALID, "a blocklist needs kind= (ipv4, ipv6, cidr, ip, domain, url, md5, sha1, sha256 or email)")
	}
	num := func(k string, lo, hi int64) (int64, error) {
		v := get(k)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, rampart.Errorf(rampart.EINVALID, "%s=%q: want a whole number from %d to %d", k, v, lo, hi)
		}
		return n, nil
	}
	conf, err := num("min_confidence", 0, 100)
	if err != nil {
		return f, o, err
	}
	f.MinConfidence = int(conf)
	for m := range strings.SplitSeq(get("marking"), ",") {
		if m = strings.TrimSpace(m); m == "" {
			continue
		}
		if err := export.CheckMarking(m); err != nil {
			return f, o, rampart.Errorf(rampart.EINVALID, "marking: %v", err)
		}
		f.Markings = append(f.Markings, m)
	}
	for p := range strings.SplitSeq(get("producer"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if typ, _, err := stix.ParseID(p); err != nil || typ != "identity" {
			return f, o, rampart.Errorf(rampart.EINVALID, "producer=%q: not an identity id (identity--<uuid>)", p)
		}
		f.Producers = append(f.Producers, p)
	}
	if v := get("max_age"); v != "" {
		if f.MaxAge, err = export.ParseAge(v); err != nil {
			return f, o, rampart.Errorf(rampart.EINVALID, "max_age: %v", err)
		}
	}
	switch v := get("include_decayed"); v {
	case "", "false":
	case "true":
		f.IncludeDecayed = true
	default:
		return f, o, rampart.Errorf(rampart.EINVALID, "include_decayed=%q: want true or false", v)
	}
	base, err := num("sid_base", 1, 1<<32-1)
	if err != nil {
		return f, o, err
	}
	span, err := num("sid_range", 1, 1<<32-1)
	if err != nil {
		return f, o, err
	}
	chunk, err := num("chunk", 1, 100000)
	if err != nil {
		return f, o, err
	}
	o.Suricata = export.SuricataOptions{SIDBase: uint32(base), SIDRange: uint32(span), Chunk: int(chunk)}
	if err := o.Suricata.Check(); err != nil {
		return f, o, rampart.Errorf(rampart.EINVALID, "sid_base, sid_range: %v", err)
	}
	ttl, err := num("ttl", 1, 1<<31-1)
	if err != nil {
		return f, o, err
	}
	o.RPZ = export.RPZOptions{Action: get("action"), TTL: int(ttl)}
	if err := export.CheckRPZAction(o.RPZ.Action); err != nil {
		return f, o, rampart.Errorf(rampart.EINVALID, "action: %v", err)
	}
	return f, o, nil
}
