// Package warninglist reads MISP warninglists (lists of values known to be
// benign or prone to false positives: public DNS resolvers, private
// networks, the hashes of empty files, the domains of popular sites) and
// compiles many of them into one Checker that tells which lists hold a
// value.
//
// Reach for ReadFile or ReadDir to read lists, Compile to build a Checker,
// then Checker.Check for one value of a known Kind, Checker.Pattern for the
// values an indicator's pattern names, or Checker.Observed for the values
// observations showed when they met a pattern. KindOf tells the Kind of a
// STIX object path, so that a list only applies to the values its
// matching_attributes name (a list of IP addresses never flags a domain).
//
// The list format is MISP's (https://github.com/MISP/misp-warninglists):
// {name, version, description, type, matching_attributes, list}, where
// type is one of string (exact values), substring, hostname (a domain and
// its subdomains), cidr (IPv4 and IPv6 networks) and regex (PCRE-style
// /expression/flags, run with Go's regexp).
package warninglist
