package bench

import (
	"os/exec"
	"syscall"
)

// setParentDeath asks the kernel to kill cmd's process when the process
// that started it dies, however it dies: a benchmark killed with SIGKILL
// leaves no node behind. It must be called before cmd starts.
func setParentDeath(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
