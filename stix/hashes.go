package stix

import (
	"regexp"
	"strings"
)

// hashFormats holds the value format of each algorithm of the
// hash-algorithm-ov vocabulary (§10.7).
var hashFormats = map[string]*regexp.Regexp{
	"MD5":      regexp.MustCompile(`^[a-fA-F0-9]{32}$`),
	"SHA-1":    regexp.MustCompile(`^[a-fA-F0-9]{40}$`),
	"SHA-256":  regexp.MustCompile(`^[a-fA-F0-9]{64}$`),
	"SHA-512":  regexp.MustCompile(`^[a-fA-F0-9]{128}$`),
	"SHA3-256": regexp.MustCompile(`^[a-fA-F0-9]{64}$`),
	"SHA3-512": regexp.MustCompile(`^[a-fA-F0-9]{128}$`),
	// ssdeep: blocksize:hash:hash, base64 alphabet.
	"SSDEEP": regexp.MustCompile(`^[0-9]+:[a-zA-Z0-9/+]*:[a-zA-Z0-9/+]*(,".*")?$`),
	// TLSH: 35 bytes in hex (§10.7); digests of TLSH 4 and later carry a
	// "T1" version prefix, which is accepted too.
	"TLSH": regexp.MustCompile(`^(T1)?[a-fA-F0-9]{70}$`),
}

// hashWhat says what each algorithm's digest looks like, for messages.
var hashWhat = map[string]string{
	"MD5":      "32 hexadecimal digits",
	"SHA-1":    "40 hexadecimal digits",
	"SHA-256":  "64 hexadecimal digits",
	"SHA-512":  "128 hexadecimal digits",
	"SHA3-256": "64 hexadecimal digits",
	"SHA3-512": "128 hexadecimal digits",
	"SSDEEP":   "an ssdeep piecewise hash (blocksize:hash:hash)",
	"TLSH":     "70 hexadecimal digits, optionally after \"T1\"",
}

// HashAlgorithm returns the hash-algorithm-ov name for name when name is a
// common spelling of one ("sha256", "SHA256", "sha-256" → "SHA-256"), and
// reports whether it recognised it.
func HashAlgorithm(name string) (string, bool) {
	if _, ok := hashFormats[name]; ok {
		return name, true
	}
	squash := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '_':
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, name)
	for k := range hashFormats {
		if strings.ReplaceAll(k, "-", "") == squash {
			return k, true
		}
	}
	return name, false
}

// hashesValue checks a hashes dictionary (§2.7): at least one entry, keys
// of 3 to 250 letters, digits, '-' and '_', string values, and the format
// of every algorithm of the vocabulary. Other algorithm names are allowed
// (the vocabulary is open) but warned about.
func (c *checker) hashesValue(n *node, path string) {
	if !c.wantKind(n, path, '{', "a hashes dictionary") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must not be an empty dictionary")
		return
	}
	for _, m := range n.members {
		p := join(path, m.name)
		if !validDictKey(m.name) || len(m.name) < 3 {
			c.fail(p, "is not a valid hash algorithm name: 3 to 250 characters of a-z, A-Z, 0-9, '-' and '_'")
			continue
		}
		if !c.wantKind(m.val, p, '"', "a string") {
			continue
		}
		if re := hashFormats[m.name]; re != nil {
			if !re.MatchString(m.val.str) {
				c.fail(p, "must be %s (got %q)", hashWhat[m.name], truncate(m.val.str))
			}
			continue
		}
		if canon, ok := HashAlgorithm(m.name); ok {
			c.warn(p, "hash algorithm names should be spelled as in hash-algorithm-ov: %q, not %q", canon, m.name)
		} else {
			c.warn(p, "%q is not in the hash-algorithm-ov vocabulary", m.name)
		}
	}
}
