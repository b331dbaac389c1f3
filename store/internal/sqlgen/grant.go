package sqlgen

import "github.com/rampart-cti/rampart"

// Grants returns the statement that reads the grants of the account pk,
// or of every account when pk is nil; ReadGrants reads its rows.
func Grants(d *Dialect, pk *int64) (string, []any) {
	b := NewBuilder(d)
	b.WriteString("SELECT g.account, g.collection_id, g.can_read, g.can_write FROM grants g")
	if pk != nil {
		b.WriteString(" WHERE g.account = ")
		b.Arg(*pk)
	}
	b.WriteString(" ORDER BY g.account, g.collection_id")
	return b.String(), b.args
}

// ReadGrants reads the rows of a Grants statement: the grants by account
// pk, each account's ordered by collection id.
func ReadGrants(rows Rows) (map[int64][]rampart.Grant, error) {
	out := make(map[int64][]rampart.Grant)
	var (
		pk int64
		g  rampart.Grant
	)
	dest := []any{&pk, &g.CollectionID, &g.Read, &g.Write}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[pk] = append(out[pk], g)
	}
	return out, rows.Err()
}
