package sqlite

// SetTrace makes db report the text of every statement it runs; call it
// before Open.
func SetTrace(db *DB, f func(sql string)) { db.trace = f }
