package taxii

import (
	"mime"
	"strings"
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
