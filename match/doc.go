// Package match matches many STIX indicators against streams of
// observations — sensor logs and observed-data — and turns the matches into
// STIX 2.1 sightings.
//
// Reach first for Matcher: load indicators with LoadIndicators (a bundle or
// JSON lines of STIX objects) or AddObjects, then run a Stream that reads
// records with a Reader (NewJSONLinesReader, NewZeekReader, NewCSVReader,
// NewSTIXReader), matches them through a Session and aggregates the hits in
// an Aggregator, which hands sightings to a Sink:
//
//	m := match.New()
//	err := match.LoadIndicators(m, feed)
//	st, err := (&match.Stream{
//		Matcher:    m,
//		Reader:     match.NewJSONLinesReader(log, nil),
//		Aggregator: &match.Aggregator{WhereSightedRef: ourIdentity, Sink: sink},
//	}).Run(ctx)
//
// How matching works: each indicator's pattern (package pattern) is
// compiled into anchors — exact values per object path, CIDR blocks (a
// bart prefix table per path), domain suffixes for LIKE '%.domain' — and a
// record only reaches the pattern evaluator for the indicators its values
// hit. Indicators the indexes cannot narrow (MATCHES, NOT, ranges) are
// evaluated against every record. The evaluator always decides, so the
// result equals evaluating every indicator. Indicators outside their
// valid_from/valid_until window (compared with the record's time), revoked
// ones and superseded versions do not match. Patterns that need several
// observations (AND, FOLLOWEDBY, REPEATS across observations) are evaluated
// over a bounded window of the recent records that met one of their parts.
//
// Records come from logs whose fields are STIX object paths
// ("domain-name:value", "network-traffic:dst_ref.value"), or are mapped to
// them by a Mapping; ready mappings for DNS, proxy and flow logs and for
// Zeek's conn, dns, http, ssl and files logs are built in (Mappings).
// Malformed lines are reported with their line numbers and skipped.
//
// Concurrency: a Matcher may be changed (Add, Remove, AddObjects) while
// Sessions match; matching reads immutable snapshots without locks (see
// Matcher). Readers, Sessions and Aggregators belong to one goroutine.
package match
