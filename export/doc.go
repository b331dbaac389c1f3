// Package export turns STIX indicators into what security tools load:
// Suricata rules, a DNS response policy zone (RPZ), plain blocklists, CSV,
// and STIX bundles of the indicators chosen.
//
// Reach first for Collect, which reads the indicators of collections
// through a release function (what the reader may read), applies a Filter
// and returns a Set; then hand the Set to a writer: WriteSuricata (with
// SuricataLists for the file-hash lists its rules name), WriteRPZ,
// WriteBlocklist, WriteCSV or WriteSTIX. Write picks the writer by format
// name.
//
// Values come from the indicators' STIX patterns (ReadIndicator): IPv4
// and IPv6 addresses and CIDR prefixes, domain names, URLs, MD5, SHA-1 and
// SHA-256 file hashes, e-mail addresses. Only comparisons that name a
// value (=, IN, ISSUBSET, and LIKE without a wildcard) become entries; a
// pattern whose meaning a blocklist cannot carry (LIKE with wildcards,
// MATCHES, negations, AND across observations, FOLLOWEDBY, REPEATS, a
// condition beside the value such as a port) is left out of the
// blocklist formats and counted in Set.Skipped with its reason. Values
// that are not well formed (a domain with a space, a hash of the wrong
// length) are skipped too, so that no indicator can inject text into a
// rule or a zone.
package export
