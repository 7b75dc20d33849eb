package profilegen

import (
	"encoding/json"
	"strconv"
	"time"
)

// The annotations of a SeccompProfile object that tell what it came from
// (Provenance.Annotations).
const (
	GroupAnnotation   = "recorder.dev/group"      // the group, as the summary, --explain and the metrics name it
	SourcesAnnotation = "recorder.dev/sources"    // the groups merged into it, when not the group alone: a JSON array of strings
	RecordsAnnotation = "recorder.dev/records"    // the records it was made from
	FirstAnnotation   = "recorder.dev/read-first" // the time of the first record of the reading, every group's (RFC 3339, UTC)
	LastAnnotation    = "recorder.dev/read-last"  // the time of its last record
	VersionAnnotation = "recorder.dev/version"    // the recorder's version (recorder version)
)

// Provenance is what every profile of a reading came from: the recorder's
// version and the time span of the records read, in ms since the epoch
// (0: no record had a time). Nothing in it changes from one run to the
// next over the same records, so a profile stays byte-stable.
type Provenance struct {
	Version     string
	First, Last int64
}

// Annotations returns b's provenance as annotations: its group, the
// groups it was made of, its records, the span and the version. The union
// of an output without Dir is the group UnionGroup, its sources every
// group.
func (p *Provenance) Annotations(b Built) map[string]string {
	a := map[string]string{GroupAnnotation: b.Group}
	if b.Report != nil {
		a[RecordsAnnotation] = strconv.FormatUint(b.Report.Records, 10)
	}
	if src := b.SourceGroups(); len(src) != 1 || src[0] != b.Group {
		j, _ := json.Marshal(src) // strings: never fails
		a[SourcesAnnotation] = string(j)
	}
	if p.Version != "" {
		a[VersionAnnotation] = p.Version
	}
	if p.First != 0 {
		a[FirstAnnotation] = time.UnixMilli(p.First).UTC().Format(time.RFC3339Nano)
		a[LastAnnotation] = time.UnixMilli(p.Last).UTC().Format(time.RFC3339Nano)
	}
	return a
}

// ProvenanceExt is the extension of the companion file an OCI profile's
// provenance is written to, beside it: FILE.json's is FILE.json.provenance.
// An OCI profile has no field for it that every runtime is sure to ignore,
// and a resuming watch reads only the files of the profiles' extension.
const ProvenanceExt = ".provenance"

// ProvenanceJSON is the companion file of an OCI profile: what its
// SeccompProfile's annotations say (Annotations), as JSON.
type ProvenanceJSON struct {
	SchemaVersion int      `json:"schemaVersion"` // 1
	Profile       string   `json:"profile"`       // the profile file's base name
	Group         string   `json:"group"`
	Sources       []string `json:"sources,omitempty"`
	Records       uint64   `json:"records"`
	ReadFirst     string   `json:"readFirst,omitempty"`
	ReadLast      string   `json:"readLast,omitempty"`
	Version       string   `json:"version,omitempty"`
}

// Companion returns the companion file of b's profile, written to file:
// the same facts as its annotations, byte-stable as the profile is.
func (p *Provenance) Companion(file string, b Built) []byte {
	a := p.Annotations(b)
	j := ProvenanceJSON{SchemaVersion: 1, Profile: file, Group: b.Group, ReadFirst: a[FirstAnnotation],
		ReadLast: a[LastAnnotation], Version: a[VersionAnnotation]}
	if b.Report != nil {
		j.Records = b.Report.Records
	}
	if _, ok := a[SourcesAnnotation]; ok {
		j.Sources = b.SourceGroups()
	}
	data, _ := json.MarshalIndent(j, "", "  ") // strings and numbers: never fails
	return append(data, '\n')
}
