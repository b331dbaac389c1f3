// Package rampart holds the domain of a Rampart node: the nouns (objects in
// collections, accounts, statuses) and the services that store them. Adapters
// implement the services (store/sqlite, store/postgres) or serve them
// (taxii, web); cmd/rampart wires one to the other.
//
// Errors that leave the process carry an *Error with one of the E… codes; use
// ErrorCode and ErrorMessage to read them from any error.
package rampart
