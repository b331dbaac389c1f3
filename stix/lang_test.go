package stix

import "testing"

func TestValidLanguageTag(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want bool
	}{
		{"en", true}, {"de", true}, {"EN-gb", true}, {"de-CH", true}, {"zh-Hant-TW", true},
		{"sr-Latn-RS", true}, {"es-419", true}, {"zh-yue-HK", true}, {"sl-rozaj-biske", true},
		{"de-CH-1901", true}, {"en-US-u-islamcal", true}, {"en-a-bbb-x-a-ccc", true},
		{"x-klingon", true}, {"i-klingon", true}, {"art-lojban", true}, {"haw", true},
		{"qaa-Qaaa-QM-x-southern", true}, {"english", true},
		{"", false}, {"e", false}, {"en_US", false}, {"en-", false}, {"-en", false},
		{"en--US", false}, {"en-a", false}, {"x", false}, {"123", false},
		{"en-US-toolongsubtag", false}, {"a-DE", false}, {"en US", false},
		{"de-419-DE", false}, {"\u212Ae", false}, {"Aı", false}, {"en-\u212A\u212A", false},
	} {
		if got := ValidLanguageTag(tc.tag); got != tc.want {
			t.Errorf("ValidLanguageTag(%q) = %v, want %v", tc.tag, got, tc.want)
		}
	}
}

func TestHashAlgorithm(t *testing.T) {
	for in, want := range map[string]string{
		"SHA-256": "SHA-256", "sha256": "SHA-256", "SHA256": "SHA-256", "sha_256": "SHA-256",
		"md5": "MD5", "sha3-512": "SHA3-512", "ssdeep": "SSDEEP", "tlsh": "TLSH", "sha1": "SHA-1",
	} {
		if got, ok := HashAlgorithm(in); !ok || got != want {
			t.Errorf("HashAlgorithm(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := HashAlgorithm("whirlpool"); ok || got != "whirlpool" {
		t.Errorf("HashAlgorithm(whirlpool) = %q, %v", got, ok)
	}
}
