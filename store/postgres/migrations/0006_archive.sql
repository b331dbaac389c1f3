-- The values sensors reported, kept for retro-hunts: one row per object
-- path, value, sensor and hour. addr holds an IP address as 16 bytes
-- (IPv4 mapped into IPv6) for prefix queries; rdomain a domain with its
-- labels reversed and a final dot ("example.evil.") for subdomain queries.
-- Kept in step with SQLite's 0006; times are microseconds since the Unix
-- epoch.
CREATE TABLE archived_values (
	path       TEXT NOT NULL,
	value      TEXT NOT NULL,
	sensor     TEXT NOT NULL,
	hour       BIGINT NOT NULL,
	addr       BYTEA,
	rdomain    TEXT COLLATE "C",
	first_seen BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL,
	count      BIGINT NOT NULL,
	PRIMARY KEY (path, value, sensor, hour)
);

CREATE INDEX archived_values_addr ON archived_values (path, addr) WHERE addr IS NOT NULL;
CREATE INDEX archived_values_rdomain ON archived_values (path, rdomain) WHERE rdomain IS NOT NULL;
CREATE INDEX archived_values_last_seen ON archived_values (last_seen);
