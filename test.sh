#!/usr/bin/env bash
# Runs every Rampart test: vet, staticcheck, the unit and end-to-end tests
# (with the race detector), and a short run of each fuzz target.
#
# Tests that need PostgreSQL start their own throwaway server with the
# PostgreSQL 15 binaries (initdb, pg_ctl) found on the PATH; this script
# checks that they are there and fails when they are not.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")"

fail() { echo "test.sh: error: $*" >&2; exit 1; }

for bin in initdb pg_ctl postgres; do
	command -v "$bin" >/dev/null || fail "$bin not found on the PATH: install PostgreSQL 15 (Debian: apt-get install postgresql-15) and put its bin directory on the PATH"
done
export RAMPART_REQUIRE_POSTGRES=1

echo "== go vet"
go vet ./...
# The login flood load tests are built only with the tag "attack" (run by
# hand: docs/PERFORMANCE.md, "Login floods"); vetting them keeps them building.
go vet -tags attack ./cmd/rampart

echo "== staticcheck"
go tool staticcheck ./...

echo "== go test -race"
go test -race -count=1 -timeout 15m ./...

echo "== fuzz (brief)"
fuzztime=${FUZZTIME:-10s}
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "-- $pkg $target"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
echo "== all tests passed"
