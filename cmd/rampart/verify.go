package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var verifyUsage = helpText("verify-usage.txt")

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("verify", verifyUsage)
	regPath, fingerprint := fs.String("registry", "", ""), fs.String("registry-fingerprint", "", "")
	unpinned := fs.Bool("insecure-unpinned", false, "")
	var req node.VerifyRequest
	fs.StringVar(&req.Policy, "policy", "default", "")
	fs.StringVar(&req.KeyFile, "key", "", "")
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if *regPath == "" || fs.NArg() == 0 {
		m.Errorf("verify needs --registry REGISTRY and at least one FILE")
		m.Hintf("rampart verify --registry registry.json --registry-fingerprint SHA256:... bundle.json")
		return cli.ErrUsage
	}
	if *fingerprint != "" && *unpinned {
		return m.Usagef("give --registry-fingerprint or --insecure-unpinned, not both")
	}
	if err := req.Check(); err != nil {
		return m.configError(err)
	}
	reg, err := m.readPinnedRegistry(*regPath, *fingerprint, *unpinned)
	if err != nil {
		return err
	}
	req.Registry, req.Files = reg, fs.Args()
	v, err := node.VerifyFiles(ctx, req)
	if v != nil {
		if err := v.WriteText(m.Stdout); err != nil {
			return err
		}
	}
	switch {
	case err != nil:
		return err
	case v.Refused > 0:
		m.Errorf("%d of %d objects refused", v.Refused, v.Total)
		return cli.ErrReported
	}
	fmt.Fprintf(m.Stdout, "%d objects verified against registry version %d\n", v.Total, v.Version)
	return nil
}
