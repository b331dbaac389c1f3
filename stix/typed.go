package stix

import "errors"

// ErrCustomType is returned by Typed for an object type the specification
// does not define, which has no typed struct.
var ErrCustomType = errors.New("no typed struct for a custom object type")

// newTyped returns a new typed struct for an object type, or nil.
func newTyped(typ string) any {
	switch typ {
	case "attack-pattern":
		return new(AttackPattern)
	case "campaign":
		return new(Campaign)
	case "course-of-action":
		return new(CourseOfAction)
	case "grouping":
		return new(Grouping)
	case "identity":
		return new(Identity)
	case "incident":
		return new(Incident)
	case "indicator":
		return new(Indicator)
	case "infrastructure":
		return new(Infrastructure)
	case "intrusion-set":
		return new(IntrusionSet)
	case "location":
		return new(Location)
	case "malware":
		return new(Malware)
	case "malware-analysis":
		return new(MalwareAnalysis)
	case "note":
		return new(Note)
	case "observed-data":
		return new(ObservedData)
	case "opinion":
		return new(Opinion)
	case "report":
		return new(Report)
	case "threat-actor":
		return new(ThreatActor)
	case "tool":
		return new(Tool)
	case "vulnerability":
		return new(Vulnerability)
	case "relationship":
		return new(Relationship)
	case "sighting":
		return new(Sighting)
	case "artifact":
		return new(Artifact)
	case "autonomous-system":
		return new(AutonomousSystem)
	case "directory":
		return new(Directory)
	case "domain-name":
		return new(DomainName)
	case "email-addr":
		return new(EmailAddr)
	case "email-message":
		return new(EmailMessage)
	case "file":
		return new(File)
	case "ipv4-addr":
		return new(IPv4Addr)
	case "ipv6-addr":
		return new(IPv6Addr)
	case "mac-addr":
		return new(MACAddr)
	case "mutex":
		return new(Mutex)
	case "network-traffic":
		return new(NetworkTraffic)
	case "process":
		return new(Process)
	case "software":
		return new(Software)
	case "url":
		return new(URL)
	case "user-account":
		return new(UserAccount)
	case "windows-registry-key":
		return new(WindowsRegistryKey)
	case "x509-certificate":
		return new(X509Certificate)
	case "language-content":
		return new(LanguageContent)
	case "marking-definition":
		return new(MarkingDefinition)
	case "extension-definition":
		return new(ExtensionDefinition)
	}
	return nil
}

// Typed decodes o into the typed struct of its type and returns a pointer
// to it (*Indicator for an indicator, *File for a file, …), for a type
// switch. It returns ErrCustomType for types the specification does not
// define, and a decoding error when a property has the wrong JSON type
// (Validate explains such problems better).
func (o *Object) Typed() (any, error) {
	v := newTyped(o.Type)
	if v == nil {
		return nil, ErrCustomType
	}
	if err := o.Decode(v); err != nil {
		return nil, err
	}
	return v, nil
}
