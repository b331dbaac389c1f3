package federation

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// SettingAudiencePrefix, followed by a collection id, names the setting
// that narrows where the collection's TLP:AMBER goes (Audience).
const SettingAudiencePrefix = "federation.amber/"

// Audience narrows the member states a collection's TLP:AMBER objects are
// sealed to. Without one, the node's own TLP:AMBER goes to every national
// CSIRT of the registry; with one, only to those of them it lists. An
// object addressed to named organisations goes to them whatever the
// audience: addressing is the narrower, per-object choice.
type Audience struct {
	// To lists the organisations (STIX identity ids), never empty.
	To []string `json:"to"`
	// Version is the setting's version, for SaveAudience's check.
	Version int64 `json:"-"`
}

// LoadAudience returns the audience of collectionID; nil when its AMBER
// goes to every member state.
func LoadAudience(ctx context.Context, settings rampart.SettingService, collectionID string) (*Audience, error) {
	s, err := settings.FindSetting(ctx, SettingAudiencePrefix+collectionID)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var a Audience
	if err := json.Unmarshal(s.Value, &a); err != nil {
		return nil, fmt.Errorf("setting %s: %v", s.Name, err)
	}
	a.Version = s.Version
	return &a, nil
}

// SaveAudience narrows collectionID's TLP:AMBER to the organisations to,
// or, with to empty, lets it go to every member state again. version is
// that of the audience read (0 when there was none); a change made since
// is ECONFLICT.
func SaveAudience(ctx context.Context, settings rampart.SettingService, collectionID string, to []string, version int64) error {
	name := SettingAudiencePrefix + collectionID
	if len(to) == 0 {
		if version == 0 {
			return nil
		}
		return settings.DeleteSetting(ctx, name)
	}
	for _, id := range to {
		if typ, _, err := stix.ParseID(id); err != nil || typ != "identity" {
			return rampart.Errorf(rampart.EINVALID, "audience: %q is not an identity id", id)
		}
	}
	to = slices.Clone(to)
	slices.Sort(to)
	value, err := json.Marshal(Audience{To: slices.Compact(to)})
	if err != nil {
		return err
	}
	_, err = settings.SetSetting(ctx, name, value, version)
	return err
}
