package pattern

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValues(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		want    []NamedValue
	}{
		{"[ipv4-addr:value = '10.0.0.1']", []NamedValue{{"ipv4-addr", "value", "10.0.0.1"}}},
		{`[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/it\'s']`,
			[]NamedValue{{"domain-name", "value", "a.example"}, {"url", "value", "http://b.example/it's"}}},
		{"([autonomous-system:number = 64500] AND [x-custom:a_b = 'c']) WITHIN 60 SECONDS",
			[]NamedValue{{"autonomous-system", "number", "64500"}, {"x-custom", "a_b", "c"}}},
		{"[email-message:to_refs[*].value IN ('a@b.example', 'c@d.example')]",
			[]NamedValue{{"email-message", "to_refs[*].value", "a@b.example"}, {"email-message", "to_refs[*].value", "c@d.example"}}},
		{"[network-traffic:dst_ref.value ISSUBSET '192.0.2.0/24' AND network-traffic:dst_port = 443]",
			[]NamedValue{{"network-traffic", "dst_ref.value", "192.0.2.0/24"}, {"network-traffic", "dst_port", "443"}}},
		{"[file:hashes.'SHA-256' = 'ab'] AND [x-y:list[2] = 'z']", []NamedValue{{"file", "hashes.SHA-256", "ab"}, {"x-y", "list[2]", "z"}}},
		{"[domain-name:value != 'gouv.example'] AND [domain-name:value NOT = 'x.example']", nil},
		{"[process:pid > 4] AND [url:value LIKE '%x%'] AND [file:name MATCHES '^a']", nil},
	} {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if diff := cmp.Diff(tt.want, Values(p)); diff != "" {
			t.Errorf("Values(%s) (-want +got):\n%s", tt.pattern, diff)
		}
	}
}

func TestValuesOf(t *testing.T) {
	vs, ok := ValuesOf(`[ipv4-addr:value = '198.51.100.7' OR domain-name:value != 'x.example'] AND [url:value IN ('http://a.example/', 'http://b.example/')]`)
	if !ok || len(vs) != 3 || vs[0] != "198.51.100.7" || vs[1] != "http://a.example/" || vs[2] != "http://b.example/" {
		t.Errorf("ValuesOf: %q %v", vs, ok)
	}
	if _, ok := ValuesOf("[not a pattern"); ok {
		t.Error("ValuesOf read a broken pattern")
	}
}
