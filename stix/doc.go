// Package stix is the STIX 2.1 object model: identifiers, timestamps, objects,
// bundles and the rules the specification puts on each object type.
//
// Reach first for ParseObject, which reads one object from its JSON and keeps
// that JSON as the authoritative form (unknown and custom properties are never
// lost), and for BundleReader, which streams the objects of a bundle of any
// size. Validate checks an object against the MUST rules of its type; the
// typed structs (Indicator, Malware, …) give typed access where a caller needs
// it.
//
// The package does no I/O of its own and imports nothing outside the standard
// library.
package stix
