package stix_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rampart-cti/rampart/stix"
)

func ExampleValidate() {
	o, err := stix.ParseObject([]byte(`{
		"type": "indicator", "spec_version": "2.1",
		"id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
		"pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
		"valid_from": "2016-01-01T00:00:00Z", "valid_until": "2015-01-01T00:00:00Z",
		"confidence": 120
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = stix.Validate(o)
	var ve *stix.ValidationError
	if errors.As(err, &ve) {
		for _, e := range ve.Errors {
			fmt.Println(e)
		}
	}
	// Output:
	// indicator "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": confidence must be between 0 and 100 (got 120)
	// indicator "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": valid_until must be later than valid_from (got 2015-01-01T00:00:00Z <= 2016-01-01T00:00:00Z)
}

func ExampleNewSCO() {
	o, err := stix.NewSCO(&stix.DomainName{
		ObservableProperties: stix.ObservableProperties{Type: "domain-name", SpecVersion: "2.1"},
		Value:                "example.com",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.ID)
	// Output: domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7
}

func ExampleObject_Typed() {
	o, _ := stix.ParseObject([]byte(`{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3","x_acme_seen":3}`))
	v, err := o.Typed()
	if err != nil {
		fmt.Println(err)
		return
	}
	switch v := v.(type) {
	case *stix.IPv4Addr:
		fmt.Println(v.Value, string(v.Custom["x_acme_seen"]))
	}
	// Output: 198.51.100.3 3
}

func ExampleEffectiveTLP() {
	o, _ := stix.ParseObject([]byte(`{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3",
		"object_marking_refs":["` + stix.TLP1GreenID + `","` + stix.TLPAmberStrictID + `"]}`))
	fmt.Println(stix.EffectiveTLP(o))
	// Output: TLP:AMBER+STRICT
}

func ExampleBundleWriter() {
	var buf bytes.Buffer
	bw := stix.NewBundleWriter(&buf, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d")
	bw.Write(stix.TLPMarkingDefinition(stix.TLPClear))
	if err := bw.Close(); err != nil {
		fmt.Println(err)
		return
	}

	br := stix.NewBundleReader(&buf)
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(o.ID)
	}
	fmt.Println(br.ID())
	// Output:
	// marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487
	// bundle--5d0092c5-5f74-4287-9642-33f4c354e56d
}

func ExampleBundleReader() {
	in := strings.NewReader(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3"},
		{"type":"indicator","id":"not-an-id"},
		{"type":"mutex","id":"mutex--f93fe911-e545-5239-b9b0-597840d0c871","name":"__CLEANSWEEP__"}]}`)
	br := stix.NewBundleReader(in)
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		var oe *stix.ObjectError
		if errors.As(err, &oe) {
			fmt.Println("skipped:", oe) // one bad object does not stop the stream
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(o.Type, o.ID)
	}
	// Output:
	// ipv4-addr ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4
	// skipped: objects[1]: indicator: id must be of the form indicator--UUID (got "not-an-id")
	// mutex mutex--f93fe911-e545-5239-b9b0-597840d0c871
}
