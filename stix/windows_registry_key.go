package stix

import (
	"encoding/json/jsontext"
	"strings"
)

// WindowsRegistryKey is a Windows registry key (§6.17).
type WindowsRegistryKey struct {
	ObservableProperties
	Key             string                    `json:"key,omitempty"`
	Values          []WindowsRegistryValue    `json:"values,omitempty"`
	ModifiedTime    Timestamp                 `json:"modified_time,omitzero"`
	CreatorUserRef  string                    `json:"creator_user_ref,omitempty"`
	NumberOfSubkeys *int64                    `json:"number_of_subkeys,omitempty"`
	Extensions      Extensions                `json:"extensions,omitempty"`
	Custom          map[string]jsontext.Value `json:",embed"`
}

// WindowsRegistryValue is a value of a registry key (§6.17.2). An empty
// Name is the key's default value.
type WindowsRegistryValue struct {
	Name     string                    `json:"name"`
	Data     string                    `json:"data,omitempty"`
	DataType string                    `json:"data_type,omitempty"`
	Custom   map[string]jsontext.Value `json:",embed"`
}

var windowsRegistryKeyProps = map[string]*prop{
	"key": str().with(checkRegistryHive),
	"values": listOf(object(extSpec(map[string]*prop{
		"name":      str(),
		"data":      str(),
		"data_type": enum(windowsRegistryDatatypeEnum...),
	}, nil, atLeastOneOf("a registry value", "name", "data", "data_type")))),
	"modified_time":     timestamp(),
	"creator_user_ref":  ref("user-account"),
	"number_of_subkeys": integer(),
}

var windowsRegistryKeySpec = scoSpec(windowsRegistryKeyProps, nil, nil,
	atLeastOneOf("a windows-registry-key", sortedKeys(windowsRegistryKeyProps)...))

// checkRegistryHive applies §6.17.1: "The hive portion of the key MUST be
// fully expanded and not truncated; e.g., HKEY_LOCAL_MACHINE must be used
// instead of HKLM."
func checkRegistryHive(c *checker, n *node, path string) {
	if n.kind != '"' {
		return
	}
	hive, _, _ := strings.Cut(n.str, "\\")
	switch strings.ToUpper(hive) {
	case "HKLM", "HKCU", "HKCR", "HKU", "HKCC", "HKPD", "HKDD":
		c.fail(path, "must name the hive in full, like HKEY_LOCAL_MACHINE, not %q (got %q)", hive, truncate(n.str))
	}
}
