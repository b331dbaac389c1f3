package node

import (
	"strings"
	"testing"
	"time"
)

func TestWorkConfigCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*WorkConfig)
		want string // "" for no error
	}{
		{"whole", func(c *WorkConfig) {}, ""},
		{"no NATS server", func(c *WorkConfig) { c.Bus.URL = "" }, "worker needs --nats URL"},
		{"no worker", func(c *WorkConfig) { c.Bus.Workers = 0 }, "--workers 0: give 1 or more"},
		{"too many replicas", func(c *WorkConfig) { c.Bus.Replicas = 7 }, "--nats-replicas 7: NATS keeps 1 to 5 copies"},
		{"no replica", func(c *WorkConfig) { c.Bus.Replicas = 0 }, "--nats-replicas 0"},
		{"report never", func(c *WorkConfig) { c.ReportEvery = 0 }, "--report 0s: give a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := WorkConfig{Bus: BusConfig{URL: "nats://127.0.0.1:4222", Workers: 1, Replicas: 1}, ReportEvery: time.Second}
			tt.edit(&c)
			err := c.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check() = %v; want nil", err)
				}
				return
			}
			if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Msg, tt.want) {
				t.Fatalf("Check() = %#v; want a ConfigError with %q", err, tt.want)
			}
		})
	}
}
