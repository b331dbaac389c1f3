package bench

// Output of the attacks: what each measured goes to Stdout, one line per
// measure; the serving node's log goes to Stderr.

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Attack starts "rampart serve" (a fresh node in a temporary directory, on
// loopback) as a child process, attacks it and prints what the node did.
// Each field is used by the attacks its comment names. Linux only (/proc).
type Attack struct {
	// Name is the attack: one of AttackNames.
	Name string
	// Binary is the rampart binary to attack (default: the running one).
	Binary string

	Clients    int           // slow readers (slow-readers)
	Objects    int           // objects stored and asked for in one page (slow-readers)
	ObjectSize int64         // size of each object (slow-readers)
	Hold       time.Duration // how long the slow readers stay (slow-readers)

	Idle     int // idle connections from 127.0.0.1 (idle-links)
	Hosts    int // idle connections also come from 127.0.0.2 to 127.0.0.Hosts (idle-links)
	Attempts int // connections of the registered peer, one a second (idle-links)

	Declared int64 // declared body size (early-refusal)
	Repeat   int   // requests of each kind (early-refusal)

	Writers     int           // clients POSTing at once (writers)
	Readers     int           // clients reading pages meanwhile (writers)
	PostObjects int           // new indicators per POST (writers)
	Duration    time.Duration // how long the clients POST (writers)

	Stdout io.Writer // results
	Stderr io.Writer // the node's log
}

// AttackNames returns the names of the attacks, in the order the usage
// text describes them.
func AttackNames() []string {
	return []string{"slow-readers", "idle-links", "early-refusal", "slow-body", "writers"}
}

// Validate reports parameters out of range, and a Binary that does not
// exist, naming their flags.
func (b *Attack) Validate() error {
	if b.Hosts < 1 || b.Hosts > 8 {
		return fmt.Errorf("--hosts must be from 1 to 8 (127.0.0.9 is the peer's), got %d", b.Hosts)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"clients", b.Clients}, {"objects", b.Objects}, {"idle", b.Idle}, {"attempts", b.Attempts}, {"repeat", b.Repeat},
		{"writers", b.Writers}, {"post-objects", b.PostObjects}} {
		if f.v < 1 {
			return fmt.Errorf("--%s must be at least 1 (got %d)", f.name, f.v)
		}
	}
	if b.Readers < 0 {
		return fmt.Errorf("--readers must not be negative (got %d)", b.Readers)
	}
	if b.Binary != "" {
		if _, err := os.Stat(b.Binary); err != nil {
			return fmt.Errorf("--serve: %v", err)
		}
	}
	if b.Name == "writers" && b.Duration <= 0 {
		return fmt.Errorf("--duration must be positive (got %s)", b.Duration)
	}
	return nil
}

// attacker runs one attack against a "rampart serve" of binary, on a
// node in dir.
type attacker struct {
	*Attack
	binary string
	dir    string
}

// Run runs the attack Name. It returns an error when the attack could not
// be run, and when the node did not hold the line the attack checks (a
// peer that could not connect, a request not refused in time, a POST p99
// of a second or more).
func (b *Attack) Run(ctx context.Context) error {
	a := &attacker{Attack: b, binary: b.Binary}
	if a.binary == "" {
		var err error
		if a.binary, err = os.Executable(); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "rampart-attack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	a.dir = dir
	switch b.Name {
	case "slow-readers":
		return a.slowReaders(ctx)
	case "idle-links":
		return a.idleLinks(ctx)
	case "early-refusal":
		return a.earlyRefusal(ctx)
	case "writers":
		return a.writers(ctx)
	case "slow-body":
		return a.slowBody(ctx)
	}
	return fmt.Errorf("unknown attack %q", b.Name)
}
