package warning

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the watchlist for a person, one entry a line, as
// "rampart alert watchlist show" prints it. It returns the error of w.
func (wl *Watchlist) WriteText(w io.Writer) error {
	var b strings.Builder
	owner := wl.Owner
	if owner == "" {
		owner = "-"
	}
	fmt.Fprintf(&b, "watchlist %s (%s, owner %s)\n", wl.Name, wl.MemberState, owner)
	for _, p := range wl.Networks {
		fmt.Fprintf(&b, "  network %s\n", p)
	}
	for _, a := range wl.ASNs {
		fmt.Fprintf(&b, "  asn %d\n", a)
	}
	for _, d := range wl.Domains {
		fmt.Fprintf(&b, "  domain %s\n", d)
	}
	for _, br := range wl.Brands {
		fmt.Fprintf(&b, "  brand %s\n", br)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
