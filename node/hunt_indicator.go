package node

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// HuntIndicator returns the indicator a retro-hunt (Hunt) looks for: the
// one collectionID holds by id, or, when pat is set, one made of that
// STIX pattern, valid from now and named by the pattern, so that the same
// hunt run again stores its sightings under the same ids. It returns
// ENOTFOUND when the collection holds no object id, and the indicator's
// error when the object or the pattern is not one the matcher reads.
func (n *Node) HuntIndicator(ctx context.Context, collectionID, id, pat string) (*match.Indicator, error) {
	if pat != "" {
		now := stix.NewTimestamp(time.Now())
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q}`,
			stix.NameID("indicator", "hunt "+pat), now, now, pat, now))
		if err != nil {
			return nil, err
		}
		return match.ParseIndicator(o)
	}
	page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: collectionID, IDs: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(page.Versions) == 0 {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "collection %s holds no object %s", collectionID, id)
	}
	return match.ParseIndicator(page.Versions[0].Object)
}
