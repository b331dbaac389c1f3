package main

import (
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"
	"os"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

var logUsage = helpText("log-usage.txt")

type logFlags struct {
	store                           storeFlags
	object, id, hash, consistency   string
	inclusion, head, registry, keys string
	fingerprint                     string
	unpinned                        bool
}

func (f *logFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	switch fs.Name() {
	case "log head":
		f.store.register(fs, getenv)
	case "log proof":
		f.store.register(fs, getenv)
		fs.StringVar(&f.object, "object", "", "")
		fs.StringVar(&f.id, "id", "", "")
		fs.StringVar(&f.hash, "hash", "", "")
		fs.StringVar(&f.consistency, "consistency", "", "")
	case "log verify":
		fs.StringVar(&f.inclusion, "inclusion", "", "")
		fs.StringVar(&f.object, "object", "", "")
		fs.StringVar(&f.head, "head", "", "")
		fs.StringVar(&f.consistency, "consistency", "", "")
		fs.StringVar(&f.registry, "registry", "", "")
		fs.StringVar(&f.fingerprint, "registry-fingerprint", "", "")
		fs.BoolVar(&f.unpinned, "insecure-unpinned", false, "")
		fs.StringVar(&f.keys, "keys", "", "")
	}
}

var logCommands = subcommands{cmd: "log", usage: logUsage, names: "head, proof or verify", args: map[string]arity{
	"head": exactly(0, "no arguments"), "proof": exactly(0, "no arguments"), "verify": exactly(0, "no arguments"),
}}

func (m *Main) runLog(ctx context.Context, args []string) error {
	var f logFlags
	sub, _, _, err := m.parseSubcommand(logCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "verify" {
		return m.verifyLog(&f)
	}
	given := 0
	for _, s := range []string{f.object, f.id, f.hash, f.consistency} {
		if s != "" {
			given++
		}
	}
	if sub == "proof" && given != 1 {
		return m.usagef("log proof: give one of --object FILE, --id ID, --hash LEAF_HASH or --consistency HEAD_FILE")
	}
	var leaf translog.Hash
	var from *translog.SignedHead
	switch {
	case f.object != "":
		doc, err := os.ReadFile(f.object)
		if err != nil {
			return err
		}
		if leaf, err = translog.EntryHash(doc); err != nil {
			return fmt.Errorf("--object %s: %v", f.object, err)
		}
	case f.hash != "":
		if leaf, err = translog.ParseHash(f.hash); err != nil {
			return m.usagef("--hash: %v", err)
		}
	case f.consistency != "":
		if from, err = readHead(f.consistency); err != nil {
			return err
		}
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	var out any
	switch {
	case sub == "head":
		out, err = n.Log.SignedHead(ctx)
	case from != nil:
		out, err = n.LogConsistency(ctx, from)
	default:
		if f.id != "" {
			if leaf, err = n.LogLeafOf(ctx, f.id); err != nil {
				return err
			}
		}
		var p *translog.InclusionProof
		p, _, err = n.LogInclusion(ctx, leaf)
		out = p
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(out, json.Deterministic(true))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\n", b)
	return nil
}

// verifyLog is "log verify": offline, from files only.
func (m *Main) verifyLog(f *logFlags) error {
	if (f.inclusion == "") == (f.consistency == "") {
		return m.usagef("log verify: give --inclusion FILE --object FILE, or --consistency FILE")
	}
	if f.inclusion != "" && f.object == "" {
		return m.usagef("log verify --inclusion: give the object the proof is for with --object FILE")
	}
	if (f.registry == "") == (f.keys == "") {
		return m.usagef("log verify: give what to check signatures with: --registry FILE (with --registry-fingerprint FP) or --keys FILE.pub")
	}
	var v *trust.Verifier
	if f.registry != "" {
		reg, err := m.readPinnedRegistry(f.registry, f.fingerprint, f.unpinned)
		if err != nil {
			return err
		}
		v = trust.NewVerifier(reg, trust.DefaultPolicy())
	} else {
		data, err := os.ReadFile(f.keys)
		if err != nil {
			return err
		}
		ks, err := trust.ParseKeySet(data)
		if err != nil {
			return fmt.Errorf("--keys %s: %v", f.keys, err)
		}
		if v, err = node.PublicKeysVerifier(ks, ks.Organization, ks.Organization); err != nil {
			return fmt.Errorf("--keys %s: %v", f.keys, err)
		}
	}
	if f.consistency != "" {
		var p translog.ConsistencyProof
		if err := readJSONFile(f.consistency, &p); err != nil {
			return err
		}
		if err := translog.CheckConsistency(v, &p); err != nil {
			return fmt.Errorf("%s: %v", f.consistency, err)
		}
		fmt.Fprintf(m.Stdout, "consistent: the log of %s at size %d (signed %s) is a prefix of the log at size %d (signed %s)\n",
			p.FirstHead.Origin, p.First, p.FirstHead.Timestamp.UTC().Format("2006-01-02T15:04:05Z"), p.Second, p.SecondHead.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))
		return nil
	}
	var p translog.InclusionProof
	if err := readJSONFile(f.inclusion, &p); err != nil {
		return err
	}
	head := p.Head
	if f.head != "" {
		h, err := readHead(f.head)
		if err != nil {
			return err
		}
		head = h
	}
	doc, err := os.ReadFile(f.object)
	if err != nil {
		return err
	}
	if _, err := translog.CheckInclusion(v, head, &p, doc); err != nil {
		return fmt.Errorf("%s: %v", f.inclusion, err)
	}
	fmt.Fprintf(m.Stdout, "included: %s is entry %d of the log of %s at size %d (head signed %s)\n",
		f.object, p.LeafIndex, head.Origin, head.Size, head.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))
	return nil
}

// readHead reads a signed tree head file.
func readHead(path string) (*translog.SignedHead, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := translog.ParseSignedHead(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return h, nil
}

// readJSONFile decodes a JSON file into v, naming the file on error.
func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
