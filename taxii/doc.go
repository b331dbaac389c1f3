// Package taxii serves and consumes TAXII 2.1 (OASIS Standard, 10 June 2021).
//
// Reach first for Server: set its services (objects, collections, accounts,
// statuses), call Open, and mount Handler on an http.Server. It implements
// every TAXII 2.1 endpoint — discovery, API roots, status, collections,
// manifest, objects (GET, POST), object (GET, DELETE) and versions — with the
// filters of §3.4, content negotiation, HTTP Basic and bearer authentication,
// per-collection permissions and error resources for every error. Paging
// cursors ("next") are stateless: each one carries its own position and is
// authenticated with a key shared through the store, so any replica serving
// the same store can answer the next page, and a forged or foreign cursor is
// refused.
//
// Pages are bounded twice: in objects (Server.MaxPageSize) and in bytes of
// stored JSON (Server.MaxPageBytes, DefaultMaxPageBytes); a page that
// reaches its byte cap ends early with "more" and "next", decided from
// the sizes the store tells without reading the objects. A page is
// streamed: what does not fit in Server.PageBufferBytes is read from the
// store as the client takes it, so a client that does not read holds
// little of the node's memory. A POST is stored through package ingest, as
// "rampart import" is; one that stops midway after storing part of its
// objects still records a status saying what was stored and what was not.
//
// Client speaks TAXII 2.1 to any server; federation uses it to pull and push.
package taxii
