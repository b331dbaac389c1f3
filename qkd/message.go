package qkd

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Status is the KME's answer to "Get status" (ETSI GS QKD 014 §6.1): what
// it can deliver for one pair of SAEs.
type Status struct {
	SourceKMEID      string `json:"source_KME_ID"`
	TargetKMEID      string `json:"target_KME_ID"`
	MasterSAEID      string `json:"master_SAE_ID"`
	SlaveSAEID       string `json:"slave_SAE_ID"`
	KeySize          int    `json:"key_size"` // bits, the default size
	StoredKeyCount   int    `json:"stored_key_count"`
	MaxKeyCount      int    `json:"max_key_count"`
	MaxKeyPerRequest int    `json:"max_key_per_request"`
	MaxKeySize       int    `json:"max_key_size"` // bits
	MinKeySize       int    `json:"min_key_size"` // bits
	MaxSAEIDCount    int    `json:"max_SAE_ID_count"`
	StatusExtension  any    `json:"status_extension,omitempty"`
}

// KeyRequest is the body of "Get key" by POST (§6.2): how many keys of
// which size, for which further slave SAEs.
type KeyRequest struct {
	Number                int      `json:"number,omitempty"`
	Size                  int      `json:"size,omitempty"` // bits
	AdditionalSlaveSAEIDs []string `json:"additional_slave_SAE_IDs,omitempty"`
	ExtensionMandatory    []any    `json:"extension_mandatory,omitempty"`
	ExtensionOptional     []any    `json:"extension_optional,omitempty"`
}

// KeyIDs is the body of "Get key with key IDs" by POST (§6.4).
type KeyIDs struct {
	KeyIDs          []KeyID `json:"key_IDs"`
	KeyIDsExtension any     `json:"key_IDs_extension,omitempty"`
}

// KeyID names one key (§6.4).
type KeyID struct {
	KeyID          string `json:"key_ID"`
	KeyIDExtension any    `json:"key_ID_extension,omitempty"`
}

// KeyContainer is what "Get key" and "Get key with key IDs" answer
// (§6.3).
type KeyContainer struct {
	Keys                  []KeyAndID `json:"keys"`
	KeyContainerExtension any        `json:"key_container_extension,omitempty"`
}

// KeyAndID is one key on the wire: its id and its material in base64.
type KeyAndID struct {
	KeyID          string `json:"key_ID"`
	KeyIDExtension any    `json:"key_ID_extension,omitempty"`
	Key            string `json:"key"`
	KeyExtension   any    `json:"key_extension,omitempty"`
}

// ErrorBody is the body of an error answer (§6.5).
type ErrorBody struct {
	Message string           `json:"message"`
	Details []map[string]any `json:"details,omitempty"`
}

// Key is one key delivered by a KME.
type Key struct {
	ID       string
	Material []byte
}

// Zero overwrites the key's material.
func (k *Key) Zero() {
	clear(k.Material)
	k.Material = nil
}

// Zero overwrites the material of every key.
func Zero(keys []Key) {
	for i := range keys {
		keys[i].Zero()
	}
}

// decode turns a key container into keys, checking each: an id, material
// in base64, of size bits when size is not 0.
func (c *KeyContainer) decode(size int) ([]Key, error) {
	keys := make([]Key, 0, len(c.Keys))
	for i, k := range c.Keys {
		if strings.TrimSpace(k.KeyID) == "" {
			Zero(keys)
			return nil, fmt.Errorf("keys[%d]: no key_ID", i)
		}
		m, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil {
			Zero(keys)
			return nil, fmt.Errorf("keys[%d] (key_ID %s): key is not base64: %v", i, k.KeyID, err)
		}
		if size != 0 && len(m)*8 != size {
			clear(m)
			Zero(keys)
			return nil, fmt.Errorf("keys[%d] (key_ID %s): %d bits, asked for %d", i, k.KeyID, len(m)*8, size)
		}
		keys = append(keys, Key{ID: k.KeyID, Material: m})
	}
	return keys, nil
}
