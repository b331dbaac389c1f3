package stix

import "encoding/json/jsontext"

// Location is a geographic location (§4.10). At least one of Region,
// Country or Latitude and Longitude is set.
type Location struct {
	CommonProperties
	Name               string                    `json:"name,omitempty"`
	Description        string                    `json:"description,omitempty"`
	Latitude           *float64                  `json:"latitude,omitempty"`
	Longitude          *float64                  `json:"longitude,omitempty"`
	Precision          *float64                  `json:"precision,omitempty"`
	Region             string                    `json:"region,omitempty"`
	Country            string                    `json:"country,omitempty"`
	AdministrativeArea string                    `json:"administrative_area,omitempty"`
	City               string                    `json:"city,omitempty"`
	StreetAddress      string                    `json:"street_address,omitempty"`
	PostalCode         string                    `json:"postal_code,omitempty"`
	Custom             map[string]jsontext.Value `json:",embed"`
}

var locationSpec = sdoSpec(map[string]*prop{
	"name":                str(),
	"description":         str(),
	"latitude":            floatRange(-90, 90),
	"longitude":           floatRange(-180, 180),
	"precision":           float(),
	"region":              vocab("region-ov", regionOV),
	"country":             str().with(checkCountry),
	"administrative_area": str(),
	"city":                str(),
	"street_address":      str(),
	"postal_code":         str(),
}, nil, checkLocation)

// checkLocation applies §4.10: region, country or latitude and longitude
// must be given; latitude and longitude go together; precision needs them.
func checkLocation(c *checker, n *node, path string) {
	lat, long := n.has("latitude"), n.has("longitude")
	if !n.has("region") && !n.has("country") && !(lat && long) {
		c.fail(path, "a location must have at least one of region, country, or latitude and longitude")
	}
	switch {
	case lat && !long:
		c.fail("longitude", "is required when latitude is present")
	case long && !lat:
		c.fail("latitude", "is required when longitude is present")
	}
	if n.has("precision") && !(lat && long) {
		c.fail("precision", "must only be present together with latitude and longitude")
	}
}

// checkCountry warns when country is not an ISO 3166-1 alpha-2 code.
func checkCountry(c *checker, n *node, path string) {
	if n.kind != '"' {
		return
	}
	s := n.str
	if len(s) != 2 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') || !(s[1] >= 'A' && s[1] <= 'Z' || s[1] >= 'a' && s[1] <= 'z') {
		c.warn(path, "should be an ISO 3166-1 alpha-2 country code (got %q)", s)
	}
}
