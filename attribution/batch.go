package attribution

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
)

// BatchStats is what RankBatch read.
type BatchStats struct {
	// Lines is the number of lines read, blank ones included; Ranked the
	// queries ranked and Invalid the lines that were not a query.
	Lines, Ranked, Invalid int
}

// RankBatch ranks each query of the JSON lines read from r (see
// QueryReader) and writes one JSON line per ranking to w (see
// Ranking.WriteJSONLine), with limit candidates unless the query says. A
// line that is not a query goes on to invalid, when it is set, and gives
// the line {"id": …, "error": …} on w: the batch goes on. It returns
// "read queries: …" when r breaks, the error of w, or ctx's when it ends
// first; the counts are those of the lines before.
func RankBatch(ctx context.Context, e *Engine, r io.Reader, limit int, w io.Writer, invalid func(*QueryError)) (BatchStats, error) {
	var st BatchStats
	qr := NewQueryReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		q, err := qr.Next()
		st.Lines = qr.Line()
		if err == io.EOF {
			return st, nil
		}
		var qe *QueryError
		if errors.As(err, &qe) {
			st.Invalid++
			if invalid != nil {
				invalid(qe)
			}
			if err := writeLine(w, batchError{qe.ID, qe.Err.Error()}); err != nil {
				return st, err
			}
			continue
		}
		if err != nil {
			return st, fmt.Errorf("read queries: %v", err)
		}
		if q.Limit == 0 {
			q.Limit = limit
		}
		if err := e.Rank(q).WriteJSONLine(w); err != nil {
			return st, err
		}
		st.Ranked++
	}
}

// batchError is the line RankBatch writes for a line that is not a query.
type batchError struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// rankingLine is the JSON line of one ranking in a batch: the candidates
// without their evidence (the API's ranking view has it).
type rankingLine struct {
	ID         string          `json:"id"`
	Candidates []candidateLine `json:"candidates"`
	Abstained  bool            `json:"abstained,omitempty"`
	Undecided  bool            `json:"undecided,omitzero"`
	Reason     string          `json:"reason,omitempty"`
	Notes      []noteLine      `json:"notes,omitempty"`
}

type candidateLine struct {
	ID         string  `json:"id"`
	ExternalID string  `json:"external_id,omitempty"`
	Name       string  `json:"name"`
	Score      float64 `json:"score"`
}

type noteLine struct {
	Ref    string `json:"ref,omitempty"`
	Reason string `json:"reason"`
}

// WriteJSONLine writes the ranking as one line of JSON: the query's id, the candidates (id, ATT&CK id, name and score
// to four decimals, best first), whether the engine abstained or could
// not decide between the first two, why, and its notes. It returns the
// error of w.
func (r *Ranking) WriteJSONLine(w io.Writer) error {
	l := rankingLine{ID: r.QueryID, Candidates: []candidateLine{}, Abstained: r.Abstained, Undecided: r.Close, Reason: r.Reason}
	for _, c := range r.Candidates {
		l.Candidates = append(l.Candidates, candidateLine{
			ID: c.Entry.ID, ExternalID: c.Entry.ExternalID, Name: c.Entry.Name,
			Score: float64(int(c.Score*1e4+0.5)) / 1e4,
		})
	}
	for _, n := range r.Notes {
		l.Notes = append(l.Notes, noteLine(n))
	}
	return writeLine(w, l)
}

// WriteJSONLine writes the comparison as the API returns it
// (ComparisonView), on one line. It returns the error
// of w.
func (c *Comparison) WriteJSONLine(w io.Writer) error {
	return writeLine(w, NewComparisonView(c))
}

// writeLine writes v as one line of JSON, map members sorted.
func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
