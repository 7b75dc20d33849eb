package runner

import (
	"bytes"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// ReportJSON is the JSON form of run's report (docs/json.md); the command
// fills in ExitCode.
type ReportJSON struct {
	SchemaVersion int    `json:"schemaVersion"`
	Command       string `json:"command"` // "run"
	ExitCode      int    `json:"exitCode"`
	Program       string `json:"program"`
	Profile       string `json:"profile"`
	Tracking      string `json:"tracking"` // "audit session N" or "process tree"
	Exit          string `json:"exit"`     // how the program ended, as the text says it
	// Logged counts the records of calls the profile logs (SCMP_ACT_LOG)
	// and the distinct calls they are.
	Logged      uint64           `json:"logged"`
	LoggedCalls int              `json:"loggedCalls"`
	Denied      []DeniedCallJSON `json:"denied"`
	Unknown     []UnknownJSON    `json:"unknown"`
	Warnings    []string         `json:"warnings"`
}

// DeniedCallJSON is a call the profile denied, as the summary's JSON
// says one (its fields first), and the change to the profile that allows
// it.
type DeniedCallJSON struct {
	pipeline.DeniedJSON
	Fix string `json:"fix"`
}

// UnknownJSON is a denied or logged number with no name.
type UnknownJSON struct {
	Arch    string `json:"arch"`
	Nr      int64  `json:"nr"`
	Action  string `json:"action"`
	Records uint64 `json:"records"`
}

// ReportJSONOf is WriteReport's report as JSON.
func ReportJSONOf(res *Result, p *specs.LinuxSeccomp, name, program string) (ReportJSON, error) {
	j := ReportJSON{SchemaVersion: pipeline.SchemaVersion, Command: "run", Program: program, Profile: name,
		Tracking: res.Tracking, Exit: DescribeExit(res.State), Denied: []DeniedCallJSON{}, Unknown: []UnknownJSON{}, Warnings: []string{}}
	var warn bytes.Buffer
	res.WriteWarnings(&warn)
	for _, l := range strings.Split(strings.TrimSpace(warn.String()), "\n") {
		if l != "" {
			j.Warnings = append(j.Warnings, l)
		}
	}
	pl := res.Pipeline // of one group (Run.Pipeline's GroupBy pipeline.GroupNone), as WriteReport's
	if n := pl.Counts.Malformed.N; n > 0 {
		j.Warnings = append(j.Warnings, fmt.Sprintf("malformed: %d audit messages could not be parsed", n))
	}
	if pl.Set.Len() == 0 {
		return j, nil
	}
	_, rep, err := profilegen.Build(pl.Set, pipeline.NoneGroup, profilegen.Options{})
	if err != nil {
		return j, fmt.Errorf("report: %w", err)
	}
	if j.Logged = rep.Actions[audit.ActionLog]; j.Logged > 0 {
		j.LoggedCalls = len(rep.Observed)
	}
	for _, v := range rep.Violations {
		j.Denied = append(j.Denied, DeniedCallJSON{pipeline.DeniedJSON{Name: v.Name, Arch: v.Arch, Action: v.Action.OCI(), Records: v.Count, PID: v.PID, Comm: v.Comm}, FixFor(p, v.Arch, v.Name)})
	}
	for _, u := range rep.Unknown {
		j.Unknown = append(j.Unknown, UnknownJSON{u.Arch, u.Nr, u.Action.String(), u.Count})
	}
	return j, nil
}
