package bench

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1048576", 1 << 20},
		{"300KiB", 300 << 10},
		{"2MiB", 2 << 20},
		{"1.5GiB", 3 << 29},
		{"70MB", 70e6},
		{"300B", 300},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "huge", "0", "-1MiB", "MiB", "1TiB", "12x", "3MiBs"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestEnvelope(t *testing.T) {
	got := string(envelope(2, 5, func(i int) []byte { return []byte{'0' + byte(i)} }))
	if want := `{"objects":[2,3,4]}`; got != want {
		t.Errorf("envelope = %s, want %s", got, want)
	}
	if got, want := string(envelope(0, 0, nil)), `{"objects":[]}`; got != want {
		t.Errorf("empty envelope = %s, want %s", got, want)
	}
}
