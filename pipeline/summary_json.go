package pipeline

import (
	"encoding/json"
	"io"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// SchemaVersion is the version of every JSON report the recorder writes
// (docs/json.md): it changes when a field changes meaning or goes away,
// not when one is added.
const SchemaVersion = 1

// SummaryJSON is the JSON form of a Summary (docs/json.md). The command
// fills in Command, Status and ExitCode.
type SummaryJSON struct {
	SchemaVersion int    `json:"schemaVersion"`
	Command       string `json:"command"`
	// Version is the recorder's (recorder version): with groups' files,
	// records and the time span, an OCI profile's provenance.
	Version string `json:"version"`
	// Status is "complete", "nothing-matched", "lost", "partial" or
	// "error"; ExitCode the recorder's exit status.
	Status   string `json:"status"`
	ExitCode int    `json:"exitCode"`
	Written  bool   `json:"written"` // whether profiles were written
	Unit     string `json:"unit"`    // what lines counts: "line" or "record"

	Lines        uint64 `json:"lines"`
	Kept         uint64 `json:"kept"`
	Filtered     uint64 `json:"filtered"`
	NotAudit     uint64 `json:"notAudit"`
	OtherAudit   uint64 `json:"otherAudit"`
	Forged       uint64 `json:"forged"`
	Unattributed uint64 `json:"unattributed"`
	Malformed    uint64 `json:"malformed"`
	TooLong      uint64 `json:"tooLong"`
	// FirstRecord and LastRecord are the times of the records kept
	// (RFC 3339, UTC); empty when none had a time.
	FirstRecord string `json:"firstRecord,omitempty"`
	LastRecord  string `json:"lastRecord,omitempty"`

	Lost   LostJSON    `json:"lost"`
	Groups []GroupJSON `json:"groups"`
	// Seen is what the filter dropped, by name (bounded), when nothing
	// was kept.
	Seen *SeenJSON `json:"seen,omitempty"`
	Hint string    `json:"hint,omitempty"`

	Overflow   *OverflowJSON `json:"overflow,omitempty"`
	LeftOut    *LeftOutJSON  `json:"leftOut,omitempty"`
	InputError string        `json:"inputError,omitempty"`
	Partial    bool          `json:"partial"`
	// Program is record's program: how it ended.
	Program *ProgramJSON `json:"program,omitempty"`
}

// ProgramJSON is the program record ran.
type ProgramJSON struct {
	Name     string `json:"name"`     // CMD
	Tracking string `json:"tracking"` // "audit session N" or "process tree"
	Exit     string `json:"exit"`     // how it ended: "exit status 0", "killed by signal 9 (...)"
}

// OverflowJSON is what the limits left out (profilegen.Overflow).
type OverflowJSON struct {
	GroupLimit     int      `json:"groupLimit"`
	Records        uint64   `json:"records"`
	First          []string `json:"first"`
	UnknownRecords uint64   `json:"unknownRecords"`
	UnknownLimit   int      `json:"unknownLimit"`
}

// LeftOutJSON is what the --pod or --namespace selection left out.
type LeftOutJSON struct {
	Groups  int    `json:"groups"`
	Records uint64 `json:"records"`
	Why     string `json:"why"`
	Pending int    `json:"pending"`
}

// LostJSON counts the records dropped before the recorder read them.
type LostJSON struct {
	Any              bool   `json:"any"`
	PrintkSuppressed uint64 `json:"printkSuppressed"`
	KernelLost       uint64 `json:"kernelLost"`
	NoBufs           uint64 `json:"enobufs"`
	KmsgOverwritten  uint64 `json:"kmsgOverwritten"`
}

// GroupJSON is one group's profile: its name as the summary, --explain and
// the metrics give it, and, with an output directory, its file and
// SeccompProfile object names.
type GroupJSON struct {
	Group   string            `json:"group"`
	File    string            `json:"file,omitempty"`
	Object  string            `json:"object,omitempty"`
	Records uint64            `json:"records"`
	Actions map[string]uint64 `json:"actions"`
	Allowed []string          `json:"allowed"`
	Denied  []DeniedJSON      `json:"denied,omitempty"`
	Unknown []UnknownJSON     `json:"unknown,omitempty"`
	// Users are the uids the group's records came from, most records
	// first (at most MaxUsers); OtherUsersRecords the records of the uids
	// past them. More than one: any of those users widens the profile.
	Users             []UserJSON `json:"users,omitempty"`
	OtherUsersRecords uint64     `json:"otherUsersRecords,omitempty"`
}

// UserJSON is how many of a group's records came from one uid.
type UserJSON struct {
	UID     uint32 `json:"uid"`
	Records uint64 `json:"records"`
}

// DeniedJSON is a call a filter denied, left out of the profile.
type DeniedJSON struct {
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Action  string `json:"action"`
	Records uint64 `json:"records"`
	PID     int32  `json:"pid"`
	Comm    string `json:"comm"`
}

// UnknownJSON is a number no name was found for.
type UnknownJSON struct {
	Arch    string `json:"arch"`
	Nr      int64  `json:"nr"`
	Action  string `json:"action"`
	Records uint64 `json:"records"`
}

// SeenJSON is what the filter dropped, per field: the names with the most
// records, and the records of the rest.
type SeenJSON struct {
	Comm      SeenField `json:"comm"`
	Exe       SeenField `json:"exe"`
	Container SeenField `json:"container"`
}

// SeenField is one field of SeenJSON.
type SeenField struct {
	Top    []NameCount `json:"top"`
	Others uint64      `json:"otherRecords"`
}

// JSON returns the summary's JSON form; out, when it writes one file per
// group, names each group's file and object.
func (s Summary) JSON(out *profilegen.Output) SummaryJSON {
	c := s.Counts
	j := SummaryJSON{SchemaVersion: SchemaVersion, Unit: s.Unit, Lines: c.Lines, Kept: c.Kept, Filtered: c.Filtered,
		NotAudit: c.NotAudit, OtherAudit: c.OtherAudit, Forged: c.Forged, Unattributed: c.Unattributed,
		Malformed: c.Malformed.N, TooLong: c.TooLong.N, Hint: s.Hint, Partial: s.Partial && s.InputErr != nil,
		Lost: LostJSON{Any: c.Lost(), PrintkSuppressed: c.Suppressed, KernelLost: c.Source.KernelLost,
			NoBufs: c.Source.NoBufs, KmsgOverwritten: c.Source.Overwritten},
		FirstRecord: rfc3339(c.First), LastRecord: rfc3339(c.Last), Groups: []GroupJSON{}}
	if j.Unit == "" {
		j.Unit = "line"
	}
	for _, b := range s.Built {
		g := groupJSON(b, out)
		u := s.UsersOf(b)
		for _, c := range u.Users {
			g.Users = append(g.Users, UserJSON(c))
		}
		g.OtherUsersRecords = u.Other
		j.Groups = append(j.Groups, g)
	}
	if c.Kept == 0 && c.Filtered > 0 {
		j.Seen = &SeenJSON{Comm: seenField(&c.Seen.Comm), Exe: seenField(&c.Seen.Exe), Container: seenField(&c.Seen.Container)}
	}
	if s.Overflow.Records > 0 || s.Overflow.UnknownRecords > 0 {
		o := s.Overflow
		j.Overflow = &OverflowJSON{o.Limit, o.Records, o.First, o.UnknownRecords, o.UnknownLimit}
	}
	if l := s.Left; l.Groups > 0 || l.Pending > 0 {
		j.LeftOut = &LeftOutJSON{l.Groups, l.Records, l.Why, l.Pending}
	}
	if s.InputErr != nil {
		j.InputError = s.InputErr.Error()
	}
	return j
}

func groupJSON(b profilegen.Built, out *profilegen.Output) GroupJSON {
	rep := b.Report
	g := GroupJSON{Group: b.Group, Records: rep.Records, Actions: map[string]uint64{}, Allowed: rep.Names}
	if g.Allowed == nil {
		g.Allowed = []string{}
	}
	if out != nil && out.Dir != "" {
		g.File, g.Object = out.Names(b.Group)
	}
	for a := audit.ActionUnknown; a <= audit.ActionAllow; a++ {
		if n := rep.Actions[a]; n > 0 {
			g.Actions[a.String()] = n
		}
	}
	for _, v := range rep.Violations {
		g.Denied = append(g.Denied, DeniedJSON{v.Name, v.Arch, v.Action.OCI(), v.Count, v.PID, v.Comm})
	}
	for _, u := range rep.Unknown {
		g.Unknown = append(g.Unknown, UnknownJSON{u.Arch, u.Nr, u.Action.String(), u.Count})
	}
	return g
}

func seenField(t *Tally) SeenField {
	top, rest := t.Top(maxSeenShown)
	if top == nil {
		top = []NameCount{}
	}
	return SeenField{Top: top, Others: rest}
}

// rfc3339 formats ms since the epoch as RFC 3339 in UTC ("" for 0).
func rfc3339(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

// WriteJSON writes v as indented JSON and a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
