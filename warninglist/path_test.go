package warninglist

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestReadPath(t *testing.T) {
	const lists = "../testdata/warninglists/lists"
	dns := filepath.Join(lists, "public-dns-v4", "list.json")
	one, errs := ReadPath(dns)
	if len(one) != 1 || len(errs) != 0 || one[0].ID != "public-dns-v4" {
		t.Errorf("file: %d lists, errors %v; want public-dns-v4", len(one), errs)
	}
	all, errs := ReadPath(lists)
	if len(all) < 2 || len(errs) != 0 {
		t.Errorf("directory: %d lists, errors %v; want several", len(all), errs)
	}
	none, errs := ReadPath(filepath.Join(t.TempDir(), "nosuch"))
	var le *ListError
	if len(none) != 0 || len(errs) != 1 || !errors.As(errs[0], &le) {
		t.Errorf("missing path: %d lists, errors %v; want one ListError", len(none), errs)
	}
}
