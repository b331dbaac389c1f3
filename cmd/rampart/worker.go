package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/node"
)

var workerUsage = helpText("worker-usage.txt")

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
	if _, err := m.parseArgs(fs, args, exactly(0, "flags only")); err != nil {
		return err
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
