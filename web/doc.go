// Package web is the node's JSON API for analysts and their tools, under
// /api/v1/: coordinated incidents with their NIS2 deadlines, early-warning
// alerts, rules and watchlists, joint statements with the count of their
// endorsements, and attribution queries over the node's store.
//
// Reach first for Server: set its services (the node's accounts, objects
// and collections, a coord.Service, and optionally the early-warning
// engine and a trust verifier), call Open, and serve Handler next to the
// TAXII server. Requests authenticate with the same accounts as TAXII
// (HTTP Basic or a bearer token, internal/httpauth); access follows the
// account's grants on the coordination collection, and attribution queries
// are answered from exactly the collections the account may read.
//
// The API speaks JSON only; STIX stays the format of TAXII. Errors are
// {"error": {"code": "…", "message": "…"}} with the rampart.Error code.
// docs/COORDINATION.md lists every endpoint with an example.
package web
