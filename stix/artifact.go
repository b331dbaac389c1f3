package stix

import (
	"encoding/json/jsontext"
	"regexp"
)

// Artifact is an array of bytes, inline (PayloadBin, base64) or behind a
// URL (§6.1).
type Artifact struct {
	ObservableProperties
	MimeType            string                    `json:"mime_type,omitempty"`
	PayloadBin          string                    `json:"payload_bin,omitempty"`
	URL                 string                    `json:"url,omitempty"`
	Hashes              Hashes                    `json:"hashes,omitempty"`
	EncryptionAlgorithm string                    `json:"encryption_algorithm,omitempty"`
	DecryptionKey       string                    `json:"decryption_key,omitempty"`
	Extensions          Extensions                `json:"extensions,omitempty"`
	Custom              map[string]jsontext.Value `json:",embed"`
}

var artifactSpec = scoSpec(map[string]*prop{
	"mime_type":            str().with(checkMimeType),
	"payload_bin":          binary(),
	"url":                  str().with(checkURL),
	"hashes":               hashes(),
	"encryption_algorithm": enum(encryptionAlgorithmEnum...),
	"decryption_key":       str(),
}, nil, nil, func(c *checker, n *node, path string) {
	payload, url := n.has("payload_bin"), n.has("url")
	switch {
	case payload && url:
		c.fail(join(path, "url"), "must not be present together with payload_bin")
	case !payload && !url:
		c.fail(path, "an artifact must have one of payload_bin or url")
	}
	if url && !n.has("hashes") {
		c.fail(join(path, "hashes"), "is required when url is present")
	}
	if n.has("decryption_key") && !n.has("encryption_algorithm") {
		c.fail(join(path, "decryption_key"), "must not be present without encryption_algorithm")
	}
})

var mimeTypeRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*`)

// checkMimeType warns about a value that is not an IANA media type
// (a SHOULD of §6.1 and §6.7).
func checkMimeType(c *checker, n *node, path string) {
	if n.kind == '"' && !mimeTypeRE.MatchString(n.str) {
		c.warn(path, "should be an IANA media type of the form type/subtype (got %q)", n.str)
	}
}
