// Package stix is the STIX 2.1 object model: identifiers, timestamps,
// objects of every type, the rules the specification puts on each, bundles,
// deterministic SCO identifiers and data markings.
//
// # Reading and checking objects
//
// Reach first for ParseObject, which reads one object from its JSON and
// keeps that JSON (compacted, otherwise byte for byte) as the authoritative
// form: unknown and custom properties are never lost, and an object read and
// written again is the same object. ParseObject checks only what every layer
// needs to route and store an object (type, id, timestamps); Validate checks
// the MUST rules of its type and returns a *ValidationError listing every
// problem, each an *Error naming the object, the property path and the rule:
//
//	indicator "indicator--…": valid_until must be later than valid_from (got …)
//
// Warnings reports SHOULD-level findings (open vocabularies, deprecated
// constructs, non-deterministic SCO ids), which never make an object
// invalid. A Validator with a Pattern hook lets a caller that can parse STIX
// patterns have indicator patterns checked too.
//
// For typed access, Object.Typed and Object.Decode fill the structs of this
// package (Indicator, File, MarkingDefinition, …), whose Custom maps keep
// the members the structs do not name; NewObject and NewSCO go the other
// way, NewSCO computing the deterministic id of §2.9 (see SCOID).
//
// # Bundles
//
// BundleReader streams the objects of a bundle (or of a TAXII envelope) of
// any size in memory bounded by its largest object, and lets one bad object
// fail alone; BundleWriter writes a bundle one object at a time; ParseBundle
// and Bundle hold small bundles in memory.
//
// # Markings
//
// The nine predefined TLP marking definitions (TLP 2.0 and the TLP 1.0 of
// STIX 2.1) are available from TLPMarkingDefinitions; EffectiveTLP and
// StrictestTLP give the TLP level that applies to an object.
//
// # Relation to the OASIS JSON schemas
//
// Validate implements the specification's prose, which says more than the
// OASIS schemas can (timestamp ordering, reference targets, selectors) and
// in places differs from them (the schemas carry STIX 2.0 names and a few
// regular expression slips). The tests compare both on the OASIS examples
// and on thousands of mutated objects; schema_agree_test.go lists every
// deliberate difference with its reason.
//
// The package does no I/O of its own and imports nothing outside the
// standard library. Objects and the predefined tables are safe for
// concurrent use; readers and writers are not.
package stix
