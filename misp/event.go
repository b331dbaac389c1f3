package misp

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Text is a MISP scalar as MISP writes it: usually a JSON string, sometimes
// a number, a boolean or null ("timestamp": "1603642920" or 1603642920).
// It reads any of them as text and writes a JSON string, as MISP does.
type Text string

// UnmarshalJSON reads a string, number, boolean or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	v := jsontext.Value(b)
	switch v.Kind() {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s, jsontext.AllowInvalidUTF8(true)); err != nil {
			return err
		}
		*t = Text(s)
	case '0', 't', 'f':
		*t = Text(b)
	case 'n':
		*t = ""
	default:
		return fmt.Errorf("want a string or a number, got %s", kindName(v.Kind()))
	}
	return nil
}

// Int returns t as an integer, or def when t is empty or not a number.
func (t Text) Int(def int64) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(string(t)), 10, 64)
	if err != nil {
		return def
	}
	return n
}

// Time reads t as MISP's Unix seconds ("1603642920"); ok is false when t
// is empty or not a number.
func (t Text) Time() (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(string(t)), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// Flag is a MISP boolean: true, false, "1", "0", 1, 0, "true", "false".
type Flag bool

// UnmarshalJSON reads a boolean, a number or a string.
func (f *Flag) UnmarshalJSON(b []byte) error {
	var t Text
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(t))) {
	case "1", "true", "yes":
		*f = true
	case "0", "false", "no", "":
		*f = false
	default:
		return fmt.Errorf("want a boolean, got %q", string(t))
	}
	return nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}

// Distribution levels of events and attributes.
const (
	DistOrganisation = "0" // your organisation only
	DistCommunity    = "1" // this community only
	DistConnected    = "2" // connected communities
	DistAll          = "3" // all communities
	DistSharingGroup = "4" // the members of a sharing group
	DistInherit      = "5" // the event's (attributes and objects only)
)

// Org is a MISP organisation (Org, Orgc, Organisation).
type Org struct {
	ID   Text   `json:"id,omitempty"`
	Name string `json:"name"`
	UUID string `json:"uuid,omitempty"`
}

// SharingGroup is the group an item with distribution 4 is shared with.
type SharingGroup struct {
	ID              Text              `json:"id,omitempty"`
	Name            string            `json:"name,omitempty"`
	UUID            string            `json:"uuid,omitempty"`
	Organisation    *Org              `json:"Organisation,omitempty"`
	SharingGroupOrg []SharingGroupOrg `json:"SharingGroupOrg,omitempty"`
}

// SharingGroupOrg is one member of a sharing group.
type SharingGroupOrg struct {
	OrgID        Text `json:"org_id,omitempty"`
	Organisation *Org `json:"Organisation,omitempty"`
}

// Tag is a MISP tag: "tlp:amber", "misp-galaxy:threat-actor=\"Sofacy\"".
type Tag struct {
	Name   string `json:"name"`
	Colour string `json:"colour,omitempty"`
}

// Galaxy is a MISP galaxy attached to an event or attribute with its
// clusters.
type Galaxy struct {
	UUID          string          `json:"uuid,omitempty"`
	Name          string          `json:"name,omitempty"`
	Type          string          `json:"type"`
	Description   string          `json:"description,omitempty"`
	Namespace     string          `json:"namespace,omitempty"`
	GalaxyCluster []GalaxyCluster `json:"GalaxyCluster"`
}

// GalaxyCluster is one value of a galaxy: a threat actor, a technique.
type GalaxyCluster struct {
	UUID        string         `json:"uuid,omitempty"`
	Type        string         `json:"type,omitempty"`
	Value       string         `json:"value"`
	TagName     string         `json:"tag_name,omitempty"`
	Description string         `json:"description,omitempty"`
	Meta        map[string]any `json:"meta,omitempty"`
}

// Sighting is a MISP sighting of an attribute. Type "0" is a sighting,
// "1" a false positive, "2" an expiration.
type Sighting struct {
	UUID          string `json:"uuid,omitempty"`
	Type          Text   `json:"type,omitempty"`
	DateSighting  Text   `json:"date_sighting,omitempty"`
	Source        string `json:"source,omitempty"`
	AttributeUUID string `json:"attribute_uuid,omitempty"`
	Organisation  *Org   `json:"Organisation,omitempty"`
}

// Attribute is one MISP attribute, loose in an event or inside an object.
type Attribute struct {
	UUID               string        `json:"uuid"`
	Type               string        `json:"type"`
	Category           string        `json:"category,omitempty"`
	Value              string        `json:"value"`
	ToIDs              Flag          `json:"to_ids"`
	Comment            string        `json:"comment,omitempty"`
	ObjectRelation     string        `json:"object_relation,omitempty"`
	Timestamp          Text          `json:"timestamp,omitempty"`
	FirstSeen          string        `json:"first_seen,omitempty"`
	LastSeen           string        `json:"last_seen,omitempty"`
	Distribution       Text          `json:"distribution,omitempty"`
	SharingGroupID     Text          `json:"sharing_group_id,omitempty"`
	Deleted            Flag          `json:"deleted,omitzero"`
	DisableCorrelation Flag          `json:"disable_correlation,omitzero"`
	Data               string        `json:"data,omitempty"`
	SharingGroup       *SharingGroup `json:"SharingGroup,omitempty"`
	Tag                []Tag         `json:"Tag,omitempty"`
	Galaxy             []Galaxy      `json:"Galaxy,omitempty"`
	Sighting           []Sighting    `json:"Sighting,omitempty"`

	at int // 1 + the attribute's index in the document read, 0 unknown
}

// index returns a's index in the document it was read from, or i.
func (a *Attribute) index(i int) int {
	if a.at > 0 {
		return a.at - 1
	}
	return i
}

// ObjectReference links a MISP object to another object or attribute.
type ObjectReference struct {
	UUID             string `json:"uuid,omitempty"`
	ObjectUUID       string `json:"object_uuid,omitempty"`
	ReferencedUUID   string `json:"referenced_uuid"`
	RelationshipType string `json:"relationship_type"`
	Comment          string `json:"comment,omitempty"`
}

// Object is a MISP object: attributes grouped by a template (file,
// domain-ip, …).
type Object struct {
	UUID            string            `json:"uuid"`
	Name            string            `json:"name"`
	MetaCategory    string            `json:"meta-category,omitempty"`
	Description     string            `json:"description,omitempty"`
	TemplateUUID    string            `json:"template_uuid,omitempty"`
	TemplateVersion Text              `json:"template_version,omitempty"`
	Comment         string            `json:"comment,omitempty"`
	Timestamp       Text              `json:"timestamp,omitempty"`
	FirstSeen       string            `json:"first_seen,omitempty"`
	LastSeen        string            `json:"last_seen,omitempty"`
	Distribution    Text              `json:"distribution,omitempty"`
	SharingGroupID  Text              `json:"sharing_group_id,omitempty"`
	Deleted         Flag              `json:"deleted,omitzero"`
	SharingGroup    *SharingGroup     `json:"SharingGroup,omitempty"`
	Attribute       []Attribute       `json:"Attribute"`
	ObjectReference []ObjectReference `json:"ObjectReference,omitempty"`

	at int // 1 + the object's index in the document read, 0 unknown
}

// EventInfo is an event without its attributes and objects: what a feed
// manifest says of each event, and the head of every Event.
type EventInfo struct {
	UUID             string        `json:"uuid"`
	Info             string        `json:"info"`
	Date             string        `json:"date,omitempty"`
	Timestamp        Text          `json:"timestamp,omitempty"`
	Published        Flag          `json:"published"`
	PublishTimestamp Text          `json:"publish_timestamp,omitempty"`
	ThreatLevelID    Text          `json:"threat_level_id,omitempty"`
	Analysis         Text          `json:"analysis,omitempty"`
	Distribution     Text          `json:"distribution,omitempty"`
	SharingGroupID   Text          `json:"sharing_group_id,omitempty"`
	Orgc             *Org          `json:"Orgc,omitempty"`
	Org              *Org          `json:"Org,omitempty"`
	SharingGroup     *SharingGroup `json:"SharingGroup,omitempty"`
	Tag              []Tag         `json:"Tag,omitempty"`
	Galaxy           []Galaxy      `json:"Galaxy,omitempty"`
}

// Event is a MISP event.
type Event struct {
	EventInfo `json:",inline"`
	Attribute []Attribute `json:"Attribute"`
	Object    []Object    `json:"Object"`
	// Sighting holds event-level sightings; each names its attribute by
	// attribute_uuid.
	Sighting []Sighting `json:"Sighting,omitempty"`
}

// Wrapped is the form MISP writes an event in: {"Event": {…}}.
type Wrapped struct {
	Event *Event `json:"Event"`
}
