package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/node"
)

const workerUsage = `Usage:
    rampart worker --nats URL [--workers N] [flags]

worker matches the sensor observations queued on the message bus (NATS
JetStream) against every indicator the node holds, and stores the
sightings, as POST /api/v1/observations does without a bus. Run as many as
the sensors need, on any machine that reaches the node's store and NATS:
each queued batch goes to one worker, and to another when that one dies
before it stored the sightings (which are then stored again as the same
versions, never twice). The matcher follows every indicator stored or
deleted, by any process, within a second.

"rampart serve --bus embedded" prints the URL of its NATS server; serve
processes with --nats share an external one. Sensors may publish to NATS
themselves (subject rampart.observations.<api root>; docs/STREAMING.md).

Progress goes to stderr every --report interval, totals at the end (on
SIGINT or SIGTERM, after the batch in hand is stored).

Flags:
    --nats URL          the NATS server (default $RAMPART_NATS)
    --workers N         batches matched at once in this process (default 1)
    --nats-replicas N   copies of each stream a NATS cluster keeps, when
                        this process creates them (default 1; 3 on a
                        cluster that must survive the loss of a server)
    --sightings REF     the collection (id or alias) of the sightings of
                        batches that name none (default: default)
    --report D          how often progress is printed (default 30s)
    --log-format F, --log-level L
                        as for serve (default: text on a terminal, info)
    --data DIR, --postgres URL
                        the node's store

Examples:
    rampart worker --nats nats://127.0.0.1:4222 --data /var/lib/rampart
    RAMPART_POSTGRES=postgres://rampart@db/rampart rampart worker --nats nats://nats1:4222,nats://nats2:4222 --workers 2
`

func (m *Main) runWorker(ctx context.Context, args []string) error {
	fs := newFlagSet("worker", workerUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	var c node.WorkConfig
	fs.StringVar(&c.Bus.URL, "nats", "", "")
	fs.IntVar(&c.Bus.Workers, "workers", 1, "")
	fs.IntVar(&c.Bus.Replicas, "nats-replicas", 1, "")
	fs.StringVar(&c.Sightings, "sightings", node.DefaultCollection, "")
	fs.DurationVar(&c.ReportEvery, "report", 30*time.Second, "")
	logFormat := fs.String("log-format", "auto", "")
	logLevel := fs.String("log-level", "info", "")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("worker", "flags only", fs.Args())
	}
	if c.Bus.URL == "" {
		c.Bus.URL = m.Getenv("RAMPART_NATS")
	}
	if c.Bus.URL == "" {
		return m.usagef("worker needs --nats URL (or $RAMPART_NATS): the NATS server of the node's serve processes")
	}
	if c.Bus.Workers < 1 {
		return m.usagef("--workers %d: give 1 or more", c.Bus.Workers)
	}
	if c.Bus.Replicas < 1 || c.Bus.Replicas > 5 {
		return m.usagef("--nats-replicas %d: NATS keeps 1 to 5 copies of a stream", c.Bus.Replicas)
	}
	if c.ReportEvery <= 0 {
		return m.usagef("--report %s: give a positive duration", c.ReportEvery)
	}
	logger, err := m.newLogger(*logFormat, *logLevel)
	if err != nil {
		return m.usagef("%v", err)
	}
	cfg := sf.config()
	cfg.Logger = logger
	cfg.Notices = m.Stderr
	n, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	c.Report = func(st node.WorkerStats) {
		fmt.Fprintf(m.Stderr, "rampart: worker: %d batches, %d records (%d malformed), %d sightings, %d batches dropped in %s\n",
			st.Batches, st.Records, st.Malformed, st.Sightings, st.Dropped, time.Since(start).Round(time.Second))
	}
	return n.Work(ctx, c)
}
