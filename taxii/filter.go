package taxii

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Query parameters of the listing endpoints (§3.4).
const (
	paramAddedAfter  = "added_after"
	paramLimit       = "limit"
	paramNext        = "next"
	paramID          = "match[id]"
	paramType        = "match[type]"
	paramVersion     = "match[version]"
	paramSpecVersion = "match[spec_version]"
)

// listQuery is a parsed listing request.
type listQuery struct {
	filter rampart.ObjectFilter
	digest [16]byte
}

// parseList reads the filters an endpoint allows into an ObjectFilter,
// resuming from the request's "next" cursor when there is one. kind names the
// endpoint, so a cursor from one endpoint is refused by another.
func (s *Server) parseList(r *http.Request, kind string, c *rampart.Collection, allowed ...string) (*listQuery, error) {
	allowed = append(allowed, paramAddedAfter, paramLimit, paramNext)
	if err := checkParams(r, allowed); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	lq := &listQuery{filter: rampart.ObjectFilter{CollectionID: c.ID, Limit: s.MaxPageSize}}
	f := &lq.filter
	if v := q.Get(paramAddedAfter); q.Has(paramAddedAfter) {
		ts, err := stix.ParseTimestamp(v)
		if err != nil {
			return nil, rampart.Errorf(rampart.EINVALID, "added_after: %v", err)
		}
		t := ts.Time()
		f.AddedAfter = &t
	}
	if q.Has(paramLimit) {
		n, err := strconv.Atoi(q.Get(paramLimit))
		if err != nil || n <= 0 {
			return nil, rampart.Errorf(rampart.EINVALID, "limit must be a positive integer (got %q)", q.Get(paramLimit))
		}
		f.Limit = min(n, s.MaxPageSize)
	}
	if q.Has(paramID) {
		f.IDs = splitList(q.Get(paramID))
	}
	if q.Has(paramType) {
		f.Types = splitList(q.Get(paramType))
	}
	if q.Has(paramVersion) {
		vs, err := parseVersions(q.Get(paramVersion))
		if err != nil {
			return nil, err
		}
		f.Versions = vs
	}
	if q.Has(paramSpecVersion) {
		svs := splitList(q.Get(paramSpecVersion))
		for _, sv := range svs {
			if sv != "2.0" && sv != "2.1" {
				return nil, rampart.Errorf(rampart.EINVALID, "match[spec_version]: unsupported STIX version %q (this server holds 2.0 and 2.1)", sv)
			}
		}
		f.SpecVersions = svs
	}
	if id := r.PathValue("object"); id != "" {
		f.IDs = []string{id}
	}
	parts := []string{kind, c.APIRoot, c.ID, r.PathValue("object")}
	for _, p := range []string{paramAddedAfter, paramID, paramType, paramVersion, paramSpecVersion} {
		parts = append(parts, p+"="+q.Get(p))
	}
	lq.digest = queryDigest(parts...)
	if q.Has(paramNext) {
		cur, err := s.decodeCursor(q.Get(paramNext), lq.digest)
		if err != nil {
			return nil, rampart.Errorf(rampart.EINVALID, "next: not a cursor this server issued for this query; repeat the query's filters unchanged with next, or start again without next")
		}
		f.AfterSeq = cur.afterSeq
	}
	return lq, nil
}

// splitList splits a comma-separated parameter value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// parseVersions checks match[version]: first, last, all, or STIX timestamps;
// "all" stands alone (§3.4.1).
func parseVersions(v string) ([]string, error) {
	vs := splitList(v)
	if len(vs) == 0 {
		return nil, rampart.Errorf(rampart.EINVALID, "match[version] is empty: give first, last, all or a timestamp")
	}
	for _, x := range vs {
		switch x {
		case rampart.VersionFirst, rampart.VersionLast:
		case rampart.VersionAll:
			if len(vs) > 1 {
				return nil, rampart.Errorf(rampart.EINVALID, "match[version]: \"all\" cannot be combined with other values (got %q)", v)
			}
		default:
			if _, err := stix.ParseTimestamp(x); err != nil {
				return nil, rampart.Errorf(rampart.EINVALID, "match[version]: %q is not first, last, all or a STIX timestamp", x)
			}
		}
	}
	return vs, nil
}

// versionText is an object version as TAXII reports it: modified, else
// created, else (for SCOs, which have neither) the date it was added.
func versionText(v *rampart.ObjectVersion) string {
	if ts := v.Object.Version(); !ts.IsZero() {
		return ts.String()
	}
	return FormatTime(v.DateAdded)
}

func mediaType(o *stix.Object) string {
	if o.SpecVersion == "2.0" {
		return MediaTypeSTIX2
	}
	return MediaTypeSTIX
}
