package attribution

import (
	"fmt"
	"os"
)

// Headline returns the engine's results the evaluation is summed up by:
// on sampled incidents of five techniques (the first k evaluated when five
// was not) and on campaigns.
func (r *Report) Headline() (sampled, campaigns MethodResult) {
	if len(r.Sampled) > 0 {
		sampled = r.Sampled[0].Method(MethodRampart)
	}
	for i, k := range r.Config.Ks {
		if k == 5 && i < len(r.Sampled) {
			sampled = r.Sampled[i].Method(MethodRampart)
		}
	}
	return sampled, r.Campaigns.Method(MethodRampart)
}

// WriteCalibration writes the calibration map fitted by the evaluation to
// the file path as JSON (ParseCalibration reads it), for the engine to
// use; it returns "write calibration: …" when the file cannot be written.
func (r *Report) WriteCalibration(path string) error {
	b, err := r.Calibration.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write calibration: %v", err)
	}
	return nil
}
