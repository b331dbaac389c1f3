package feed

import (
	"slices"
	"time"
)

// presets are the reading options of the feeds CSIRTs pull most, so that
// a user need not write column maps. URL is the feed's public address
// where it has one anyone may fetch; the others need --url (and often a
// key in a header).
var presets = map[string]Feed{
	"spamhaus-drop": {
		URL: "https://www.spamhaus.org/drop/drop.txt", Format: FormatCSV,
		Separator: ";", Comment: ";", Value: "1", Description: "2",
		Producer: "The Spamhaus Project", Marking: "clear", Confidence: ptr(85),
		Interval: hours(12), Expiry: hours(48),
	},
	"spamhaus-cert": {
		Format: FormatCSV, Separator: ",", Comment: ";",
		Columns: []string{"ip", "asn", "country", "lastseen", "botname", "domain", "remote_ip", "remote_port", "local_port", "protocol"},
		Value:   "ip", Kind: KindIPv4, Description: "botname", FirstSeen: "lastseen",
		Producer: "The Spamhaus Project", Marking: "amber", Confidence: ptr(70),
		Interval: hours(24), Expiry: hours(72),
	},
	"feodotracker": {
		URL: "https://feodotracker.abuse.ch/downloads/ipblocklist.json", Format: FormatJSON,
		Value: "ip_address", Kind: KindIPv4, Port: "port", Description: "malware,status,hostname",
		FirstSeen: "first_seen", Producer: "abuse.ch Feodo Tracker", Marking: "clear", Confidence: ptr(80),
		Interval: hours(1), Expiry: hours(7 * 24),
	},
	"phishtank": {
		URL: "https://data.phishtank.com/data/online-valid.json", Format: FormatJSON,
		Value: "url", Kind: KindURL, Description: "target", FirstSeen: "submission_time",
		Producer: "PhishTank", Marking: "clear", Confidence: ptr(70),
		Interval: hours(1), Expiry: hours(3 * 24),
	},
	"openphish": {
		URL: "https://openphish.com/feed.txt", Format: FormatList, Kind: KindURL,
		Producer: "OpenPhish", Marking: "clear", Confidence: ptr(60),
		Interval: hours(1), Expiry: hours(2 * 24),
	},
	"blocklistde": {
		URL: "https://lists.blocklist.de/lists/all.txt", Format: FormatList, Comment: "#",
		Producer: "blocklist.de", Marking: "clear", Confidence: ptr(50),
		Interval: hours(1), Expiry: hours(2 * 24),
	},
	"dshield": {
		URL: "https://feeds.dshield.org/block.txt", Format: FormatCSV, Separator: "\t", Comment: "#",
		Header: true, Value: "Start", Prefix: "Netblock", Description: "Name,Country",
		Producer: "DShield", Marking: "clear", Confidence: ptr(60),
		Interval: hours(1), Expiry: hours(3 * 24),
	},
	"dataplane": {
		URL: "https://dataplane.org/sshpwauth.txt", Format: FormatCSV, Separator: "|", Comment: "#",
		// Counted from the end: AS names may hold "|".
		Value: "-3", Kind: KindIPv4, FirstSeen: "-2", Description: "-1",
		Producer: "DataPlane.org", Marking: "clear", Confidence: ptr(50),
		Interval: hours(1), Expiry: hours(7 * 24),
	},
	"bambenek-c2": {
		Format: FormatCSV, Separator: ",", Comment: "#",
		Value: "1", Kind: KindIPv4, Description: "2", FirstSeen: "3",
		Producer: "Bambenek Consulting", Marking: "clear", Confidence: ptr(75),
		Interval: hours(1), Expiry: hours(3 * 24),
	},
	"bambenek-dga": {
		Format: FormatCSV, Separator: ",", Comment: "#",
		Value: "1", Kind: KindDomain, Description: "2", FirstSeen: "3",
		Producer: "Bambenek Consulting", Marking: "clear", Confidence: ptr(75),
		Interval: hours(24), Expiry: hours(3 * 24),
	},
	"cert-eu": {
		Format: FormatCSV, Header: true,
		Value: "source ip", Kind: KindIPv4, Description: "type,description", Port: "destination port",
		FirstSeen: "first seen|source time", TLP: "tlp",
		Producer: "CERT-EU", Marking: "amber", Confidence: ptr(70),
		Interval: hours(24), Expiry: hours(7 * 24),
	},
	"shadowserver": {
		Format: FormatCSV, Header: true,
		Value: "ip", Kind: KindIPv4, Port: "port", Description: "tag,hostname", FirstSeen: "timestamp",
		Producer: "The Shadowserver Foundation", Marking: "amber", Confidence: ptr(80),
		Interval: hours(24), Expiry: hours(3 * 24),
	},
	"cymru": {
		Format: FormatCSV, Separator: "|", Comment: "#",
		Columns: []string{"category", "address", "asn", "timestamp", "optional_information", "asninfo"},
		Value:   "address", Kind: KindIPv4, Description: "category,optional_information", FirstSeen: "timestamp",
		Producer: "Team Cymru", Marking: "amber", Confidence: ptr(70),
		Interval: hours(24), Expiry: hours(3 * 24),
	},
	"ctip": {
		// Interflow's JSON array and the Azure export's one object per
		// line alike.
		Format: FormatJSON,
		Value:  "networksourceipv4|SourceIp", Kind: KindIPv4,
		Description: "description|Malware,ThreatCode", Port: "networksourceport|SourcePort",
		FirstSeen: "firstreporteddatetime|DateTimeReceivedUtcTxt", TLP: "tlplevel|TLP",
		Producer: "Microsoft Cyber Threat Intelligence Program", Marking: "amber", Confidence: ptr(60),
		Interval: hours(24), Expiry: hours(3 * 24),
	},
	"otx": {
		URL: "https://otx.alienvault.com/api/v1/pulses/subscribed", Format: FormatJSON,
		Records: "indicators", Value: "indicator", KindField: "type",
		Description: "^name,description", FirstSeen: "created",
		Producer: "AlienVault OTX", Marking: "green", Confidence: ptr(50),
		Interval: hours(1), Expiry: hours(30 * 24),
	},
	"zoneh": {
		Format: FormatCSV, Header: true,
		Value: "domain", Kind: KindURL, Description: "attacker,reason", FirstSeen: "add_date",
		Producer: "Zone-H", Marking: "amber", Confidence: ptr(60),
		Interval: hours(24), Expiry: hours(30 * 24),
	},
}

// Preset returns the definition a preset gives (a copy: change it
// freely), with Preset set; false when there is no preset by that name.
func Preset(name string) (Feed, bool) {
	p, ok := presets[name]
	if !ok {
		return Feed{}, false
	}
	p.Preset = name
	p.Columns = slices.Clone(p.Columns)
	if p.Confidence != nil {
		p.Confidence = ptr(*p.Confidence)
	}
	return p, true
}

// Presets returns the names of the presets, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func ptr[T any](v T) *T { return &v }

func hours(n int) Duration { return Duration{time.Duration(n) * time.Hour} }
