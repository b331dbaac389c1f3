package warninglist

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Listing is a list as a list of lists shows it, without its entries.
type Listing struct {
	Name               string   `json:"name"`
	Title              string   `json:"title"`
	Type               string   `json:"type"`
	Version            int64    `json:"version"`
	Entries            int      `json:"entries"`
	MatchingAttributes []string `json:"matching_attributes"`
}

// Lists are warninglists as "warninglist list" shows them.
type Lists []*List

// Listings returns the listing of each list, in order; an empty slice,
// not nil, for none.
func (lists Lists) Listings() []Listing {
	out := []Listing{}
	for _, l := range lists {
		out = append(out, Listing{l.ID, l.Name, l.Type, l.Version, len(l.Entries), l.MatchingAttributes})
	}
	return out
}

// WriteText writes the lists as a table, one row each: name, type,
// entries, the kinds of value it applies to ("everything" for all) and
// title. It writes a line saying how to add some when there are none.
func (lists Lists) WriteText(w io.Writer) error {
	if len(lists) == 0 {
		_, err := fmt.Fprintln(w, `no warninglists (add some with "rampart warninglist add DIR")`)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tENTRIES\tAPPLIES TO\tTITLE")
	for _, l := range lists {
		var kinds []string
		for _, k := range l.Kinds() {
			kinds = append(kinds, string(k))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.ID, l.Type, len(l.Entries), cmp.Or(strings.Join(kinds, ","), "everything"), l.Name)
	}
	return tw.Flush()
}
