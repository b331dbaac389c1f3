package evidence

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// maxKeySetBytes bounds a public key file.
const maxKeySetBytes = 64 << 10

// ResolveParty returns the party ref names: a public key file (the FILE.pub
// "rampart keys generate" writes), or, with a registry, a member
// organisation by identity id, country code or name, with the keys the
// registry gives it at now. name, when not empty, is how the records
// call the party; otherwise the registry's name for its organisation.
func ResolveParty(ref, name string, reg *trust.Registry, now time.Time) (Party, error) {
	if ref == "" {
		return Party{}, errors.New("no party named")
	}
	if len(name) > MaxTextBytes {
		return Party{}, fmt.Errorf("name longer than MaxTextBytes (%d)", MaxTextBytes)
	}
	if f, err := os.Open(ref); err == nil {
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxKeySetBytes+1))
		if err != nil {
			return Party{}, fmt.Errorf("read keys %q: %v", ref, err)
		}
		if len(data) > maxKeySetBytes {
			return Party{}, fmt.Errorf("keys %q: larger than %d bytes; want a public key file (FILE.pub)", ref, maxKeySetBytes)
		}
		ks, err := trust.ParseKeySet(data)
		if err != nil {
			hint := ""
			if strings.Contains(string(data), `"d"`) || strings.Contains(string(data), `"priv"`) {
				hint = " (this looks like private keys: give the .pub file)"
			}
			return Party{}, fmt.Errorf("keys %q: %v%s", ref, err, hint)
		}
		ks.Created = time.Time{}
		p := Party{Organization: ks.Organization, Name: name, Keys: ks}
		if p.Name == "" && reg != nil && ks.Organization != "" {
			if o := reg.Organization(ks.Organization); o != nil {
				p.Name = o.Name
			}
		}
		return p, nil
	}
	if reg == nil {
		return Party{}, fmt.Errorf("%q is not a key file, and there is no trust registry to find an organisation of that name in", ref)
	}
	o, err := reg.ResolveOrganization(ref)
	if err != nil {
		return Party{}, fmt.Errorf("%q is not a key file, and %v", ref, err)
	}
	ks, err := reg.KeySet(o.ID, now)
	if err != nil {
		return Party{}, err
	}
	if name == "" {
		name = o.Name
	}
	return Party{Organization: o.ID, Name: name, Keys: ks}, nil
}
