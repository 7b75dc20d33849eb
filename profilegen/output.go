package profilegen

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/safefile"
)

// Built is the profile of one group, and what Build reported making it.
type Built struct {
	Group   string
	Profile *specs.LinuxSeccomp
	Report  *Report
	// Sources are the groups of the Set the profile was built from, when
	// a Finisher renamed or merged them (package pipeline); nil is Group
	// alone.
	Sources []string
	// Added, when set, are calls a Finisher added to this profile alone,
	// that no record showed (package containers: the base of the runtime
	// that started the container); Explain and the summary name it.
	Added *Base
}

// SourceGroups returns the groups of the Set b was built from: Sources,
// or Group alone.
func (b Built) SourceGroups() []string {
	if b.Sources != nil {
		return b.Sources
	}
	return []string{b.Group}
}

// BuildAll builds the profile of every group of s, in Groups' order. On
// error it returns no profile.
func BuildAll(s *Set, opt Options) ([]Built, error) {
	var out []Built
	for _, g := range s.Groups() {
		p, rep, err := Build(s, g, opt)
		if err != nil {
			return nil, fmt.Errorf("build profile of %q: %w", g, err)
		}
		out = append(out, Built{Group: g, Profile: p, Report: rep})
	}
	return out, nil
}

// Output is where profiles go: one file (or W) holding the union of every
// group's profile, or one file per group in Dir.
type Output struct {
	Path   string      // the union's file; "", "-" or "/dev/stdout" is W (OutputDest)
	Dir    string      // when set, one file per group: Dir/FileName(group)+Format.Ext()
	Format Format      // "" is OCI
	W      io.Writer   // standard output
	SPO    SPOOptions  // the SeccompProfile objects' version, name and labels
	Perm   os.FileMode // of the files written; 0 is 0644
	// Provenance, when set, is what each SeccompProfile object's
	// annotations say it came from (ProvenanceAnnotations).
	Provenance *Provenance

	held *held // what Open opened, shared by the copies of o
}

// held is the destination Open opened: Path's Target (and its
// companion's), or Dir.
type held struct {
	target, companion *safefile.Target
	dir               *safefile.Dir
}

// Open opens o's destination now (safefile.OpenTarget, or safefile.MakeDir
// for Dir), and the provenance companion of a profile file when o writes
// one (Provenance set and OCI): a bad one fails here, before the work whose
// profiles it is to hold, and Write then writes through what Open opened,
// whatever happens to the path since. Close closes it. An Output not
// opened opens its destination at each Write.
func (o *Output) Open() error {
	h := &held{}
	var err error
	if o.Dir != "" {
		h.dir, err = safefile.MakeDir(o.Dir)
		if err != nil {
			return fmt.Errorf("output dir: %w", err)
		}
	} else if h.target, err = safefile.OpenTarget(o.Path); err != nil {
		return fmt.Errorf("write profile: %w", err)
	} else if o.companions() && h.target.Dest() == safefile.DestFile {
		if h.companion, err = safefile.OpenTarget(o.Path + ProvenanceExt); err != nil {
			h.target.Close()
			return fmt.Errorf("write provenance: %w", err)
		}
	}
	o.held = h
	return nil
}

// Close closes what Open opened.
func (o *Output) Close() error {
	if o.held == nil {
		return nil
	}
	h := o.held
	o.held = nil
	if h.dir != nil {
		return h.dir.Close()
	}
	if h.companion != nil {
		h.companion.Close()
	}
	return h.target.Close()
}

// Names returns the file name, in Dir, of group's profile, and its
// SeccompProfile object's name ("" unless the format is SPO).
func (o Output) Names(group string) (file, object string) {
	if o.format() == SPO {
		object = ResourceName(o.objectName(group))
	}
	return FileName(group) + o.format().Ext(), object
}

// objectName is the metadata.name of group's object, before ResourceName.
// The union an Output without Dir writes (UnionGroup) is named by --name,
// else after its file, else after its one group when it holds one.
func (o Output) objectName(group string, sources ...string) string {
	if o.Dir == "" {
		if len(sources) == 1 && sources[0] != UnionGroup {
			group = ObjectName(sources[0])
		}
		return cmp.Or(o.SPO.Name, fileStem(o.Path), group)
	}
	name := ObjectName(group)
	if o.SPO.Name != "" {
		name = o.SPO.Name + "-" + name
	}
	return name
}

// fileStem is the base name of path without its extension, "" when path
// names no file (standard output, /dev/null).
func fileStem(path string) string {
	if dest, _ := safefile.OutputDest(path); dest != safefile.DestFile {
		return ""
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// marshal encodes one profile in o's format; b names it and tells its
// provenance.
func (o Output) marshal(b Built) ([]byte, error) {
	if o.format() != SPO {
		return o.format().Marshal(b.Group, b.Profile)
	}
	spo := o.SPO
	if o.Provenance != nil {
		spo.Annotations = o.Provenance.Annotations(b)
	}
	return spo.Marshal(o.objectName(b.Group, b.Sources...), b.Profile)
}

// Write writes built as o says. A file is replaced whole or not at all,
// only in a directory no other user can write, reached through no link
// another user controls (package safefile). Path means what OutputDest
// says: "-" and "/dev/stdout" are W, "/dev/null" discards; no other path
// in /dev is written (replacing a device node is never meant).
// In Dir, a profile that cannot be written does not stop the others; the
// errors are returned joined.
func (o Output) Write(built []Built, opt Options) error {
	if o.Dir != "" {
		return o.writeDir(built, opt)
	}
	profiles := make([]*specs.LinuxSeccomp, len(built))
	for i, b := range built {
		profiles[i] = b.Profile
	}
	union, err := Union(opt, profiles...)
	if err == nil {
		union, err = opt.mergeRules(union)
	}
	if err != nil {
		return err
	}
	var sources []string
	var records uint64
	for _, b := range built {
		sources = append(sources, b.SourceGroups()...)
		records += b.Report.Records
	}
	b := Built{Group: UnionGroup, Profile: union, Report: &Report{Records: records}, Sources: sources}
	data, err := o.marshal(b)
	if err != nil {
		return err
	}
	t := o.heldTarget()
	if t == nil {
		if t, err = safefile.OpenTarget(o.Path); err != nil {
			return fmt.Errorf("write profile: %w", err)
		}
		defer t.Close()
	}
	if err := t.Write(o.W, data, o.perm()); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if o.companions() && t.Dest() == safefile.DestFile {
		return o.writeCompanion(b)
	}
	return nil
}

// UnionGroup is the group of the union of every group's profile, as an
// Output without Dir writes it: what the summary and the provenance call
// it.
const UnionGroup = "all"

// companions reports whether o writes a provenance companion beside each
// profile file (ProvenanceExt): for OCI profiles, which have no field for
// it (SeccompProfiles carry it as annotations).
func (o Output) companions() bool { return o.Provenance != nil && o.format() == OCI }

// writeCompanion writes the companion of the union written to Path,
// through what Open opened.
func (o Output) writeCompanion(b Built) error {
	var t *safefile.Target
	var err error
	if o.held != nil && o.held.companion != nil {
		t = o.held.companion
	} else if t, err = safefile.OpenTarget(o.Path + ProvenanceExt); err == nil {
		defer t.Close()
	}
	if err == nil {
		err = t.Write(nil, o.Provenance.Companion(filepath.Base(o.Path), b), o.perm())
	}
	if err != nil {
		return fmt.Errorf("write provenance: %w", err)
	}
	return nil
}

// writeDir writes one file per group, all synced at once and renamed, then
// one sync of the directory (Dir.Commit), in the Dir Open opened; an
// Output not opened makes and opens it here.
func (o Output) writeDir(built []Built, opt Options) error {
	d := o.heldDir()
	if d == nil {
		var err error
		if d, err = safefile.MakeDir(o.Dir); err != nil {
			return fmt.Errorf("output dir: %w", err)
		}
		defer d.Close()
	}
	var errs []error
	taken := make(map[string]string, len(built)) // file name: group
	for _, b := range built {
		p, err := opt.mergeRules(b.Profile)
		var data []byte
		if err == nil {
			b.Profile = p
			data, err = o.marshal(b)
		}
		file, clash := o.fileIn(taken, b.Group)
		if clash != nil {
			errs = append(errs, clash)
		}
		if err == nil {
			err = d.Stage(file, data, o.perm())
		}
		if err == nil && o.companions() {
			err = d.Stage(file+ProvenanceExt, o.Provenance.Companion(file, b), o.perm())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write profile of %q: %w", b.Group, err))
		}
	}
	if err := d.Commit(); err != nil {
		errs = append(errs, fmt.Errorf("write profiles: %w", err))
	}
	return errors.Join(errs...)
}

// ErrNameClash: two profiles of one write would have one file name (the
// 64-bit hash of FileName shared by two groups, or one group given twice).
var ErrNameClash = errors.New("two profiles have one file name")

// fileIn returns the file name of group's profile in a write whose files
// so far are taken, and takes it. A name taken already is not replaced:
// the profile gets its group's AltFileName, and the error says so (the
// write fails, so the fallback keeps it too).
func (o Output) fileIn(taken map[string]string, group string) (string, error) {
	file := FileName(group) + o.format().Ext()
	other, clash := taken[file]
	if !clash {
		taken[file] = group
		return file, nil
	}
	alt := AltFileName(group) + o.format().Ext()
	taken[alt] = group
	return alt, fmt.Errorf("write profile of %q: %w: %s is %q's; written as %s", group, ErrNameClash, file, other, alt)
}

func (o Output) heldTarget() *safefile.Target {
	if o.held == nil {
		return nil
	}
	return o.held.target
}

// OpenedDir is the Dir Open opened, nil before.
func (o Output) OpenedDir() *safefile.Dir { return o.heldDir() }

func (o Output) heldDir() *safefile.Dir {
	if o.held == nil {
		return nil
	}
	return o.held.dir
}

func (o Output) perm() os.FileMode {
	if o.Perm == 0 {
		return 0o644
	}
	return o.Perm
}

func (o Output) format() Format {
	if o.Format == "" {
		return OCI
	}
	return o.Format
}

// ErrConditionsDropped: Options.Merge's profiles allow calls on conditions,
// and no Options.MergeRules can keep them.
var ErrConditionsDropped = errors.New("merged profiles allow calls on conditions, and nothing merges conditions")

// mergeRules returns p with what opt.Merge's profiles allow, conditions
// kept (opt.MergeRules); p itself when there is nothing to merge.
func (opt Options) mergeRules(p *specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	if len(opt.Merge) == 0 {
		return p, nil
	}
	if opt.MergeRules == nil {
		for _, m := range opt.Merge {
			for _, r := range m.Syscalls {
				if r.Action == specs.ActAllow && len(r.Args) > 0 {
					return nil, ErrConditionsDropped
				}
			}
		}
		return p, nil
	}
	out, err := opt.MergeRules(p, opt.Merge)
	if err != nil {
		return nil, fmt.Errorf("merge profiles: %w", err)
	}
	return out, nil
}
