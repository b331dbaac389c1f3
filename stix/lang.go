package stix

import "strings"

// ValidLanguageTag reports whether tag is a well-formed RFC 5646 language
// tag ("en", "de-CH", "zh-Hant-TW", "sr-Latn-RS", "x-klingon", …). It checks
// the syntax of §2.1 of the RFC, not that subtags are registered.
func ValidLanguageTag(tag string) bool {
	if tag == "" || len(tag) > 255 {
		return false
	}
	for i := range len(tag) {
		if tag[i] >= 0x80 {
			return false // tags are ASCII; Unicode case mapping would make "Ke" (Kelvin sign) "ke"
		}
	}
	lower := strings.ToLower(tag)
	if grandfathered[lower] {
		return true
	}
	parts := strings.Split(lower, "-")
	for _, p := range parts {
		if p == "" || len(p) > 8 || !alnum(p) {
			return false
		}
	}
	if parts[0] == "x" {
		return privateUse(parts)
	}
	i := 0
	// language: 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
	lang := parts[i]
	if !alpha(lang) || len(lang) < 2 {
		return false
	}
	i++
	if len(lang) <= 3 {
		// extlang: 3ALPHA *2("-" 3ALPHA)
		for n := 0; n < 3 && i < len(parts) && len(parts[i]) == 3 && alpha(parts[i]); n++ {
			i++
		}
	}
	// script: 4ALPHA
	if i < len(parts) && len(parts[i]) == 4 && alpha(parts[i]) {
		i++
	}
	// region: 2ALPHA / 3DIGIT
	if i < len(parts) && (len(parts[i]) == 2 && alpha(parts[i]) || len(parts[i]) == 3 && digits(parts[i])) {
		i++
	}
	// variant: 5*8alphanum / (DIGIT 3alphanum)
	for i < len(parts) && (len(parts[i]) >= 5 || len(parts[i]) == 4 && isDigit(parts[i][0])) {
		i++
	}
	// extension: singleton 1*("-" (2*8alphanum))
	for i < len(parts) && len(parts[i]) == 1 && parts[i] != "x" {
		i++
		n := 0
		for i < len(parts) && len(parts[i]) >= 2 {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	// privateuse: "x" 1*("-" (1*8alphanum))
	if i < len(parts) && parts[i] == "x" {
		return privateUse(parts[i:])
	}
	return i == len(parts)
}

func privateUse(parts []string) bool {
	return len(parts) >= 2 && parts[0] == "x"
}

// grandfathered holds the irregular and regular grandfathered tags of RFC
// 5646 §2.1, lower-cased.
var grandfathered = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true, "i-enochian": true,
	"i-hak": true, "i-klingon": true, "i-lux": true, "i-mingo": true, "i-navajo": true,
	"i-pwn": true, "i-tao": true, "i-tay": true, "i-tsu": true, "sgn-be-fr": true,
	"sgn-be-nl": true, "sgn-ch-de": true, "art-lojban": true, "cel-gaulish": true,
	"no-bok": true, "no-nyn": true, "zh-guoyu": true, "zh-hakka": true, "zh-min": true,
	"zh-min-nan": true, "zh-xiang": true,
}

func alpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || isDigit(s[i])) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
