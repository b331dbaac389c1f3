package main

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/trust"
)

// TestMain lets testscript run "rampart" as a command inside the scripts in
// testdata/script: exec rampart … runs this binary's main.
func TestMain(m *testing.M) {
	testscript.Main(pgtestMain{m}, map[string]func(){
		"rampart": func() {
			m := NewMain()
			err := m.Run(context.Background(), os.Args[1:])
			if cerr := m.Close(); err == nil {
				err = cerr
			}
			os.Exit(m.ExitCode(err))
		},
	})
}

// pgtestMain runs the tests through pgtest.Main, which stops the PostgreSQL
// server the tests started, whatever their outcome.
type pgtestMain struct{ m *testing.M }

func (p pgtestMain) Run() int { return pgtest.Main(p.m) }

// TestScript runs the CLI behaviour tests in testdata/script/*.txtar: exit
// status, stdout and stderr of real invocations.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("GOTOOLCHAIN", "go1.27.3")
			attack, err := filepath.Abs("../../testdata/attack/enterprise-attack.json.gz")
			env.Setenv("ATTACK", attack)
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// fingerprint REGISTRY VAR sets $VAR to the registry's
			// authority fingerprint, as one would obtain it out of band.
			"fingerprint": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: fingerprint REGISTRY VAR")
				}
				doc, err := trust.ParseRegistryDocument([]byte(ts.ReadFile(args[0])))
				ts.Check(err)
				ts.Setenv(args[1], doc.AuthorityFingerprint())
			},
			// gzip FILE writes FILE.gz.
			"gzip": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: gzip FILE")
				}
				data, err := os.ReadFile(ts.MkAbs(args[0]))
				ts.Check(err)
				f, err := os.Create(ts.MkAbs(args[0] + ".gz"))
				ts.Check(err)
				zw := gzip.NewWriter(f)
				_, err = zw.Write(data)
				ts.Check(err)
				ts.Check(zw.Close())
				ts.Check(f.Close())
			},
		},
	})
}
