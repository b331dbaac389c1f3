package stix

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// typicalIndicator is an indicator as feeds publish them.
const typicalIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","indicator_types":["malicious-activity"],"name":"Poison Ivy Malware","description":"This file is part of Poison Ivy","pattern":"[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]","pattern_type":"stix","pattern_version":"2.1","valid_from":"2016-01-01T00:00:00Z","kill_chain_phases":[{"kill_chain_name":"mandiant-attack-lifecycle-model","phase_name":"establish-foothold"}],"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"external_references":[{"source_name":"capec","external_id":"CAPEC-163"}],"confidence":80}`

func BenchmarkParseObject(b *testing.B) {
	data := []byte(typicalIndicator)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseObject(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseObjectLarge parses a note of 15 MiB, near
// MaxObjectBytes: what it allocates beyond the object's own copy of the
// JSON is what reading one costs on top of it.
func BenchmarkParseObjectLarge(b *testing.B) {
	data := []byte(`{"type":"note","spec_version":"2.1","id":"note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","content":"` +
		strings.Repeat("x", 15<<20) + `","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseObject(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	o, err := ParseObject([]byte(typicalIndicator))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseValidateIndicator is what an import does per indicator.
func BenchmarkParseValidateIndicator(b *testing.B) {
	data := []byte(typicalIndicator)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		o, err := ParseObject(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := Validate(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSCOID(b *testing.B) {
	o, err := ParseObject([]byte(corpusJSON(b, "file")))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SCOID(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBundleReader measures reading throughput (ParseObject of every
// object included) over a 16 MiB bundle of indicators held in memory.
func BenchmarkBundleReader(b *testing.B) {
	var buf bytes.Buffer
	if _, err := bundleGenerator(&buf, 16<<20); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		br := NewBundleReader(bytes.NewReader(data))
		for {
			_, err := br.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkBundleWriter(b *testing.B) {
	o, err := ParseObject([]byte(typicalIndicator))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(o.Raw)))
	b.ReportAllocs()
	bw := NewBundleWriter(io.Discard, "")
	for b.Loop() {
		if err := bw.Write(o); err != nil {
			b.Fatal(err)
		}
	}
	bw.Close()
}
