package rampart_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// TestPolicyDocumented reads the table "who reads what" of
// docs/FEDERATION.md and checks every cell against the Policy: each row
// stands for objects built here, each column for a reader (an account of
// the node's own organisation, of a constituent, of a partner) or a kind of
// peer (another member state, a hub, an observer), and each cell's words
// for an outcome of Decide and Distribute. A cell whose words the test does
// not know fails it, so the table cannot drift from the code unnoticed.
func TestPolicyDocumented(t *testing.T) {
	const (
		orgHub = "identity--66666666-6666-4666-8666-666666666666"
		orgObs = "identity--77777777-7777-4777-8777-777777777777"
	)
	members := []string{orgDE, orgIT}
	doc, err := os.ReadFile("docs/FEDERATION.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	in := false
	for line := range strings.Lines(string(doc)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "| object | the node's own accounts |") {
			in = true
			continue
		}
		if !in || strings.HasPrefix(line, "|---") {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 7 {
			t.Fatalf("row %q has %d cells, want 7", line, len(cells))
		}
		rows = append(rows, cells)
	}
	if len(rows) < 6 {
		t.Fatalf("found %d rows of the table in docs/FEDERATION.md", len(rows))
	}

	// A case is an object, and for addressed rows whether the reader of
	// the column is named.
	type example struct {
		o     *stix.Object
		named bool // the column's reader is among the recipients
	}
	envelope, err := stix.ParseObject([]byte(`{"type":"x-rampart-sealed","spec_version":"2.1","id":"x-rampart-sealed--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"` + orgIT + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	columns := []struct {
		name   string
		reader rampart.Reader
		peer   bool
	}{
		{"the node's own accounts", readers["own"], false},
		{"constituents", readers["constituent"], false},
		{"partners", readers["partner"], false},
		{"other member states", rampart.Reader{Organization: orgDE, Relation: rampart.RelationPeer}, true},
		{"hubs", rampart.Reader{Organization: orgHub, Relation: rampart.RelationPeer}, true},
		{"observers", rampart.Reader{Organization: orgObs, Relation: rampart.RelationPeer}, true},
	}
	// examples returns the objects a row stands for, as seen by reader r.
	examples := func(row string, r rampart.Reader) []example {
		switch {
		case strings.HasPrefix(row, "TLP:CLEAR, TLP:GREEN"):
			return []example{{o: obj(t, 1, orgNode, stix.TLPClear, "")}, {o: obj(t, 2, orgNode, stix.TLPGreen, "")}, {o: obj(t, 3, orgIT, stix.TLPGreen, "")}}
		case strings.HasPrefix(row, "TLP:AMBER, or no TLP marking, the node's own"):
			return []example{{o: obj(t, 4, orgNode, stix.TLPAmber, "")}, {o: obj(t, 5, orgNode, stix.TLPUnmarked, "")}}
		case strings.HasPrefix(row, "TLP:AMBER of another organisation"):
			return []example{{o: obj(t, 6, orgIT, stix.TLPAmber, "")}}
		case strings.HasPrefix(row, "TLP:AMBER+STRICT, TLP:RED, named to no one"):
			return []example{{o: obj(t, 7, orgNode, stix.TLPAmberStrict, "")}, {o: obj(t, 8, orgNode, stix.TLPRed, "")}}
		case strings.HasPrefix(row, "addressed to named organisations"):
			var out []example
			for _, tlp := range []stix.TLP{stix.TLPClear, stix.TLPAmber, stix.TLPRed} {
				other := orgIT
				if r.Organization == orgIT {
					other = orgDE
				}
				out = append(out,
					example{o: obj(t, 9, orgNode, tlp, addressedTo(r.Organization)), named: true},
					example{o: obj(t, 10, orgNode, tlp, addressedTo(other))})
			}
			return out
		case strings.HasPrefix(row, "a sealed envelope"):
			return []example{{o: envelope}}
		}
		t.Fatalf("docs/FEDERATION.md: a row the test does not know: %q", row)
		return nil
	}
	for _, row := range rows {
		for c, col := range columns {
			cell := row[c+1]
			for _, ex := range examples(row[0], col.reader) {
				o := ex.o
				dec := policy.Decide(o, col.reader)
				if col.peer {
					// A peer reads in clear only what travels in clear.
					dec.Allow = dec.Allow && policy.InClear(o)
				}
				dist := policy.Distribute(o, members)
				sealedTo := slices.Contains(dist.Recipients, col.reader.Organization)
				what := row[0] + " / " + col.name + " = " + cell
				check := func(ok bool, why string) {
					t.Helper()
					if !ok {
						t.Errorf("%s: %s (object %s; Decide %+v; Distribute %+v)", what, why, o.Raw, dec, dist)
					}
				}
				mine := o.CreatedByRef == col.reader.Organization
				switch {
				case cell == "read" || cell == "read (ciphertext)":
					check(dec.Allow, "not read")
				case cell == "—" || cell == "— (never relayed)":
					check(mine || !dec.Allow, "read")
					if col.peer {
						check(!dist.Clear && !sealedTo, "sent")
					}
				case cell == "in clear":
					check(dec.Allow && dist.Clear, "not in clear")
				case strings.HasPrefix(cell, "sealed to each"):
					check(!dec.Allow && !dist.Clear && sealedTo, "not sealed to it")
				case cell == "relay the envelope" || cell == "relay":
					// Hubs are no recipients: they relay envelopes they
					// cannot open, and read nothing beyond GREEN in clear.
					check(!dec.Allow && !dist.Clear && !sealedTo, "a hub reads or is sealed to")
				case cell == "if named, or its creator" || cell == "if named":
					check(dec.Allow == (ex.named || mine), "named and not read, or read unnamed")
				case cell == "sealed, if named" || cell == "sealed if named, else relay the envelope":
					check(!dec.Allow && !dist.Clear && sealedTo == ex.named, "sealed to whom it does not name, or not to whom it names")
				case cell == "if a recipient":
					// Envelopes are routed by their recipients in
					// federation (TestAccessMatrix); the Policy decides
					// nothing in clear for them.
					check(!dec.Allow && !dist.Clear && len(dist.Recipients) == 0, "an envelope decided by the Policy")
				default:
					t.Fatalf("docs/FEDERATION.md: a cell the test does not know: %q (%s)", cell, what)
				}
			}
		}
	}
}
