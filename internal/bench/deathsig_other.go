//go:build !linux

package bench

import "os/exec"

// setParentDeath does nothing off Linux: a child outlives a benchmark
// killed with SIGKILL there.
func setParentDeath(*exec.Cmd) {}
