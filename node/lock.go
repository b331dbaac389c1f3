package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFile is the file a serving process locks in its data directory.
const lockFile = "serve.lock"

// lockDataDir takes the data directory's lock for a serving process, so
// that two "rampart serve" never run on one directory (they would both
// bind its node link, write its registry file and seal its outbox). The
// lock is released when the file is closed, or the process ends, however
// it ends.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		k, _ := f.ReadAt(b, 0)
		f.Close()
		pid := strings.TrimSpace(string(b[:k]))
		if _, err := strconv.Atoi(pid); err != nil {
			pid = "unknown"
		}
		return nil, fmt.Errorf("data directory %q is in use by another \"rampart serve\" (process %s): stop it first, or give another --data", dir, pid)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}
