package pattern

import "strings"

// scoProperties lists the cyber-observable object types STIX 2.1 defines
// (§6) and their properties. Check warns about types and first properties
// outside this table: the specification allows custom objects and
// properties, so neither makes a pattern invalid.
var scoProperties = map[string][]string{
	"artifact":             {"mime_type", "payload_bin", "url", "hashes", "encryption_algorithm", "decryption_key"},
	"autonomous-system":    {"number", "name", "rir"},
	"directory":            {"path", "path_enc", "ctime", "mtime", "atime", "contains_refs"},
	"domain-name":          {"value", "resolves_to_refs"},
	"email-addr":           {"value", "display_name", "belongs_to_ref"},
	"email-message":        {"is_multipart", "date", "content_type", "from_ref", "sender_ref", "to_refs", "cc_refs", "bcc_refs", "message_id", "subject", "received_lines", "additional_header_fields", "body", "body_multipart", "raw_email_ref"},
	"file":                 {"hashes", "size", "name", "name_enc", "magic_number_hex", "mime_type", "ctime", "mtime", "atime", "parent_directory_ref", "contains_refs", "content_ref"},
	"ipv4-addr":            {"value", "resolves_to_refs", "belongs_to_refs"},
	"ipv6-addr":            {"value", "resolves_to_refs", "belongs_to_refs"},
	"mac-addr":             {"value"},
	"mutex":                {"name"},
	"network-traffic":      {"start", "end", "is_active", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "src_byte_count", "dst_byte_count", "src_packets", "dst_packets", "ipfix", "src_payload_ref", "dst_payload_ref", "encapsulates_refs", "encapsulated_by_ref"},
	"process":              {"is_hidden", "pid", "created_time", "cwd", "command_line", "environment_variables", "opened_connection_refs", "creator_user_ref", "image_ref", "parent_ref", "child_refs"},
	"software":             {"name", "cpe", "swid", "languages", "vendor", "version"},
	"url":                  {"value"},
	"user-account":         {"user_id", "credential", "account_login", "account_type", "display_name", "is_service_account", "is_privileged", "can_escalate_privs", "is_disabled", "account_created", "account_expires", "credential_last_changed", "account_first_login", "account_last_login"},
	"windows-registry-key": {"key", "values", "modified_time", "creator_user_ref", "number_of_subkeys"},
	"x509-certificate":     {"is_self_signed", "hashes", "version", "serial_number", "signature_algorithm", "issuer", "validity_not_before", "validity_not_after", "subject", "subject_public_key_algorithm", "subject_public_key_modulus", "subject_public_key_exponent", "x509_v3_extensions"},
}

// commonSCOProperties are the properties every SCO may have.
var commonSCOProperties = []string{"type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged", "extensions"}

var knownProperty = func() map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(scoProperties))
	for typ, props := range scoProperties {
		s := make(map[string]bool, len(props)+len(commonSCOProperties))
		for _, p := range props {
			s[p] = true
		}
		for _, p := range commonSCOProperties {
			s[p] = true
		}
		m[typ] = s
	}
	return m
}()

// hashFormats are the value shapes of the hash algorithms of the STIX 2.1
// hash-algorithm-ov vocabulary and the other names the OASIS validator
// checks, keyed by name upper-cased without '-'. A comparison of a
// hashes.NAME path with a malformed value can never match and is rejected.
var hashFormats = map[string]struct {
	name    string
	lengths []int // hex digits; nil for SSDEEP
}{
	"MD5":       {"MD5", []int{32}},
	"MD6":       {"MD6", []int{32, 40, 56, 64, 96, 128}},
	"RIPEMD160": {"RIPEMD-160", []int{40}},
	"SHA1":      {"SHA-1", []int{40}},
	"SHA224":    {"SHA-224", []int{56}},
	"SHA256":    {"SHA-256", []int{64}},
	"SHA384":    {"SHA-384", []int{96}},
	"SHA512":    {"SHA-512", []int{128}},
	"SHA3224":   {"SHA3-224", []int{56}},
	"SHA3256":   {"SHA3-256", []int{64}},
	"SHA3384":   {"SHA3-384", []int{96}},
	"SHA3512":   {"SHA3-512", []int{128}},
	"SSDEEP":    {"SSDEEP", nil},
	"WHIRLPOOL": {"WHIRLPOOL", []int{128}},
}

// CanonicalHash returns the hash-algorithm-ov spelling of a hash algorithm
// name, whatever its case and dashes ("sha256" and "SHA256" are
// "SHA-256"), and false for a name the vocabulary does not hold.
func CanonicalHash(name string) (string, bool) {
	f, ok := hashFormats[strings.ToUpper(strings.ReplaceAll(name, "-", ""))]
	return f.name, ok
}

// hashStep reports whether step i of steps names a hash algorithm in a
// hashes dictionary: hashes.'SHA-256'.
func hashStep(steps []PathStep, i int) bool {
	return i > 0 && steps[i].Kind == StepKey && steps[i-1].Kind == StepKey && steps[i-1].Key == "hashes"
}

// canonicalHashes spells the hash algorithms of a path as the vocabulary
// does, so that file:hashes.SHA256 and file:hashes.'SHA-256' are one path
// to the checker, the evaluator and the indexes built on paths.
func canonicalHashes(op *ObjectPath) {
	for i := range op.Steps {
		if hashStep(op.Steps, i) {
			if name, ok := CanonicalHash(op.Steps[i].Key); ok {
				op.Steps[i].Key = name
			}
		}
	}
}

// IsHashPath reports whether a path ends in a hash algorithm of a hashes
// dictionary, whose values compare whatever their case.
func (p *ObjectPath) IsHashPath() bool {
	return hashStep(p.Steps, len(p.Steps)-1)
}
