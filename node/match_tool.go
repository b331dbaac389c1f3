package node

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// MatchJob is a run of the matcher over a log as "rampart match" asks for
// it: the indicators of a file or of a collection of the node, the
// records of a file in one of match.Formats, the sightings written as
// JSON lines or stored in the collection. Match runs it with the
// functions of match_run.go.
type MatchJob struct {
	// Indicators is a file of indicators (a STIX bundle or JSON lines);
	// Collection, in APIRoot, a collection of the node (id or alias)
	// instead. IncludeDecayed compiles the collection's indicators
	// whatever their score.
	Indicators, Collection, APIRoot string
	IncludeDecayed                  bool
	// Input is the file of records, "-" for Stdin, in Format; Mapping, a
	// built-in mapping or a file, names their fields when they are not
	// keyed by STIX object paths.
	Input           string
	Stdin           io.Reader
	Format, Mapping string
	// Identity, Window and Store are those of MatchOptions; Output, when
	// the sightings are not stored, receives them (buffered).
	Identity string
	Window   time.Duration
	Store    bool
	Output   io.Writer
	// NodeWarninglists and Warninglists are the lists that suppress hits
	// (MatchWarninglists).
	NodeWarninglists bool
	Warninglists     []string
	// MaxReported is how many malformed records the result keeps.
	MaxReported int
	// LimitMemory sets the soft memory limit of the process
	// (LimitMatchMemory) before and after the indicators are compiled.
	LimitMemory bool
	// Compiled, Applied and Progress, when set, are told of the
	// indicators compiled, of the warninglists applied (not called when
	// there are none) and, now and then, of the records matched so far.
	Compiled func(*CompiledIndicators)
	Applied  func(*AppliedWarninglists)
	Progress func(match.Stats)

	mapping *match.Mapping
}

// Check refuses a job without exactly one source of indicators or whose
// identity is not an identity id, and loads its mapping. Its errors are
// ConfigErrors named after the flags of "rampart match".
func (j *MatchJob) Check() error {
	if (j.Indicators == "") == (j.Collection == "") {
		return &ConfigError{Msg: "give either --indicators FILE or --collection REF", Hint: "rampart match --indicators feed.json --input log.jsonl"}
	}
	if typ, _, err := stix.ParseID(j.Identity); j.Identity != "" && (err != nil || typ != "identity") {
		return configErrorf("--identity %q is not an identity--UUID identifier", j.Identity)
	}
	j.mapping = nil
	if j.Mapping != "" {
		mp, err := match.LoadMapping(j.Mapping)
		if err != nil {
			return configErrorf("%v", err)
		}
		j.mapping = mp
	}
	return nil
}

// Match checks j, compiles its indicators, gathers its warninglists and
// matches its input (CompileIndicators, MatchWarninglists, RunMatch); n
// may be nil when the indicators come from a file and the sightings go to
// Output. It returns the result so far with the first error: Check's, a
// ConfigError for a format match.NewReader does not read, those of the
// functions it runs (an *UnreadWarninglistsError among them) and the
// input's ("open FILE: …"); once the records are being matched, a
// *MatchRunError.
func Match(ctx context.Context, n *Node, j MatchJob) (MatchResult, error) {
	if err := j.Check(); err != nil {
		return MatchResult{}, err
	}
	o := MatchOptions{Store: j.Store, Identity: j.Identity, Window: j.Window, MaxReported: j.MaxReported, Progress: j.Progress}
	src := MatchSource{File: j.Indicators, IncludeDecayed: j.IncludeDecayed}
	if j.Collection != "" || j.Store {
		if n == nil {
			return MatchResult{}, errors.New("match: a collection, but no node")
		}
		c, err := n.FindCollection(ctx, j.APIRoot, j.Collection)
		if err != nil {
			return MatchResult{}, err
		}
		o.Collection, src.Collection = c, c
	}
	if err := j.compile(ctx, n, src, &o); err != nil {
		return MatchResult{}, err
	}
	in, err := openMatchInput(j.Input, j.Stdin)
	if err != nil {
		return MatchResult{}, err
	}
	defer in.Close()
	if o.Reader, err = match.NewReader(j.Format, in, j.mapping); err != nil {
		return MatchResult{}, configErrorf("--format: %v", err)
	}
	out := bufio.NewWriterSize(j.Output, 1<<16)
	defer out.Flush()
	o.Output = out
	res, err := RunMatch(ctx, n, o)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return res, &MatchRunError{Input: j.Input, Err: err}
	}
	return res, nil
}

// MatchRunError is an error of Match once the records are being matched:
// the input broke, the sightings could not be written or stored, or ctx
// ended. The result then holds what was matched, and the sightings found
// were written. Its message names the input ("stdin" for "-").
type MatchRunError struct {
	Input string
	Err   error
}

func (e *MatchRunError) Error() string {
	if e.Input == "-" {
		return "stdin: " + e.Err.Error()
	}
	return e.Input + ": " + e.Err.Error()
}

func (e *MatchRunError) Unwrap() error { return e.Err }

// compile compiles the indicators of src and gathers the warninglists of
// j into o.
func (j *MatchJob) compile(ctx context.Context, n *Node, src MatchSource, o *MatchOptions) error {
	if j.LimitMemory {
		LimitMatchMemory(false)
	}
	ci, err := CompileIndicators(ctx, n, src)
	if err != nil {
		return err
	}
	if o.Matcher = ci.Matcher; j.Compiled != nil {
		j.Compiled(ci)
	}
	if j.LimitMemory {
		LimitMatchMemory(true)
	}
	w, err := MatchWarninglists(ctx, n, j.NodeWarninglists, j.Warninglists)
	if err != nil || w == nil {
		return err
	}
	if o.Suppress = w.Suppress; j.Applied != nil {
		j.Applied(w)
	}
	return nil
}

// openMatchInput opens the file name, or stdin for "-".
func openMatchInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(name)
}

// GenerateMatchFiles writes a synthetic load for the matcher into dir
// (match.Generator.WriteFiles), as "rampart match generate" does, and
// returns how many hits its log holds. It returns a ConfigError when dir
// is empty or the counts make no load.
func GenerateMatchFiles(dir string, g match.Generator) (planted int, err error) {
	if dir == "" {
		return 0, configErrorf("match generate needs --dir DIR")
	}
	if g.Indicators < 1 || g.Records < 0 || g.Hits < 0 || g.Hits > g.Records {
		return 0, configErrorf("need --indicators >= 1 and 0 <= --hits <= --records")
	}
	return g.WriteFiles(dir)
}
