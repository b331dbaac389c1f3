package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	for _, tc := range []struct {
		data string
		mode os.FileMode
	}{{"first", 0o600}, {"second, longer", 0o644}} {
		if err := Replace(path, []byte(tc.data), tc.mode); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != tc.data {
			t.Fatalf("read %q, %v; want %q", got, err, tc.data)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != tc.mode {
			t.Errorf("mode %04o, want %04o", st.Mode().Perm(), tc.mode)
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("%d files left in the folder, want 1", len(es))
	}
	if err := Replace(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Error("replacing a file in a missing folder succeeded")
	}
}

func TestCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	if err := Create(path, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Create(path, []byte("other"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("creating over an existing file: %v, want ErrExist", err)
	}
	got, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(got) != "s3cret" || st.Mode().Perm() != 0o600 {
		t.Errorf("file %q mode %04o", got, st.Mode().Perm())
	}
}
