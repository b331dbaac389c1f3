package trust

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"testing"
)

// referencePayload is the signing payload computed the slow, obvious way:
// decode, delete the member, drop an empty "extensions", canonicalise.
func referencePayload(raw []byte) ([]byte, bool, error) {
	var m map[string]jsontext.Value
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, err
	}
	found := false
	if e, ok := m["extensions"]; ok && e.Kind() == '{' {
		var exts map[string]jsontext.Value
		if err := json.Unmarshal(e, &exts); err != nil {
			return nil, false, err
		}
		if _, ok := exts[ExtensionID]; ok {
			found = true
			delete(exts, ExtensionID)
			if len(exts) == 0 {
				delete(m, "extensions")
			} else {
				m["extensions"], _ = json.Marshal(exts)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, false, err
	}
	v := jsontext.Value(out)
	if err := v.Canonicalize(); err != nil {
		return nil, false, err
	}
	return v, found, nil
}

func TestSplitSignature(t *testing.T) {
	sig := `{"extension_type":"property-extension","signatures":[]}`
	other := `"extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa":{"k":1}`
	for _, in := range []string{
		`{"a":1}`,
		`{"a":1,"extensions":{"` + ExtensionID + `":` + sig + `}}`,
		`{"extensions":{"` + ExtensionID + `":` + sig + `},"a":1}`,
		`{"extensions":{"` + ExtensionID + `":` + sig + `}}`,
		`{"a":1,"extensions":{"` + ExtensionID + `":` + sig + `,` + other + `},"b":2}`,
		`{"a":1,"extensions":{` + other + `,"` + ExtensionID + `":` + sig + `},"b":2}`,
		`{"a":1,"extensions":{` + other + `,"` + ExtensionID + `":` + sig + `,"x-y":{}},"b":2}`,
		"{ \"a\" : 1 ,\n \"extensions\" : { \"" + ExtensionID + "\" : " + sig + " , " + other + " } , \"b\":2 }",
		"{\t\"extensions\"\t:\t{\t\"" + ExtensionID + "\"\t:\t" + sig + "\t}\t}",
		`{"a":"extensions","extensions":{}}`,
		`{"extensions":[1],"a":{"extensions":{"` + ExtensionID + `":1}}}`,
		`{"b":"\u0065xtensions","extensions":{"` + ExtensionID + `":` + sig + `}}`,
	} {
		got, ext, err := splitSignature(jsontext.Value(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		want, found, _ := referencePayload([]byte(in))
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
		if found != (ext != nil) {
			t.Errorf("%s: extension found = %v, want %v", in, ext != nil, found)
		}
		if ext != nil && !bytes.Equal(bytes.TrimSpace(ext), []byte(sig)) {
			t.Errorf("%s: ext = %s", in, ext)
		}
	}
}

func FuzzSplitSignature(f *testing.F) {
	f.Add([]byte(`{"a":1,"extensions":{"` + ExtensionID + `":{"x":[1,2]},"e":{}},"b":2}`))
	f.Add([]byte(`{"extensions":{"` + ExtensionID + `":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, found, err := referencePayload(data)
		if err != nil {
			return
		}
		got, ext, err := splitSignature(jsontext.Value(data))
		if err != nil {
			t.Fatalf("reference accepts, split fails: %v", err)
		}
		if !bytes.Equal(got, want) || found != (ext != nil) {
			t.Fatalf("input %s\n got %s\nwant %s", data, got, want)
		}
	})
}
