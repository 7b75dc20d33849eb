package pipeline

import (
	"errors"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// Config is what a Pipeline does with the records it is given.
type Config struct {
	Enrichers []Enricher // run in order on each seccomp record
	Filter    *Filter    // nil keeps every record
	GroupBy   GroupBy    // nil groups by GroupExe
	Finish    Finisher   // names and selects groups when profiles are built; nil keeps them
	// Limits bound the Set (groups, unknown numbers kept); nil is
	// profilegen.DefaultLimits.
	Limits *profilegen.Limits
	// Explain, when set, keeps what tells why each call is in a profile
	// (see Explain); ReadFrom then parses on one core.
	Explain *Explain
	// Select, when set, chooses the records that are the command's at all
	// (record: those of its program's audit session), right after a line
	// is parsed: a line it does not choose is not counted, as if it had not
	// been read. It sees every line parsed without error.
	Select func(kind audit.Kind, r *audit.Record) bool
}

// Pipeline is the one road of a record, whichever command reads it:
//
//	line → audit.Parse → Enrichers → Filter → GroupBy → Set, Counts
//
// Line takes log lines (replay's files, watch's live sources); Add takes
// records parsed already (record's and run's collection). Everything ends in
// Set, the calls seen per group, and Counts. A Pipeline is not safe for
// concurrent use; ReadFrom runs several over one stream and merges them.
type Pipeline struct {
	cfg    Config
	Set    *profilegen.Set
	Counts Counts
	Users  Users // the uids of each group's records

	rec   Record // what Line parses into
	added Record // what Add copies into (a parsed Record's scratch space is its own)
	group []byte
	at    Pos // the line Line takes, for Explain
	line  []byte
	match matcher // cfg.Filter, with the results of its regexps cached
}

// New returns an empty Pipeline.
func New(cfg Config) *Pipeline {
	if cfg.GroupBy == nil {
		cfg.GroupBy = GroupExe
	}
	p := &Pipeline{cfg: cfg, Set: profilegen.NewSet()}
	p.Set.SetLimits(cfg.limits())
	return p
}

// Config returns the pipeline's configuration.
func (p *Pipeline) Config() Config { return p.cfg }

// fork returns an empty Pipeline of the same configuration but no limits:
// the limits apply when it is merged, so that the same groups are kept as
// in one pass (a block holds as many groups as it has lines at most).
func (p *Pipeline) fork() *Pipeline {
	f := New(p.cfg)
	f.Set.SetLimits(profilegen.Limits{})
	return f
}

// Line parses one log line (without its line ending) and takes a seccomp
// record on down the road. at names the line in the summary when it is bad.
// It returns what the line held, and the parse error of a malformed record
// line or ErrLineTooLong (counted, not fatal).
func (p *Pipeline) Line(line []byte, at Pos) (audit.Kind, error) {
	if len(line) > audit.DefaultMaxLineLength {
		p.Counts.Lines++
		p.Counts.TooLong.add(at, audit.ErrLineTooLong)
		return audit.KindNone, audit.ErrLineTooLong
	}
	kind, err := audit.Parse(line, &p.rec.Record)
	if err != nil {
		p.Counts.Lines++
		p.Counts.Malformed.add(at, err)
		return kind, err
	}
	if p.cfg.Select != nil && !p.cfg.Select(kind, &p.rec.Record) {
		return kind, nil
	}
	p.Counts.Lines++
	if kind == audit.KindSeccomp {
		p.at, p.line = at, line
		p.take(&p.rec, 1)
		p.line = nil
	} else {
		p.Counts.count(kind, &p.rec.Record)
	}
	return kind, nil
}

// BadLine counts a line that could not be read whole: a *audit.ParseError
// wrapping ErrLineTooLong or ErrMalformed.
func (p *Pipeline) BadLine(at Pos, err error) {
	p.Counts.Lines++
	var pe *audit.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, audit.ErrLineTooLong) {
		p.Counts.TooLong.add(at, err)
		return
	}
	p.Counts.Malformed.add(at, err)
}

// Add takes a seccomp record parsed already, counted n times (a tally of
// identical records). Each counts as a line read.
func (p *Pipeline) Add(r *audit.Record, n uint64) {
	p.Counts.Lines += n
	p.added.Record = *r
	p.at = Pos{}
	p.take(&p.added, n)
}

// Record returns the record Line parsed last, as enriched: valid until the
// next Line.
func (p *Pipeline) Record() *Record { return &p.rec }

// take runs r through the enrichers, the filter and the grouping into the
// Set, n times.
func (p *Pipeline) take(r *Record, n uint64) {
	p.enrich(r)
	if r.unattributed {
		p.Counts.Unattributed += n
	}
	if !p.match.match(p.cfg.Filter, r) {
		p.Counts.Filtered += n
		if p.Counts.Kept == 0 { // Seen is shown only when nothing was kept
			p.Counts.Seen.add(r, n)
		}
		return
	}
	p.Counts.Kept += n
	if r.Sec != 0 {
		p.Counts.span(r.Sec*1000 + int64(r.Msec))
	}
	p.group = p.cfg.GroupBy.AppendGroup(p.group[:0], r)
	kept, overflow := p.Set.AddN(p.group, &r.Record, n)
	if overflow {
		p.Users.add(overflowGroup, r.UID, n)
	} else {
		p.Users.add(p.group, r.UID, n)
	}
	if p.cfg.Explain != nil && kept { // Explain keeps what the Set keeps, where it keeps it
		group := p.group
		if overflow {
			group = overflowGroup
		}
		p.cfg.Explain.add(group, &r.Record, n, p.at, p.line)
	}
}

// overflowGroup is profilegen.OverflowGroup, for Explain.add.
var overflowGroup = []byte(profilegen.OverflowGroup)

func (p *Pipeline) enrich(r *Record) {
	r.clearAttrs()
	for _, e := range p.cfg.Enrichers {
		e.Enrich(r)
	}
}

// Merge adds what o holds to p: o read what came after p's lines.
func (p *Pipeline) Merge(o *Pipeline) {
	p.Set.Merge(o.Set)
	p.Counts.Merge(&o.Counts)
	p.Users.merge(&o.Users, p.Set)
}

// Touch makes the group r would go into exist in the Set, with no call:
// its profile is then built even if no record of it comes (record's
// --merge of a program that made no call). The enrichers run, the filter
// does not.
func (p *Pipeline) Touch(r *audit.Record) {
	p.added.Record = *r
	p.enrich(&p.added)
	p.group = p.cfg.GroupBy.AppendGroup(p.group[:0], &p.added)
	p.Set.AddProfile(string(p.group), nil)
}
