package node

import (
	"context"
	"fmt"
	"io"

	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
)

// Check refuses a change that changes nothing: "lifecycle set" needs a
// setting to change (a --feed alone is not one). Its error is a
// *ConfigError.
func (c LifecycleChange) Check() error {
	if c.Threshold == nil && len(c.Models) == 0 && len(c.Producers) == 0 && c.FalsePositiveFactor == nil && c.DefaultConfidence == nil {
		return configErrorf("lifecycle set: give a setting to change (--threshold, --model, --producer, --false-positive-factor, --default-confidence)")
	}
	return nil
}

// ReadLifecycleFile reads the settings "lifecycle load" stores from r,
// the file name (lifecycle.ReadSettings); its errors name the file.
func ReadLifecycleFile(r io.Reader, name string) (lifecycle.Settings, error) {
	s, err := lifecycle.ReadSettings(r)
	if err != nil {
		return s, fmt.Errorf("%s: %v", name, err)
	}
	return s, nil
}

// FalsePositive is a false positive reported: the sighting filed in a
// collection, and the indicator's score after it.
type FalsePositive struct {
	Indicator, Sighting *stix.Object
	Collection          string
	// Score is nil when the score could not be computed.
	Score *lifecycle.Score
}

// FileFalsePositive reports indicator o as a false positive in the
// collection of apiRoot named ref, as ReportFalsePositive does, with note
// as the sighting's description, and scores the indicator again.
func (n *Node) FileFalsePositive(ctx context.Context, apiRoot, ref string, o *stix.Object, note string) (*FalsePositive, error) {
	coll, err := n.FindCollection(ctx, apiRoot, ref)
	if err != nil {
		return nil, err
	}
	sg, err := n.ReportFalsePositive(ctx, coll.ID, o, "", note)
	if err != nil {
		return nil, err
	}
	fp := &FalsePositive{Indicator: o, Sighting: sg, Collection: coll.ID}
	if sc, err := n.IndicatorScore(ctx, o); err == nil {
		fp.Score = &sc
	}
	return fp, nil
}

// Notice says what was reported and the indicator's score now; "" when
// the score is not known.
func (fp *FalsePositive) Notice() string {
	if fp.Score == nil {
		return ""
	}
	return fmt.Sprintf("%s reported a false positive in collection %s; its score is now %s", fp.Indicator.ID, fp.Collection, lifecycle.FormatNumber(fp.Score.Value))
}
