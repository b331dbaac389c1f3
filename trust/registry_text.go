package trust

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the registry for people, in aligned columns: version,
// dates, whether a quorum of its authority signed it (Quorum), the
// authority, every organisation with its keys and their validity, and the
// revocations.
func (d *RegistryDocument) WriteText(w io.Writer) error {
	status := "signed by a quorum of its authority"
	if reg, err := d.Quorum(); err != nil {
		status = "NOT signed by a quorum: " + err.Error()
	} else {
		status += " (" + strings.Join(reg.Signers(), ", ") + ")"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "version\t%d\n", d.Version)
	fmt.Fprintf(tw, "issued\t%s\n", d.Issued.Format(time.RFC3339))
	if !d.Expires.IsZero() {
		fmt.Fprintf(tw, "expires\t%s\n", d.Expires.Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "status\t%s\n", status)
	fmt.Fprintf(tw, "authority\t%d of %d; fingerprint %s\n", d.Threshold, len(d.Authorities), d.AuthorityFingerprint())
	for _, a := range d.Authorities {
		fmt.Fprintf(tw, "  %s\t%s\n", a.Name, keyListText(a.Keys))
	}
	fmt.Fprintf(tw, "organisations\t%d\n", len(d.Organizations))
	for _, o := range d.Organizations {
		fmt.Fprintf(tw, "  %s\t%s %s %s %s\n", o.Name, o.ID, o.Country, o.Role, strings.Join(o.Nodes, " "))
		for _, k := range o.Keys {
			fmt.Fprintf(tw, "    %s\t%s %s %s\n", k.Algorithm(), k.ID(), k.Use(), periodText(k))
		}
	}
	if len(d.Revocations) > 0 {
		fmt.Fprintf(tw, "revocations\t%d\n", len(d.Revocations))
		for _, r := range d.Revocations {
			since := "all times"
			if !r.Since.IsZero() {
				since = "since " + r.Since.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "  %s\t%s, %s (recorded %s)\n", r.KeyID, r.Reason, since, r.Date.Format(time.RFC3339))
		}
	}
	return tw.Flush()
}

// keyListText lists keys as "ALG KID, ALG KID".
func keyListText(keys []*PublicKey) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

// periodText is a key's validity as a table shows it: "FROM .. UNTIL",
// "-" for no bound.
func periodText(k *PublicKey) string {
	from, to := "-", "-"
	if !k.NotBefore.IsZero() {
		from = k.NotBefore.Format(time.RFC3339)
	}
	if !k.NotAfter.IsZero() {
		to = k.NotAfter.Format(time.RFC3339)
	}
	return from + " .. " + to
}
