package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// indicatorJSON is an indicator of auditOrgFR with the id's last digit and
// the marking given ("" for none).
func indicatorJSON(digit, marking string) string {
	m := ""
	if marking != "" {
		m = `,"object_marking_refs":["` + marking + `"]`
	}
	return `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3` + digit + `","created":"2026-12-01T10:00:00.000Z","modified":"2026-12-01T10:00:00.000Z","created_by_ref":"` + auditOrgFR + `","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-12-01T10:00:00Z"` + m + `}`
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadObjectFile(t *testing.T) {
	dir := t.TempDir()
	bundle := `{"type":"bundle","id":"bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[` + indicatorJSON("1", "") + `,` + indicatorJSON("2", stix.TLPRed.MarkingID()) + `]}`
	bad := `{"type":"bundle","id":"bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[` + indicatorJSON("1", "") + `,{"type":"indicator","id":"indicator--x"}]}`
	for _, tc := range []struct {
		name, data   string
		objects      int
		single, fail bool
		bundleID     string
		mode         os.FileMode
	}{
		{name: "one object", data: indicatorJSON("1", ""), objects: 1, single: true, mode: 0o644},
		{name: "bundle", data: bundle, objects: 2, bundleID: "bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f", mode: 0o600},
		{name: "bundle with a bad object", data: bad, objects: 1, fail: true, bundleID: "bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f", mode: 0o644},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, "in.json", tc.data)
			f, err := ReadObjectFile(path)
			var bad *ObjectFileError
			if tc.fail != errors.As(err, &bad) || !tc.fail && err != nil {
				t.Fatalf("ReadObjectFile: %v", err)
			}
			if tc.fail && (len(bad.Bad.Errors) != 1 || bad.Bad.Errors[0].ID != "indicator--x" || !strings.HasPrefix(bad.Error(), path+": ")) {
				t.Errorf("error %v: want the bad object listed, the file named", err)
			}
			if len(f.Objects) != tc.objects || f.Single != tc.single || f.BundleID != tc.bundleID {
				t.Errorf("got %d objects, single %v, bundle %q; want %d, %v, %q", len(f.Objects), f.Single, f.BundleID, tc.objects, tc.single, tc.bundleID)
			}
			if got := FileMode(f.Objects); got != tc.mode {
				t.Errorf("FileMode = %04o, want %04o", got, tc.mode)
			}
			out := filepath.Join(dir, "out.json")
			if err := f.WriteFile(out); err != nil {
				t.Fatal(err)
			}
			g, err := ReadObjectFile(out)
			if err != nil || len(g.Objects) != len(f.Objects) || g.Single != f.Single || g.BundleID != f.BundleID {
				t.Errorf("read back: %+v, %v; want %+v", g, err, f)
			}
			if st, err := os.Stat(out); err != nil || st.Mode().Perm() != tc.mode {
				t.Errorf("written with mode %v (%v), want %04o", st.Mode().Perm(), err, tc.mode)
			}
		})
	}
	if _, err := ReadObjectFile(writeFile(t, dir, "junk.json", "{")); err == nil || !strings.Contains(err.Error(), "junk.json") {
		t.Errorf("a file that is not JSON: %v, want an error naming it", err)
	}
}

// TestSignAndCheckObjectFile signs a file with the node's keys and checks
// it against the registry: every object verifies, and one changed after
// signing, or one the file cannot read, is refused.
func TestSignAndCheckObjectFile(t *testing.T) {
	an := openAuditNode(t, true, true)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.json", `{"type":"bundle","id":"bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[`+indicatorJSON("1", "")+`,`+indicatorJSON("2", "")+`]}`)
	out := filepath.Join(dir, "signed.json")
	r, err := SignFile(SignRequest{KeyFile: filepath.Join(an.dir, "fr.key"), Input: in, Output: out, Registry: an.Registry(), Recipients: []string{auditOrgDE}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Early != 0 || len(r.File.Objects) != 2 || r.Identity.Organization() != auditOrgFR {
		t.Errorf("SignFile = %+v", r)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("addressed objects written with mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	v := trust.NewVerifier(an.Registry(), trust.DefaultPolicy())
	checks, err := CheckObjectFile(context.Background(), v, nil, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 {
		t.Fatalf("%d verdicts, want 2", len(checks))
	}
	for _, c := range checks {
		if c.Refused() || c.Signed == nil || c.Signed.Organization.ID != auditOrgFR || !strings.HasPrefix(c.Line(), "ok\t"+c.ID+"\tCERT-FR ("+auditOrgFR+") ") {
			t.Errorf("verdict %+v, line %q: want ok, signed by CERT-FR", c, c.Line())
		}
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "198.51.100.7", "198.51.100.8", 1)
	changed = strings.Replace(changed, `"objects":[`, `"objects":[{"type":"indicator","id":"indicator--x"},`, 1)
	checks, err = CheckObjectFile(context.Background(), v, nil, writeFile(t, dir, "changed.json", changed))
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, c := range checks {
		if c.Refused() {
			refused++
		}
	}
	if len(checks) != 3 || refused != 2 || checks[0].File == "" || !strings.HasPrefix(checks[0].Line(), "refused\tindicator--x\t") {
		t.Errorf("verdicts on a changed file: %d, %d refused, first %q; want 3, 2 refused, the unreadable one first", len(checks), refused, checks[0].Line())
	}
	if _, err := CheckObjectFile(context.Background(), v, nil, filepath.Join(dir, "none.json")); err == nil {
		t.Error("CheckObjectFile of no file: no error")
	}
}

// TestSignFileWritesNothingRefused: an object peers would refuse (here,
// modified in the future) fails the whole file, and nothing is written.
func TestSignFileWritesNothingRefused(t *testing.T) {
	an := openAuditNode(t, true, true)
	dir := t.TempDir()
	future := strings.ReplaceAll(indicatorJSON("2", ""), "2026-12-01T10:00:00", "2036-01-01T10:00:00")
	in := writeFile(t, dir, "in.json", `{"type":"bundle","id":"bundle--6f3e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[`+indicatorJSON("1", "")+`,`+future+`]}`)
	out := filepath.Join(dir, "signed.json")
	_, err := SignFile(SignRequest{KeyFile: filepath.Join(an.dir, "fr.key"), Input: in, Output: out, Registry: an.Registry()})
	if err == nil || !strings.Contains(err.Error(), "is in the future") {
		t.Fatalf("SignFile of an object from the future: %v, want an error saying so", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output written although signing failed (%v)", err)
	}
}
