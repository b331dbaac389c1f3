package node

// Check refuses worker settings that cannot run: no NATS server to
// connect to, fewer than one worker, a replica count NATS does not keep,
// or a report interval that is not positive. Its errors are ConfigErrors
// named after the flags of "rampart worker".
func (c *WorkConfig) Check() error {
	if c.Bus.URL == "" {
		return configErrorf("worker needs --nats URL (or $RAMPART_NATS): the NATS server of the node's serve processes")
	}
	if err := c.Bus.check(1); err != nil {
		return err
	}
	if c.ReportEvery <= 0 {
		return configErrorf("--report %s: give a positive duration", c.ReportEvery)
	}
	return nil
}
