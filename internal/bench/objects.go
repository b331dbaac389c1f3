package bench

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart/stix"
)

// indicator returns the JSON of a typical indicator (about 600 bytes)
// with a unique id derived from run and i.
func indicator(run string, i int) []byte {
	return fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s-%04x-4%03x-8%03x-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"Malicious IP %d","description":"Command and control server observed in a phishing campaign against public administrations.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z","labels":["c2","phishing"],"confidence":80,"created_by_ref":"identity--8c3b0f3e-6c5e-4c1a-9f0e-2f7a0b1c2d3e","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
		run, (i>>48)&0xffff, (i>>36)&0xfff, (i>>24)&0xfff, i&0xffffffffffff, i, (i>>8)&0xff, i&0xff)
}

// mixedObject returns one of a mix of object types for the fill phase:
// four indicators in five, then malware and sightings.
func mixedObject(run string, i int) []byte {
	switch i % 10 {
	case 3:
		return fmt.Appendf(nil, `{"type":"malware","spec_version":"2.1","id":"malware--%s-0000-4000-8000-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"Family %d","is_family":true,"malware_types":["remote-access-trojan"]}`, run, i, i)
	case 7:
		return fmt.Appendf(nil, `{"type":"sighting","spec_version":"2.1","id":"sighting--%s-0000-4000-8000-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","sighting_of_ref":"indicator--%s-0000-4000-8000-%012x","count":3}`, run, i, run, i-1)
	}
	return indicator(run, i)
}

// largeNote is a note of about size bytes of JSON.
func largeNote(i, size int) []byte {
	return fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%08x-0000-4000-8000-000000000000","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","abstract":"large note %d","content":"%s","object_refs":["identity--8c3b0f3e-6c5e-4c1a-9f0e-2f7a0b1c2d3e"]}`,
		i, i, strings.Repeat("A", size-260))
}

// largeIndicator is an indicator with a fresh id and a description that
// makes it about size bytes of JSON.
func largeIndicator(j, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z","description":"`,
		stix.NewID("indicator"), j%250+1)
	b.WriteString(strings.Repeat("x", size-400))
	b.WriteString(`"}`)
	return b.Bytes()
}

// writerIndicator is the j-th fresh indicator of the seq-th POST of
// writer w.
func writerIndicator(w, seq, j int) []byte {
	return fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"writer %d post %d","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z"}`,
		stix.NewID("indicator"), w, seq, w%256, seq%256, j%256)
}

// envelope returns a TAXII envelope of the objects object(from) to
// object(to-1).
func envelope(from, to int, object func(i int) []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		b.Write(object(i))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
