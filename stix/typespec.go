package stix

import "sort"

// typeSpec is what the package knows about one object type of the
// specification.
type typeSpec struct {
	category Category
	spec     *objSpec
	// idContrib lists the SCO's ID Contributing Properties (§3.4); nil for
	// SCOs without any (process), whose ids are random.
	idContrib []string
}

type checkFn = func(c *checker, n *node, path string)

// sdoSpec builds the table of an SDO, SRO or meta object from its own
// properties and the common ones.
func sdoSpec(props map[string]*prop, required []string, checks ...checkFn) *objSpec {
	return &objSpec{
		props:    merge(sdoCommon, props),
		required: concat(sdoRequired, required),
		checks:   append(append([]checkFn(nil), sdoChecks...), checks...),
	}
}

// scoSpec builds the table of an SCO.
func scoSpec(props map[string]*prop, predefined map[string]*objSpec, required []string, checks ...checkFn) *objSpec {
	return &objSpec{
		props:    merge(scoCommon(predefined), props),
		required: concat([]string{"type"}, required),
		checks:   append(append([]checkFn(nil), scoChecks...), checks...),
	}
}

// extSpec builds the table of a predefined extension or nested type.
func extSpec(props map[string]*prop, required []string, checks ...checkFn) *objSpec {
	return &objSpec{props: props, required: required, checks: checks}
}

func concat(a, b []string) []string {
	return append(append([]string(nil), a...), b...)
}

// atLeastOneOf returns a check that n has at least one of names.
func atLeastOneOf(what string, names ...string) checkFn {
	return func(c *checker, n *node, path string) {
		for _, name := range names {
			if n.has(name) {
				return
			}
		}
		c.fail(path, "%s must have at least one of %s", what, joinNames(names))
	}
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += n
	}
	return s
}

// customSDOSpec and customSCOSpec check the common properties of objects
// whose type an extension defines or which are (deprecated) custom objects.
var (
	customSDOSpec = sdoSpec(nil, nil)
	customSCOSpec = scoSpec(nil, nil, nil)
	// legacyCustomSpec is for deprecated custom objects (§11.2), which may
	// be SDO-like or SCO-like: common properties are checked when present,
	// only type and id are required.
	legacyCustomSpec = &objSpec{
		props:    merge(sdoCommon, map[string]*prop{"defanged": boolean()}),
		required: []string{"type", "id"},
		checks:   []checkFn{checkID, checkModified, checkSelectors},
	}
)

// typeSpecs maps every type of STIX 2.1 to its rules. It is set once by
// init and only read afterwards; it cannot have an initializer because
// the rules of some types (observed-data, the SCO id checks) look types up
// in it.
var typeSpecs map[string]*typeSpec

func init() {
	typeSpecs = map[string]*typeSpec{
		"attack-pattern":   {category: SDO, spec: attackPatternSpec},
		"campaign":         {category: SDO, spec: campaignSpec},
		"course-of-action": {category: SDO, spec: courseOfActionSpec},
		"grouping":         {category: SDO, spec: groupingSpec},
		"identity":         {category: SDO, spec: identitySpec},
		"incident":         {category: SDO, spec: incidentSpec},
		"indicator":        {category: SDO, spec: indicatorSpec},
		"infrastructure":   {category: SDO, spec: infrastructureSpec},
		"intrusion-set":    {category: SDO, spec: intrusionSetSpec},
		"location":         {category: SDO, spec: locationSpec},
		"malware":          {category: SDO, spec: malwareSpec},
		"malware-analysis": {category: SDO, spec: malwareAnalysisSpec},
		"note":             {category: SDO, spec: noteSpec},
		"observed-data":    {category: SDO, spec: observedDataSpec},
		"opinion":          {category: SDO, spec: opinionSpec},
		"report":           {category: SDO, spec: reportSpec},
		"threat-actor":     {category: SDO, spec: threatActorSpec},
		"tool":             {category: SDO, spec: toolSpec},
		"vulnerability":    {category: SDO, spec: vulnerabilitySpec},

		"relationship": {category: SRO, spec: relationshipSpec},
		"sighting":     {category: SRO, spec: sightingSpec},

		"artifact":             {category: SCO, spec: artifactSpec, idContrib: []string{"hashes", "payload_bin"}},
		"autonomous-system":    {category: SCO, spec: autonomousSystemSpec, idContrib: []string{"number"}},
		"directory":            {category: SCO, spec: directorySpec, idContrib: []string{"path"}},
		"domain-name":          {category: SCO, spec: domainNameSpec, idContrib: []string{"value"}},
		"email-addr":           {category: SCO, spec: emailAddrSpec, idContrib: []string{"value"}},
		"email-message":        {category: SCO, spec: emailMessageSpec, idContrib: []string{"from_ref", "subject", "body"}},
		"file":                 {category: SCO, spec: fileSpec, idContrib: []string{"hashes", "name", "extensions", "parent_directory_ref"}},
		"ipv4-addr":            {category: SCO, spec: ipv4AddrSpec, idContrib: []string{"value"}},
		"ipv6-addr":            {category: SCO, spec: ipv6AddrSpec, idContrib: []string{"value"}},
		"mac-addr":             {category: SCO, spec: macAddrSpec, idContrib: []string{"value"}},
		"mutex":                {category: SCO, spec: mutexSpec, idContrib: []string{"name"}},
		"network-traffic":      {category: SCO, spec: networkTrafficSpec, idContrib: []string{"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
		"process":              {category: SCO, spec: processSpec},
		"software":             {category: SCO, spec: softwareSpec, idContrib: []string{"name", "cpe", "swid", "vendor", "version"}},
		"url":                  {category: SCO, spec: urlSpec, idContrib: []string{"value"}},
		"user-account":         {category: SCO, spec: userAccountSpec, idContrib: []string{"account_type", "user_id", "account_login"}},
		"windows-registry-key": {category: SCO, spec: windowsRegistryKeySpec, idContrib: []string{"key", "values"}},
		"x509-certificate":     {category: SCO, spec: x509CertificateSpec, idContrib: []string{"hashes", "serial_number"}},

		"language-content":     {category: Meta, spec: languageContentSpec},
		"marking-definition":   {category: Meta, spec: markingDefinitionSpec},
		"extension-definition": {category: Meta, spec: extensionDefinitionSpec},
	}
}

// sortedKeys returns the names of a property table in order.
func sortedKeys(props map[string]*prop) []string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
