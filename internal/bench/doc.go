// Package bench measures a Rampart node on this machine: TAXII ingest and
// page reads (TAXII), a streamed import (Import), the memory of a served
// node under slow readers of large pages (Pages), and attacks on a real
// "rampart serve" child process by slow, idle or many concurrent clients
// (Attack), and the Union simulated: national nodes and hubs as
// "rampart serve" processes set up with the documented commands (Union),
// and what sharing, sightings, early warning, idle rounds and memory cost
// across them (Federation).
//
// Each benchmark is a struct of parameters with a Run method that writes
// its results to Stdout, one line per measure, and its progress and the
// node's log to Stderr; docs/PERFORMANCE.md quotes those lines with the
// commands that produced them. Validate reports parameters out of range
// with a message that names the flag ("--pages must be at least 1").
//
// bench is a tool package: the rampart command imports it, and no engine
// of the node may.
package bench
