package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var keysUsage = helpText("keys-usage.txt")

func (m *Main) runKeys(ctx context.Context, args []string) error {
	sub, args, err := m.Subcommand(args, keysUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "generate":
		return m.runKeysGenerate(args)
	case "sign":
		return m.runKeysSign(args)
	}
	return m.UnknownSubcommand("keys", sub, "generate or sign")
}

func (m *Main) runKeysGenerate(args []string) error {
	fs := cli.NewFlagSet("keys generate", keysUsage)
	profile, org := fs.String("profile", string(trust.EUPQBase), ""), fs.String("org", "", "")
	out := outputFlag(fs)
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		m.Errorf("keys generate needs -o FILE and no arguments")
		m.Hintf("rampart keys generate --org identity--UUID -o node.key")
		return cli.ErrUsage
	}
	p, err := trust.ParseProfile(*profile)
	if err != nil {
		return m.Usagef("%v", err)
	}
	k, err := node.GenerateKeyFiles(p, *org, *out)
	if err != nil {
		return err
	}
	return k.WriteText(m.Stdout)
}

func (m *Main) runKeysSign(args []string) error {
	fs := cli.NewFlagSet("keys sign", keysUsage)
	req := node.SignRequest{}
	fs.StringVar(&req.KeyFile, "key", "", "")
	to, registry := fs.String("to", "", ""), fs.String("registry", "", "")
	out := outputFlag(fs)
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	}
	if req.KeyFile == "" || fs.NArg() != 1 {
		return m.Usagef("keys sign needs --key FILE and one INPUT")
	}
	var recipients []string // nil without --to
	if *to != "" {
		recipients = append([]string{}, node.SplitList(*to)...)
	}
	if err := req.Address(*registry, recipients); err != nil {
		return m.usageOf(err)
	}
	req.Input, req.Output = fs.Arg(0), *out
	r, err := node.SignFile(req)
	if errors.Is(err, trust.ErrKeyNotValid) {
		return fmt.Errorf("%v: give the object a later modified time, or ask the registry authority for an earlier --valid-from", err)
	} else if err != nil {
		return err
	}
	if w := r.Warning(); w != "" {
		m.Warnf("%s", w)
	}
	if *out != "" {
		fmt.Fprintf(m.Stderr, "rampart: signed %d objects into %s\n", len(r.File.Objects), *out)
		return nil
	}
	data, err := r.File.Marshal()
	if err == nil {
		_, err = m.Stdout.Write(data)
	}
	return err
}

// outputFlag registers -o and its long form --output, one value.
func outputFlag(fs *flag.FlagSet) *string {
	out := fs.String("o", "", "")
	fs.StringVar(out, "output", "", "")
	return out
}
