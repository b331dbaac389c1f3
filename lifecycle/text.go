package lifecycle

import (
	json "encoding/json/v2"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// MaxSettingsBytes is the largest settings document ReadSettings reads.
const MaxSettingsBytes = 1 << 20

// ReadSettings reads settings written as JSON (what "rampart lifecycle
// show --json" prints), refusing members it does not know and documents
// over MaxSettingsBytes. It does not check the values (see Check).
func ReadSettings(r io.Reader) (Settings, error) {
	var s Settings
	data, err := io.ReadAll(io.LimitReader(r, MaxSettingsBytes+1))
	if err != nil {
		return s, err
	}
	if len(data) > MaxSettingsBytes {
		return s, fmt.Errorf("settings larger than %d bytes", MaxSettingsBytes)
	}
	if err := json.Unmarshal(data, &s, json.RejectUnknownMembers(true)); err != nil {
		return s, err
	}
	return s, nil
}

// FormatNumber writes a score, threshold or factor as briefly as it reads
// exactly ("20", "12.5").
func FormatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// WriteText writes the settings in force (defaults filled in) for people:
// a line of the node-wide values, a table of the models by feed and type,
// and the confidence in each producer named.
func (s Settings) WriteText(w io.Writer) error {
	e := s.Effective()
	fmt.Fprintf(w, "threshold %s; default confidence %d; default producer confidence %d; false-positive factor %s\n",
		FormatNumber(*e.Threshold), *e.DefaultConfidence, *e.DefaultProducerConfidence, FormatNumber(*e.FalsePositiveFactor))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tTYPE\tLIFETIME\tSPEED\tTHRESHOLD")
	for _, typ := range slices.Sorted(maps.Keys(e.Models)) {
		md := e.Models[typ]
		fmt.Fprintf(tw, "-\t%s\t%s\t%s\t%s\n", typ, md.Lifetime, FormatNumber(md.Speed), FormatNumber(*e.Threshold))
	}
	for _, name := range slices.Sorted(maps.Keys(e.Feeds)) {
		o := e.Feeds[name]
		th := *e.Threshold
		if o.Threshold != nil {
			th = *o.Threshold
		}
		if len(o.Models) == 0 {
			fmt.Fprintf(tw, "%s\t(all)\t-\t-\t%s\n", name, FormatNumber(th))
		}
		for _, typ := range slices.Sorted(maps.Keys(o.Models)) {
			md := o.Models[typ]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, typ, md.Lifetime, FormatNumber(md.Speed), FormatNumber(th))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(e.Producers)) {
		fmt.Fprintf(w, "producer %s confidence %d\n", id, e.Producers[id])
	}
	return nil
}

// WriteText writes the score of indicator id and its parts for people:
// the score against the threshold, then how the base, the decay and the
// false positives make it, and when it falls below the threshold.
func (sc Score) WriteText(w io.Writer, id string) error {
	state := "matching"
	if sc.Decayed {
		state = "decayed: no longer matched or exported"
	}
	fmt.Fprintf(w, "%s score %s (threshold %s, %s)\n", id, FormatNumber(sc.Value), FormatNumber(sc.Threshold), state)
	fmt.Fprintf(w, "  base %s = confidence %d x producer confidence %d / 100\n", FormatNumber(sc.Base), sc.Confidence, sc.ProducerConfidence)
	feed := ""
	if sc.Feed != "" {
		feed = ", feed " + sc.Feed
	}
	age := sc.Age.Round(time.Minute).String()
	if sc.Age >= 48*time.Hour {
		age = strconv.FormatFloat(sc.Age.Hours()/24, 'f', 1, 64) + " days"
	}
	fmt.Fprintf(w, "  decay %.4f: age %s since %s, model %s (lifetime %s, speed %s%s)\n", sc.Decay,
		age, sc.Since.UTC().Format(time.RFC3339), sc.Type, sc.Model.Lifetime, FormatNumber(sc.Model.Speed), feed)
	fmt.Fprintf(w, "  false positives %d: factor %s\n", sc.FalsePositives, FormatNumber(sc.FalsePositiveFactor))
	if !sc.Until.IsZero() {
		_, err := fmt.Fprintf(w, "  falls below the threshold at %s\n", sc.Until.UTC().Format(time.RFC3339))
		return err
	}
	return nil
}
