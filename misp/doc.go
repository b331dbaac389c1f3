// Package misp reads and writes MISP, the threat-sharing platform most
// CSIRTs run: its event JSON and its feeds, mapped to and from STIX 2.1
// following misp-stix's conventions (docs/MISP.md has the table).
//
// Reading: Parse (or Read) accepts every form MISP writes, one
// {"Event": …}, a bare event, a list, the REST {"response": …} answers and
// attribute or object collections, and returns Events; a malformed event,
// attribute or object is left out and listed as a *Failure with its
// position. A Converter, made by NewConverter with a Resolver that finds
// the galaxies' intrusion sets, attack patterns and malware a node
// already holds, turns each Event into STIX objects:
//
//	c := misp.NewConverter(resolver)
//	sum, err := c.Convert(ctx, ev, "event.json", 0, emit)
//
// Feeds: ReadFeed (or Converter.ReadFeed) reads a MISP feed's
// manifest.json and the events changed since a time through a Fetch the
// caller gives, DirFetch for a directory, an HTTP one with the caller's
// own limits for a URL:
//
//	sum, err := misp.NewConverter(r).ReadFeed(ctx, fetch, since, emit)
//
// Writing: an Exporter gathers STIX objects and maps them back to Events
// (each report or grouping one event); WriteEvents writes them as MISP's
// {"response": [...]}, WriteFeed as a feed directory (manifest.json,
// hashes.csv, <uuid>.json), FeedManifest, FeedHashes and EncodeEvent give
// the parts one at a time for a server.
//
// Ids are derived from MISP uuids (indicator--<attribute uuid>,
// report--<event uuid>), so converting a changed event again gives new
// versions of the same objects. What the reverse mapping needs is kept in
// x_misp_* properties, so MISP → STIX → MISP keeps values, types, to_ids,
// tags, galaxies and sightings.
//
// Nothing here is safe for concurrent use but the functions without a
// receiver.
package misp
