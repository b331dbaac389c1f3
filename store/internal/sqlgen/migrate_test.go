package sqlgen

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestMigrate(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte("B")},
		"migrations/0001_a.sql": {Data: []byte("A")},
		"migrations/README":     {Data: []byte("not a migration")},
		"0000_outside.sql":      {Data: []byte("not a migration either")},
	}
	var got []string
	err := Migrate(fsys, func(name, text string) error {
		got = append(got, name+"="+text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"0001_a.sql=A", "0002_b.sql=B"}, got); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}

	got = nil
	err = Migrate(fsys, func(name, text string) error {
		got = append(got, name)
		return errors.New("syntax error")
	})
	if want := "migration 0001_a.sql: syntax error"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if len(got) != 1 {
		t.Errorf("applied %v after a failure, want only the failed one", got)
	}
}
