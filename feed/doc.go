// Package feed turns the threat-intelligence feeds CSIRTs already pull
// (abuse.ch, Spamhaus, PhishTank, DShield, CERT-EU, Microsoft CTIP, OTX, a
// TAXII 2.1 collection, a MISP feed) into STIX 2.1 indicators, run after
// run, without duplicates and without losing what was stored when a feed
// fails.
//
// Reach for these, in order:
//
//   - Feed: one definition (URL, Format, how its records are read, the
//     producer, confidence, marking and expiry of its indicators). Start from
//     a preset (Preset, Presets) and Check it.
//   - Parse: the records of a fetched body, each value turned into an Entry
//     or a LineError with its line number and reason; a bad line fails alone.
//   - Fetcher: an HTTP GET bounded by named limits (MaxBodyBytes,
//     MaxRedirects, Timeout, MaxDecompressedBytes) with conditional requests.
//   - Runner: one run of one feed into a Store, recorded as a Run (fetched,
//     new, updated, unchanged, expired, failed with reasons).
//   - Settings: definitions, run records and per-feed state kept in a node's
//     settings, so that every process sees them and a change needs no
//     restart.
//
// The package holds no node: node fills Store, TAXII and MISP with the
// real store, TAXII client and MISP reader.
package feed
