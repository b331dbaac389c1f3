package lifecycle

import (
	"fmt"
	"maps"
	"slices"
)

// Defaults of the settings a node has not changed.
const (
	// DefaultThreshold is the score (0–100) below which an indicator has
	// decayed.
	DefaultThreshold = 20
	// DefaultConfidence is the confidence of an indicator without one
	// (STIX leaves it unknown: the middle of the scale).
	DefaultConfidence = 50
	// DefaultProducerConfidence is the confidence in a producer the
	// settings do not name: neutral, the indicator's own confidence
	// decides.
	DefaultProducerConfidence = 100
	// DefaultFalsePositiveFactor multiplies the score once for each
	// false-positive report of an organisation that is not trusted.
	DefaultFalsePositiveFactor = 0.5
)

// Settings are a node's lifecycle settings (the node keeps them as its
// setting "lifecycle"). Zero fields take the defaults: Effective fills
// them.
type Settings struct {
	// Threshold is the score (0–100) below which an indicator stops
	// matching and leaves exports (DefaultThreshold when nil; 0 keeps
	// every indicator).
	Threshold *float64 `json:"threshold,omitempty"`
	// DefaultConfidence is the confidence of indicators without one.
	DefaultConfidence *int `json:"default_confidence,omitempty"`
	// DefaultProducerConfidence is the confidence in producers Producers
	// does not name.
	DefaultProducerConfidence *int `json:"default_producer_confidence,omitempty"`
	// Producers gives the confidence (0–100) in producers by identity id
	// (created_by_ref).
	Producers map[string]int `json:"producers,omitempty"`
	// FalsePositiveFactor multiplies the score for each false-positive
	// report (0–1).
	FalsePositiveFactor *float64 `json:"false_positive_factor,omitempty"`
	// Trusted are the organisations (identity ids) one false-positive
	// report of which drops an indicator to 0. The node's own
	// organisation and the indicator's producer always are.
	Trusted []string `json:"trusted,omitempty"`
	// Models override DefaultModels by type (TypeIPv4 …, TypeDefault).
	Models map[string]Model `json:"models,omitempty"`
	// Feeds override the threshold and models for the indicators of one
	// feed (those labelled "feed:NAME"), by feed name.
	Feeds map[string]Override `json:"feeds,omitempty"`
}

// Override is what one feed changes of the settings.
type Override struct {
	Threshold *float64         `json:"threshold,omitempty"`
	Models    map[string]Model `json:"models,omitempty"`
}

// Effective returns the settings with every default filled in and the
// default models merged under those given. It does not check them.
func (s Settings) Effective() Settings {
	e := s
	if e.Threshold == nil {
		e.Threshold = ptr(float64(DefaultThreshold))
	}
	if e.DefaultConfidence == nil {
		e.DefaultConfidence = ptr(DefaultConfidence)
	}
	if e.DefaultProducerConfidence == nil {
		e.DefaultProducerConfidence = ptr(DefaultProducerConfidence)
	}
	if e.FalsePositiveFactor == nil {
		e.FalsePositiveFactor = ptr(DefaultFalsePositiveFactor)
	}
	m := DefaultModels()
	maps.Copy(m, s.Models)
	e.Models = m
	e.Trusted = slices.Clone(s.Trusted)
	return e
}

// Check reports the first setting out of range, naming it.
func (s Settings) Check() error {
	if t := s.Threshold; t != nil && !(*t >= 0 && *t <= 100) {
		return fmt.Errorf("threshold %v is not within 0-100", *t)
	}
	if c := s.DefaultConfidence; c != nil && (*c < 0 || *c > 100) {
		return fmt.Errorf("default_confidence %d is not within 0-100", *c)
	}
	if c := s.DefaultProducerConfidence; c != nil && (*c < 0 || *c > 100) {
		return fmt.Errorf("default_producer_confidence %d is not within 0-100", *c)
	}
	for id, c := range s.Producers {
		if c < 0 || c > 100 {
			return fmt.Errorf("producers[%q]: confidence %d is not within 0-100", id, c)
		}
	}
	if f := s.FalsePositiveFactor; f != nil && !(*f >= 0 && *f <= 1) {
		return fmt.Errorf("false_positive_factor %v is not within 0-1", *f)
	}
	for _, typ := range slices.Sorted(maps.Keys(s.Models)) {
		if err := s.Models[typ].Check(); err != nil {
			return fmt.Errorf("models[%q]: %v", typ, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Feeds)) {
		o := s.Feeds[name]
		if t := o.Threshold; t != nil && !(*t >= 0 && *t <= 100) {
			return fmt.Errorf("feeds[%q]: threshold %v is not within 0-100", name, *t)
		}
		for _, typ := range slices.Sorted(maps.Keys(o.Models)) {
			if err := o.Models[typ].Check(); err != nil {
				return fmt.Errorf("feeds[%q]: models[%q]: %v", name, typ, err)
			}
		}
	}
	return nil
}

// model returns the model and threshold of an indicator of type typ from
// feed (""), after Effective.
func (s *Settings) model(typ, feed string) (string, Model, float64) {
	threshold := *s.Threshold
	o, hasFeed := s.Feeds[feed]
	if hasFeed && o.Threshold != nil {
		threshold = *o.Threshold
	}
	for _, t := range []string{typ, TypeDefault} {
		if hasFeed {
			if m, ok := o.Models[t]; ok {
				return t, m, threshold
			}
		}
		if m, ok := s.Models[t]; ok {
			return t, m, threshold
		}
	}
	return TypeDefault, DefaultModels()[TypeDefault], threshold
}

func ptr[T any](v T) *T { return &v }
