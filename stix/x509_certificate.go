package stix

import "encoding/json/jsontext"

// X509Certificate is an X.509 certificate (§6.18).
type X509Certificate struct {
	ObservableProperties
	IsSelfSigned              *bool                     `json:"is_self_signed,omitzero"`
	Hashes                    Hashes                    `json:"hashes,omitempty"`
	Version                   string                    `json:"version,omitempty"`
	SerialNumber              string                    `json:"serial_number,omitempty"`
	SignatureAlgorithm        string                    `json:"signature_algorithm,omitempty"`
	Issuer                    string                    `json:"issuer,omitempty"`
	ValidityNotBefore         Timestamp                 `json:"validity_not_before,omitzero"`
	ValidityNotAfter          Timestamp                 `json:"validity_not_after,omitzero"`
	Subject                   string                    `json:"subject,omitempty"`
	SubjectPublicKeyAlgorithm string                    `json:"subject_public_key_algorithm,omitempty"`
	SubjectPublicKeyModulus   string                    `json:"subject_public_key_modulus,omitempty"`
	SubjectPublicKeyExponent  *int64                    `json:"subject_public_key_exponent,omitempty"`
	X509V3Extensions          *X509V3Extensions         `json:"x509_v3_extensions,omitempty"`
	Extensions                Extensions                `json:"extensions,omitempty"`
	Custom                    map[string]jsontext.Value `json:",embed"`
}

// X509V3Extensions are the standard X.509 v3 extensions of a certificate
// (§6.18.2).
type X509V3Extensions struct {
	BasicConstraints               string                    `json:"basic_constraints,omitempty"`
	NameConstraints                string                    `json:"name_constraints,omitempty"`
	PolicyConstraints              string                    `json:"policy_constraints,omitempty"`
	KeyUsage                       string                    `json:"key_usage,omitempty"`
	ExtendedKeyUsage               string                    `json:"extended_key_usage,omitempty"`
	SubjectKeyIdentifier           string                    `json:"subject_key_identifier,omitempty"`
	AuthorityKeyIdentifier         string                    `json:"authority_key_identifier,omitempty"`
	SubjectAlternativeName         string                    `json:"subject_alternative_name,omitempty"`
	IssuerAlternativeName          string                    `json:"issuer_alternative_name,omitempty"`
	SubjectDirectoryAttributes     string                    `json:"subject_directory_attributes,omitempty"`
	CRLDistributionPoints          string                    `json:"crl_distribution_points,omitempty"`
	InhibitAnyPolicy               string                    `json:"inhibit_any_policy,omitempty"`
	PrivateKeyUsagePeriodNotBefore Timestamp                 `json:"private_key_usage_period_not_before,omitzero"`
	PrivateKeyUsagePeriodNotAfter  Timestamp                 `json:"private_key_usage_period_not_after,omitzero"`
	CertificatePolicies            string                    `json:"certificate_policies,omitempty"`
	PolicyMappings                 string                    `json:"policy_mappings,omitempty"`
	Custom                         map[string]jsontext.Value `json:",embed"`
}

var x509V3ExtensionsProps = map[string]*prop{
	"basic_constraints":                   str(),
	"name_constraints":                    str(),
	"policy_constraints":                  str(),
	"key_usage":                           str(),
	"extended_key_usage":                  str(),
	"subject_key_identifier":              str(),
	"authority_key_identifier":            str(),
	"subject_alternative_name":            str(),
	"issuer_alternative_name":             str(),
	"subject_directory_attributes":        str(),
	"crl_distribution_points":             str(),
	"inhibit_any_policy":                  str(),
	"private_key_usage_period_not_before": timestamp(),
	"private_key_usage_period_not_after":  timestamp(),
	"certificate_policies":                str(),
	"policy_mappings":                     str(),
}

var x509CertificateProps = map[string]*prop{
	"is_self_signed":               boolean(),
	"hashes":                       hashes(),
	"version":                      str(),
	"serial_number":                str(),
	"signature_algorithm":          str(),
	"issuer":                       str(),
	"validity_not_before":          timestamp(),
	"validity_not_after":           timestamp(),
	"subject":                      str(),
	"subject_public_key_algorithm": str(),
	"subject_public_key_modulus":   str(),
	"subject_public_key_exponent":  integer(),
	"x509_v3_extensions": object(extSpec(x509V3ExtensionsProps, nil,
		atLeastOneOf("x509_v3_extensions", sortedKeys(x509V3ExtensionsProps)...))),
}

var x509CertificateSpec = scoSpec(x509CertificateProps, nil, nil,
	atLeastOneOf("an x509-certificate", sortedKeys(x509CertificateProps)...))
