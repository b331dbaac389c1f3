package attribution

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReportHeadline(t *testing.T) {
	regime := func(top1 float64) RegimeResult {
		return RegimeResult{Methods: []MethodResult{{Method: MethodJaccard, Top1: Rate{Value: 0.99}}, {Method: MethodRampart, Top1: Rate{Value: top1}}}}
	}
	for _, tc := range []struct {
		name                string
		ks                  []int
		wantSampled, wantCt float64
	}{
		{"k=5 among others", []int{1, 5, 10}, 0.5, 0.7},
		{"no k=5: the first", []int{2, 3, 4}, 0.1, 0.7},
	} {
		r := &Report{Config: EvalConfig{Ks: tc.ks}, Sampled: []RegimeResult{regime(0.1), regime(0.5), regime(0.9)}, Campaigns: regime(0.7)}
		s, c := r.Headline()
		if s.Top1.Value != tc.wantSampled || c.Top1.Value != tc.wantCt || s.Method != MethodRampart {
			t.Errorf("%s: sampled %+v, campaigns %+v; want the engine's top-1 %v and %v", tc.name, s, c, tc.wantSampled, tc.wantCt)
		}
	}
}

func TestReportWriteCalibration(t *testing.T) {
	r := &Report{Calibration: DefaultCalibration()}
	path := filepath.Join(t.TempDir(), "cal.json")
	if err := r.WriteCalibration(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCalibration(b)
	if err != nil {
		t.Fatalf("written calibration does not parse: %v", err)
	}
	if diff := cmp.Diff(r.Calibration.Y, got.Y); diff != "" {
		t.Errorf("calibration read back (-want +got):\n%s", diff)
	}
	if err := r.WriteCalibration(filepath.Join(path, "under-a-file")); err == nil || !strings.HasPrefix(err.Error(), "write calibration: ") {
		t.Errorf("unwritable path: err = %v", err)
	}
}

func TestParseFamilies(t *testing.T) {
	names := func(fs []Family) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	withComma := ""
	for _, f := range DefaultFamilies {
		if strings.Contains(f.Name, ", ") {
			withComma = f.Name
			break
		}
	}
	if withComma == "" {
		t.Fatal("no default family name holds \", \": the test needs one")
	}
	for _, tc := range []struct {
		list string
		want []string
	}{
		{"none", nil},
		{"0 noise", []string{"0 noise"}},
		{"0 noise," + withComma, []string{"0 noise", withComma}},
		{withComma + ",0 noise", []string{withComma, "0 noise"}},
	} {
		got, err := ParseFamilies(tc.list)
		if err != nil {
			t.Errorf("%q: %v", tc.list, err)
			continue
		}
		if diff := cmp.Diff(tc.want, names(got)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.list, diff)
		}
	}
	if got, err := ParseFamilies("all"); err != nil || len(got) != len(DefaultFamilies) {
		t.Errorf("all: %d families, err %v; want %d", len(got), err, len(DefaultFamilies))
	}
	if _, err := ParseFamilies("0 noise,nosuch"); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown family: err = %v", err)
	}
}
