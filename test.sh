#!/usr/bin/env bash
# Runs every Rampart test: vet, staticcheck, the unit and end-to-end tests
# (with the race detector), and a short run of each fuzz target.
#
# Tests that need PostgreSQL start their own throwaway server with the
# PostgreSQL 15 binaries (initdb, pg_ctl) found on the PATH; this script
# checks that they are there and fails when they are not. The console's
# browser tests need Chromium, and the export tests suricata-update and
# bind9-utils, which it installs when run as root.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")"

fail() { echo "test.sh: error: $*" >&2; exit 1; }

for bin in initdb pg_ctl postgres; do
	command -v "$bin" >/dev/null || fail "$bin not found on the PATH: install PostgreSQL 15 (Debian: apt-get install postgresql-15) and put its bin directory on the PATH"
done
export RAMPART_REQUIRE_POSTGRES=1

# The console's browser tests drive Debian's Chromium. As root with apt-get
# (CI, a fresh machine) it is installed when absent; otherwise the tests
# fail and say which package to install.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && [ -z "${RAMPART_CHROMIUM:-}" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "== installing chromium (apt-get) for the console's browser tests"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } ||
			fail "could not install chromium with apt-get: the console's browser tests need it"
	else
		fail "chromium not found: the console's browser tests need Debian's package chromium (apt-get install chromium), or RAMPART_CHROMIUM set to a Chromium binary"
	fi
fi

# The export tests run the parsers of the tools that load Rampart's exports:
# suricata-update's rule parser (Debian's suricata-update) and named-checkzone
# (Debian's bind9-utils). As root with apt-get they are installed when
# absent; otherwise the tests would fail, so this script stops here and
# names the packages.
missing=()
/usr/bin/python3 -c 'import suricata.update.rule' 2>/dev/null || python3 -c 'import suricata.update.rule' 2>/dev/null || missing+=(suricata-update)
command -v named-checkzone >/dev/null || [ -x /usr/bin/named-checkzone ] || missing+=(bind9-utils)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "== installing ${missing[*]} (apt-get) for the export tests"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
			fail "could not install ${missing[*]} with apt-get: the export tests need them"
	else
		fail "${missing[*]} not installed: the export tests run suricata-update's rule parser and named-checkzone; install Debian's packages (apt-get install suricata-update bind9-utils)"
	fi
fi

echo "== go vet"
go vet ./...
# The login flood load tests are built only with the tag "attack" (run by
# hand: docs/PERFORMANCE.md, "Login floods"); vetting them keeps them building.
go vet -tags attack ./cmd/rampart

echo "== staticcheck"
go tool staticcheck ./...

echo "== go test -race"
go test -race -count=1 -timeout 25m ./...

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
