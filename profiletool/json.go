package profiletool

import "github.com/recorder-dev/recorder/pipeline"

// The JSON forms of the reports of lint, check and diff (docs/json.md).
// Each carries pipeline.SchemaVersion; the command fills in ExitCode.

// LintJSON is lint's report: each file's findings.
type LintJSON struct {
	SchemaVersion int            `json:"schemaVersion"`
	Command       string         `json:"command"` // "lint"
	ExitCode      int            `json:"exitCode"`
	Strict        bool           `json:"strict"`
	Failed        bool           `json:"failed"`
	Files         []LintFileJSON `json:"files"`
}

// LintFileJSON is one profile's findings; Error is set when it could not
// be read or linted.
type LintFileJSON struct {
	File     string        `json:"file"`
	Error    string        `json:"error,omitempty"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
	Notes    int           `json:"notes"`
	Findings []FindingJSON `json:"findings"`
}

// FindingJSON is a Finding, with its file.
type FindingJSON struct {
	File     string `json:"file"`
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Rule     int    `json:"rule"` // index in syscalls; -1: the profile as a whole
	Name     string `json:"name,omitempty"`
	Message  string `json:"message"`
}

func lintFileJSON(file string, fs []Finding) LintFileJSON {
	j := LintFileJSON{File: file, Findings: []FindingJSON{}}
	for _, f := range fs {
		j.Findings = append(j.Findings, FindingJSON{file, f.Severity.String(), f.Check, f.Rule, f.Name, f.Message})
		switch f.Severity {
		case Error:
			j.Errors++
		case Warning:
			j.Warnings++
		default:
			j.Notes++
		}
	}
	return j
}

// CheckJSON is check's report.
type CheckJSON struct {
	SchemaVersion int           `json:"schemaVersion"`
	Command       string        `json:"command"` // "check"
	ExitCode      int           `json:"exitCode"`
	Profile       string        `json:"profile"`
	Strict        bool          `json:"strict"`
	Failed        bool          `json:"failed"`
	Records       uint64        `json:"records"`
	Calls         int           `json:"calls"`
	Denied        []CheckedJSON `json:"denied"`
	MayDeny       []CheckedJSON `json:"mayDeny"`
	Unknown       []CheckedJSON `json:"unknown"`
	Malformed     uint64        `json:"malformed"`
	Lost          bool          `json:"lost"`
	InputError    string        `json:"inputError,omitempty"`
	Error         string        `json:"error,omitempty"` // the profile or a log could not be opened: nothing checked
}

// CheckedJSON is a call of the records and what the profile does with it.
type CheckedJSON struct {
	Name    string     `json:"name,omitempty"`
	Arch    string     `json:"arch"`
	Nr      int64      `json:"nr,omitempty"`
	Records uint64     `json:"records"`
	Verdict string     `json:"verdict,omitempty"` // as the text says it
	First   *FirstJSON `json:"first,omitempty"`
}

// FirstJSON is where a call's first record is: its file and line number,
// and the line, or (for records read from no log) its serial, comm, exe.
type FirstJSON struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Text   string `json:"text,omitempty"`
	Serial uint64 `json:"serial,omitempty"`
	Comm   string `json:"comm,omitempty"`
	Exe    string `json:"exe,omitempty"`
}

// JSON returns the report's JSON form.
func (r *CheckReport) JSON(strict bool) CheckJSON {
	j := CheckJSON{SchemaVersion: pipeline.SchemaVersion, Command: "check", Profile: r.Profile, Strict: strict,
		Failed: r.Failed(strict), Records: r.Records, Calls: r.Calls,
		Denied: r.checkedJSON(r.Denied, true), MayDeny: r.checkedJSON(r.MayDeny, true), Unknown: r.checkedJSON(r.Unknown, false)}
	if r.counts != nil {
		j.Malformed, j.Lost = r.counts.Malformed.N, r.counts.Lost()
	}
	return j
}

func (r *CheckReport) checkedJSON(cs []Checked, verdict bool) []CheckedJSON {
	out := []CheckedJSON{}
	for _, c := range cs {
		j := CheckedJSON{Name: c.Name, Arch: c.Arch, Records: c.Records}
		if c.Name == "" {
			j.Nr = c.Nr
		}
		if verdict {
			j.Verdict = c.Verdict.Describe(r.p)
		}
		if f := c.First; f != nil {
			j.First = &FirstJSON{File: f.At.Name, Line: f.At.Line, Text: f.Line, Serial: f.Serial, Comm: first(f.Comms), Exe: first(f.Exes)}
		}
		out = append(out, j)
	}
	return out
}

// DiffJSON is diff's report: what B lets through that A does not ('+'),
// the other way round ('-'), and other changes ('~').
type DiffJSON struct {
	SchemaVersion int          `json:"schemaVersion"`
	Command       string       `json:"command"` // "diff"
	ExitCode      int          `json:"exitCode"`
	A             string       `json:"a"`
	B             string       `json:"b"`
	Same          bool         `json:"same"`
	Default       []string     `json:"default,omitempty"` // A's and B's default actions, when they differ
	OnlyA         []string     `json:"onlyA"`             // architectures only A lists
	OnlyB         []string     `json:"onlyB"`
	FlagsA        []string     `json:"flagsA,omitempty"` // when the flags differ
	FlagsB        []string     `json:"flagsB,omitempty"`
	Disjoint      bool         `json:"disjoint"`
	Changes       []ChangeJSON `json:"changes"`
	Error         string       `json:"error,omitempty"` // a profile could not be read: nothing compared
}

// ChangeJSON is a Change: Sign is "+", "-" or "~".
type ChangeJSON struct {
	Sign  string     `json:"sign"`
	From  string     `json:"from"`
	To    string     `json:"to"`
	Calls []CallJSON `json:"calls"`
}

// CallJSON is a call of a change, and the ABIs it changes on (none: every
// ABI of both that has it).
type CallJSON struct {
	Name   string   `json:"name"`
	Arches []string `json:"arches,omitempty"`
}

// JSON returns the difference's JSON form.
func (d *Difference) JSON() DiffJSON {
	j := DiffJSON{SchemaVersion: pipeline.SchemaVersion, Command: "diff", A: d.A, B: d.B, Same: d.Empty(),
		OnlyA: nonNil(d.OnlyA), OnlyB: nonNil(d.OnlyB), Disjoint: d.Disjoint, Changes: []ChangeJSON{}}
	if d.Default != [2]Act{} {
		j.Default = []string{d.Default[0].String(), d.Default[1].String()}
	}
	for _, f := range d.FlagsA {
		j.FlagsA = append(j.FlagsA, string(f))
	}
	for _, f := range d.FlagsB {
		j.FlagsB = append(j.FlagsB, string(f))
	}
	for _, c := range d.Changes {
		cj := ChangeJSON{Sign: string(c.Sign), From: c.From, To: c.To, Calls: []CallJSON{}}
		for _, call := range c.Calls {
			cj.Calls = append(cj.Calls, CallJSON(call))
		}
		j.Changes = append(j.Changes, cj)
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
