package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

// Names of the node's own settings.
const (
	settingIdentity    = "node.identity"
	settingRegistry    = "node.registry"
	settingFingerprint = "node.registry_fingerprint"
)

// loadTrust reads the node's keys and registry: the files the
// configuration names, or those recorded in its settings; and records
// those given when the configuration says so.
func (n *Node) loadTrust(ctx context.Context) error {
	idPath, err := n.stringSetting(ctx, settingIdentity, n.Config.IdentityFile)
	if err != nil {
		return err
	}
	regPath, err := n.stringSetting(ctx, settingRegistry, n.Config.RegistryFile)
	if err != nil {
		return err
	}
	fp, err := n.stringSetting(ctx, settingFingerprint, n.Config.RegistryFingerprint)
	if err != nil {
		return err
	}
	if idPath != "" {
		if n.Identity, err = trust.ReadIdentityFile(idPath); err != nil {
			return fmt.Errorf("the node's keys: %w", err)
		}
	}
	if regPath != "" {
		data, err := os.ReadFile(regPath)
		if err != nil {
			return fmt.Errorf("the trust registry: %w", err)
		}
		var reg *trust.Registry
		if fp != "" {
			reg, err = trust.TrustRegistry(data, fp)
		} else {
			reg, err = trust.ParseRegistry(data)
		}
		if err != nil {
			return fmt.Errorf("the trust registry %q: %w", regPath, err)
		}
		n.Verifier = trust.NewVerifier(reg, trust.DefaultPolicy())
	}
	if !n.Config.Record {
		return nil
	}
	for _, s := range []struct{ name, value string }{
		{settingIdentity, n.Config.IdentityFile}, {settingRegistry, n.Config.RegistryFile}, {settingFingerprint, n.Config.RegistryFingerprint},
	} {
		if s.value == "" {
			continue
		}
		v := s.value
		if s.name != settingFingerprint {
			if v, err = filepath.Abs(v); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(v)
		if _, err := n.Settings.SetSetting(ctx, s.name, b, -1); err != nil {
			return fmt.Errorf("record %s: %w", s.name, err)
		}
	}
	return n.recordOwnOrganization(ctx)
}

// stringSetting returns given, or the string recorded under name.
func (n *Node) stringSetting(ctx context.Context, name, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	s, err := n.Settings.FindSetting(ctx, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var v string
	if err := json.Unmarshal(s.Value, &v); err != nil {
		return "", fmt.Errorf("setting %s: %v", name, err)
	}
	return v, nil
}

// recordOwnOrganization records the organisation of the node's keys as
// its own, named as the registry names it, when it is not recorded yet.
func (n *Node) recordOwnOrganization(ctx context.Context) error {
	if n.Identity == nil {
		return nil
	}
	id := n.Identity.Organization()
	orgs, err := n.Organizations.FindOrganizations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		switch {
		case o.ID == id && o.Relation == rampart.RelationOwn:
			return nil
		case o.Relation == rampart.RelationOwn:
			return rampart.Errorf(rampart.ECONFLICT, "the node's keys are %s's, but the node's organisation is %s (%s): use the keys of %s, or another data directory", id, o.Name, o.ID, o.Name)
		case o.ID == id:
			return rampart.Errorf(rampart.ECONFLICT, "the node's keys are those of %s, which this node records as a %s", o.Name, o.Relation)
		}
	}
	o := &rampart.Organization{ID: id, Name: "this node's organisation", Relation: rampart.RelationOwn}
	if n.Verifier != nil {
		if r := n.Verifier.Registry().Organization(id); r != nil {
			o.Name, o.Country = r.Name, r.Country
		}
	}
	return n.Organizations.CreateOrganization(ctx, o)
}

// Registry returns the trust registry the node trusts, nil without one.
func (n *Node) Registry() *trust.Registry {
	if n.Verifier == nil {
		return nil
	}
	return n.Verifier.Registry()
}
