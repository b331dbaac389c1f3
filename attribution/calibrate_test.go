package attribution

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFitCalibrationIsMonotoneAndCalibrates(t *testing.T) {
	// Outcomes drawn so that the true probability is p²: an overconfident
	// model the map must pull down.
	rng := rand.New(rand.NewPCG(1, 2))
	var post []float64
	var right []bool
	for range 20000 {
		p := rng.Float64()
		post = append(post, p)
		right = append(right, rng.Float64() < p*p)
	}
	c := FitCalibration(post, right, 50, "test")
	for i := 1; i < len(c.X); i++ {
		if c.X[i] <= c.X[i-1] || c.Y[i] < c.Y[i-1] {
			t.Fatalf("map not monotone at %d: %v %v", i, c.X, c.Y)
		}
	}
	for _, p := range []float64{0.2, 0.5, 0.8} {
		if got, want := c.Apply(p), p*p; got < want-0.06 || got > want+0.06 {
			t.Errorf("Apply(%.1f) = %.3f, want about %.3f", p, got, want)
		}
	}
	if got := c.Apply(0); got != 0 {
		t.Errorf("Apply(0) = %v", got)
	}
	if got := c.Apply(1); got > 1 {
		t.Errorf("Apply(1) = %v", got)
	}
}

func TestParseCalibrationErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"x":[0,1],"y":[0]}`, "equal length"},
		{`{"x":[0.5,0.4],"y":[0,1]}`, "x must increase"},
		{`{"x":[0,1],"y":[1,0]}`, "y must not decrease"},
		{`{"x":[0,2],"y":[0,1]}`, "outside [0, 1]"},
		{`{"x":"a"}`, "calibration:"},
	} {
		if _, err := ParseCalibration([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCalibration(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if c := DefaultCalibration(); c.Source == "identity" && len(c.X) == 2 {
		t.Logf("embedded calibration is the identity")
	}
}

func FuzzParseCalibration(f *testing.F) {
	f.Add([]byte(`{"x":[0,0.5,1],"y":[0,0.2,1]}`))
	f.Add([]byte(`{"x":[],"y":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCalibration(data)
		if err != nil {
			return
		}
		prev := -1.0
		for _, p := range []float64{0, 0.1, 0.3, 0.5, 0.7, 0.9, 1} {
			v := c.Apply(p)
			if v < 0 || v > 1 || v < prev {
				t.Fatalf("Apply(%v) = %v after %v: not a monotone map into [0, 1]", p, v, prev)
			}
			prev = v
		}
	})
}
