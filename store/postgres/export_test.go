package postgres

import "github.com/jackc/pgx/v5"

// SetTracer makes db report every query to tr; call it before Open.
func SetTracer(db *DB, tr pgx.QueryTracer) { db.tracer = tr }
