package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var workerUsage = helpText("worker-usage.txt")

func (m *Main) runWorker(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("worker", workerUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	c := node.WorkConfig{Bus: node.BusConfig{URL: m.Getenv("RAMPART_NATS")}}
	fs.StringVar(&c.Bus.URL, "nats", c.Bus.URL, "")
	fs.IntVar(&c.Bus.Workers, "workers", 1, "")
	fs.IntVar(&c.Bus.Replicas, "nats-replicas", 1, "")
	fs.StringVar(&c.Sightings, "sightings", node.DefaultCollection, "")
	fs.DurationVar(&c.ReportEvery, "report", 30*time.Second, "")
	logFormat, logLevel := fs.String("log-format", "auto", ""), fs.String("log-level", "info", "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	if err := c.Check(); err != nil {
		return m.configError(err)
	}
	logger, err := m.newLogger(*logFormat, *logLevel)
	if err != nil {
		return m.Usagef("%v", err)
	}
	cfg := sf.config()
	cfg.Logger, cfg.Notices = logger, m.Stderr
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
