package taxii

import (
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Media types of TAXII 2.1 (§1.6.8).
const (
	MediaTypeTAXII = "application/taxii+json;version=2.1"
	MediaTypeSTIX  = "application/stix+json;version=2.1"
	MediaTypeSTIX2 = "application/stix+json;version=2.0"
)

// acceptable reports whether an Accept header admits the TAXII 2.1 media
// type. An absent header admits anything (RFC 9110 §12.5.1); so do "*/*" and
// "application/*". application/taxii+json without a version means the highest
// version the server supports, which is 2.1. A media range with q=0 refuses.
func acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok && strings.Trim(q, "0.") == "" {
			continue
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

// taxiiContent reports whether a Content-Type header names the TAXII 2.1
// envelope media type (without a version it means the highest, 2.1).
func taxiiContent(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	v, ok := params["version"]
	return !ok || v == "2.1"
}

// CheckMediaType returns an error naming the object, the collection and
// the media type when the collection does not accept the object's media
// type (STIX 2.0 or 2.1); a collection that lists none accepts both. The
// server applies it to every object posted; whatever else stores objects
// in a collection (an import) applies it too, so that a collection never
// holds what TAXII would have refused.
func CheckMediaType(c *rampart.Collection, o *stix.Object) error {
	mt := mediaType(o)
	if len(c.MediaTypes) > 0 && !slices.Contains(c.MediaTypes, mt) {
		return fmt.Errorf("%s %q: collection %q does not accept %s", o.Type, o.ID, c.ID, mt)
	}
	return nil
}
