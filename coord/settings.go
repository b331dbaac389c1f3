package coord

import (
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rampart-cti/rampart/stix"
)

// SettingsFile is the name of a node's coordination settings in its data
// directory.
const SettingsFile = "coordination.json"

// MaxSettingsBytes is the largest settings file read.
const MaxSettingsBytes = 64 << 20

// Settings are a node's coordination settings: the early-warning rules,
// the webhooks alerts go to, and the member state's watchlists. They hold
// secrets (webhook keys) and what the member state watches, so the file is
// readable by its owner only and never leaves the node.
type Settings struct {
	// Collection is the coordination collection (id or alias in the API
	// root "cti"; the node's default collection when empty): where
	// incidents, alerts and statements are written.
	Collection string `json:"collection,omitempty"`
	// Organization and MemberState are the node's organisation (identity
	// id) and member state, used when no Key is given.
	Organization string `json:"organization,omitempty"`
	MemberState  string `json:"member_state,omitempty"`
	// Key is the node's key file ("rampart keys generate"), relative to the
	// data directory: what the node writes is signed with it, so that
	// federation peers accept it. Registry is the trust registry file,
	// which places member organisations in their countries and counts
	// statements' endorsements.
	Key      string `json:"key,omitempty"`
	Registry string `json:"registry,omitempty"`

	Rules      Rules        `json:"rules"`
	Webhooks   []Webhook    `json:"webhooks,omitempty"`
	Watchlists []*Watchlist `json:"watchlists,omitempty"`
}

// Validate checks every part of the settings.
func (s *Settings) Validate() error {
	if s.Organization != "" {
		if typ, _, err := stix.ParseID(s.Organization); err != nil || typ != "identity" {
			return fmt.Errorf("organization must be an identity id (got %q)", s.Organization)
		}
	}
	if s.MemberState != "" && !validCountry(s.MemberState) {
		return fmt.Errorf("member_state must be an ISO 3166-1 alpha-2 code in upper case (got %q)", s.MemberState)
	}
	if err := s.Rules.Validate(); err != nil {
		return err
	}
	for _, h := range s.Webhooks {
		if err := h.Validate(); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for _, wl := range s.Watchlists {
		if wl == nil {
			return errors.New("watchlists must not hold null")
		}
		if err := wl.Validate(); err != nil {
			return err
		}
		if names[wl.Name] {
			return fmt.Errorf("watchlist %q is listed twice", wl.Name)
		}
		names[wl.Name] = true
	}
	return nil
}

// ReadSettings reads a settings file; a missing file gives the default
// settings. Errors name the file and the bad member. It refuses a file
// that others than its owner may read or write (mode bits 0077), as for a
// private key: the file holds the webhook secrets and what the member state
// watches, and whoever can change it decides where alerts go.
func ReadSettings(path string) (*Settings, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Settings{Rules: DefaultRules()}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("settings %s: permissions %04o let others read the webhook secrets and watchlists or change where alerts go; run chmod 600 %q", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSettingsBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSettingsBytes {
		return nil, fmt.Errorf("settings %s: larger than MaxSettingsBytes (%d)", path, MaxSettingsBytes)
	}
	s := &Settings{}
	if err := json.Unmarshal(data, s, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("settings %s: %v", path, err)
	}
	s.Rules = s.Rules.withDefaults()
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("settings %s: %v", path, err)
	}
	return s, nil
}

// WriteSettings validates s and replaces the file atomically, readable by
// its owner only.
func WriteSettings(path string, s *Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(s, json.Deterministic(true))
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".coordination-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
