package stix

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestTypedStructsCoverCorpus decodes every corpus object into its typed
// struct and checks that no property was left to a Custom or Other map
// (every property of the specification has a field) and that encoding the
// struct gives the same JSON value back.
func TestTypedStructsCoverCorpus(t *testing.T) {
	for _, typ := range corpusTypes() {
		o := corpusObject(t, typ)
		v, err := o.Typed()
		if err != nil {
			t.Fatalf("%s: Typed: %v", typ, err)
		}
		if name := reflect.TypeOf(v).Elem().Name(); !strings.EqualFold(strings.ReplaceAll(name, "_", ""), strings.ReplaceAll(typ, "-", "")) {
			t.Errorf("%s: Typed gives %s", typ, name)
		}
		for _, path := range nonEmptyFallbacks(reflect.ValueOf(v), typ) {
			t.Errorf("%s: properties left in %s", typ, path)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", typ, err)
		}
		// Properties with their default value may be omitted (§3.6).
		want := strings.NewReplacer(`,"revoked":false`, "", `,"summary":false`, "").Replace(string(o.Raw))
		if !sameJSON(out, []byte(want)) {
			t.Errorf("%s: round trip changed the object\n got %s\nwant %s", typ, out, o.Raw)
		}
	}
}

// nonEmptyFallbacks finds the non-empty Custom and Other maps in v.
func nonEmptyFallbacks(v reflect.Value, path string) []string {
	var out []string
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			out = append(out, nonEmptyFallbacks(v.Elem(), path)...)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if (f.Name == "Custom" || f.Name == "Other") && fv.Len() > 0 {
				out = append(out, path+"."+f.Name+" "+strings.Join(mapKeys(fv), ","))
				continue
			}
			out = append(out, nonEmptyFallbacks(fv, path+"."+f.Name)...)
		}
	case reflect.Slice:
		if v.Type().Elem() == reflect.TypeOf(byte(0)) {
			return nil
		}
		for i := 0; i < v.Len(); i++ {
			out = append(out, nonEmptyFallbacks(v.Index(i), path)...)
		}
	}
	return out
}

func mapKeys(m reflect.Value) []string {
	var keys []string
	for _, k := range m.MapKeys() {
		keys = append(keys, k.String())
	}
	return keys
}

func TestTypedKeepsCustomProperties(t *testing.T) {
	o, err := ParseObject([]byte(strings.Replace(corpusJSON(t, "indicator"), "{", `{"x_acme_score":{"a":[1.50,2e3],"b":"\u00e9"},"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}},`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var ind Indicator
	if err := o.Decode(&ind); err != nil {
		t.Fatal(err)
	}
	if got := string(ind.Custom["x_acme_score"]); got != `{"a":[1.50,2e3],"b":"\u00e9"}` {
		t.Errorf("Custom[x_acme_score] = %s", got)
	}
	var ext struct {
		ExtensionType string `json:"extension_type"`
		Rank          int    `json:"rank"`
	}
	if ok, err := ind.Extensions.Decode("extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e", &ext); !ok || err != nil || ext.Rank != 5 {
		t.Errorf("Extensions.Decode = %v, %v, %+v", ok, err, ext)
	}
	if ok, err := ind.Extensions.Decode("nope", &ext); ok || err != nil {
		t.Errorf("Extensions.Decode(absent) = %v, %v", ok, err)
	}
	if ind.ValidUntil.String() != "2017-01-01T00:00:00Z" || ind.Created.Precision() != 3 || ind.KillChainPhases[0].PhaseName != "establish-foothold" {
		t.Errorf("typed fields: %+v", ind)
	}
	// Encoding the struct keeps the custom property: the same JSON value,
	// numbers as written (string escapes may be normalised; Object.Raw is
	// the byte-exact form).
	out, err := json.Marshal(&ind)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"x_acme_score":{"a":[1.50,2e3],"b":"é"}`) {
		t.Errorf("Marshal lost the custom property: %s", out)
	}
	back, err := NewObject(&ind)
	if err != nil || !sameJSON(back.Raw, o.Raw) {
		t.Errorf("NewObject = %v\n%s\nwant %s", err, back.Raw, o.Raw)
	}
}

func TestTypedPredefinedExtensions(t *testing.T) {
	f := new(File)
	if err := corpusObject(t, "file").Decode(f); err != nil {
		t.Fatal(err)
	}
	e := f.Extensions
	if e == nil || e.Archive == nil || len(e.Archive.ContainsRefs) != 2 || e.NTFS.AlternateDataStreams[0].Name != "second.stream" ||
		*e.WindowsPEBinary.OptionalHeader.NumberOfRVAAndSizes != 3758087646 || e.WindowsPEBinary.TimeDateStamp.String() != "2016-01-22T12:31:12Z" ||
		*e.RasterImage.ImageWidth != 1024 || e.PDF.DocumentInfoDict["Title"] != "Sample document" {
		t.Errorf("file extensions: %+v", e)
	}
	nt := new(NetworkTraffic)
	if err := corpusObject(t, "network-traffic").Decode(nt); err != nil {
		t.Fatal(err)
	}
	if nt.Extensions.HTTPRequest.RequestHeader["Host"][0] != "www.example.com" || nt.Extensions.Socket.Options["SO_RCVTIMEO"] != 500 || nt.Extensions.ICMP.ICMPTypeHex != "08" || *nt.DstPort != 80 {
		t.Errorf("network-traffic: %+v", nt)
	}
	p := new(Process)
	if err := corpusObject(t, "process").Decode(p); err != nil {
		t.Fatal(err)
	}
	if p.Extensions.WindowsProcess.IntegrityLevel != "high" || p.Extensions.WindowsService.StartType != "SERVICE_AUTO_START" {
		t.Errorf("process: %+v", p.Extensions)
	}
	u := new(UserAccount)
	if err := corpusObject(t, "user-account").Decode(u); err != nil {
		t.Fatal(err)
	}
	if u.Extensions.UnixAccount.Shell != "/bin/bash" {
		t.Errorf("user-account: %+v", u.Extensions)
	}
	// An extension the struct does not know lands in Other.
	f2 := new(File)
	if err := mutated(t, "file", set("extensions.x-acme-ext", `{"foo_val":1}`)).Decode(f2); err != nil {
		t.Fatal(err)
	}
	if string(f2.Extensions.Other["x-acme-ext"]) != `{"foo_val":1}` {
		t.Errorf("Other = %v", f2.Extensions.Other)
	}
}

func TestTypedErrors(t *testing.T) {
	o := &Object{Type: "x-acme", Raw: jsontext.Value(`{"type":"x-acme"}`)}
	if _, err := o.Typed(); !errors.Is(err, ErrCustomType) {
		t.Errorf("Typed(custom) = %v", err)
	}
	o = mutated(t, "indicator", set("name", "5"))
	if _, err := o.Typed(); err == nil || !strings.Contains(err.Error(), o.ID) {
		t.Errorf("Typed(bad name) = %v", err)
	}
}
