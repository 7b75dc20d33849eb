package watch

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// resumed is a profile found in the output dir at start (Config.Resume): it
// joins the group whose file it is when that group is first seen, so a
// restart loses nothing. Files of groups not seen again stay as they are.
type resumed struct {
	profile *specs.LinuxSeccomp
	applied map[string]bool // groups it was added to
}

// loadResume reads the profiles in dir with the output format's extension,
// keyed by file name without it, through the dir's handle and never
// through a link. Only files of this process's user are taken: a file of
// another user's (planted in a shared, sticky dir) is logged, with its
// owner, and left alone; so is a file that is not a profile.
func loadResume(dir *safefile.Dir, ext string, log *slog.Logger) map[string]*resumed {
	out := map[string]*resumed{}
	names, err := dir.Names()
	if err != nil {
		log.Warn("read output dir for --resume", "dir", dir.Path(), "err", err)
		return out
	}
	slices.Sort(names)
	for _, file := range names {
		name, ok := strings.CutSuffix(file, ext)
		if !ok || strings.HasPrefix(file, ".") {
			continue
		}
		p, err := readOwn(dir, file)
		var other foreignFile
		switch {
		case err == nil:
			out[name] = &resumed{profile: p, applied: map[string]bool{}}
		case errors.As(err, &other):
			log.Warn("--resume left alone a profile of another user in the output dir", "file", file, "owner_uid", other.uid)
		case errors.Is(err, errNotRegular):
		case errors.As(err, new(invalidOwn)):
			setAside(dir, file, err, log)
		default:
			log.Warn("skipped a file in the output dir that is not a profile", "file", file, "err", err)
		}
	}
	if len(out) > 0 {
		log.Info("merging the profiles already in the output dir", "dir", dir.Path(), "profiles", len(out))
	}
	return out
}

// foreignFile: a file in the output dir of another user's.
type foreignFile struct{ uid uint32 }

func (f foreignFile) Error() string { return fmt.Sprintf("belongs to uid %d", f.uid) }

// errNotRegular: what is in the output dir under a profile's name is not a
// regular file (a link, a directory, a FIFO): not read.
var errNotRegular = errors.New("not a regular file")

// readOwn reads the profile file in dir when it is a regular file of this
// process's user, as every profile is read (profilegen.ReadLimit: bounded,
// validated).
func readOwn(dir *safefile.Dir, file string) (*specs.LinuxSeccomp, error) {
	f, uid, err := dir.Open(file)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, safefile.ErrNotRegular) {
		return nil, errNotRegular
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if uid != uint32(os.Geteuid()) {
		return nil, foreignFile{uid}
	}
	p, err := profilegen.ReadLimit(f, file, 0)
	if err != nil {
		return nil, invalidOwn{err}
	}
	return p, nil
}

// invalidOwn: a regular file of this user's in the output dir, under a
// profile's name, that is not a profile the readers take (malformed, over
// the size limit, refused by profilegen.Validate).
type invalidOwn struct{ err error }

func (e invalidOwn) Error() string { return e.err.Error() }
func (e invalidOwn) Unwrap() error { return e.err }

// setAside moves an invalid profile of this user's out of the way of the
// next flush, which would otherwise replace it and lose what it held: it
// stays in the dir as FILE.invalid (safefile.Dir.SetAside).
func setAside(dir *safefile.Dir, file string, why error, log *slog.Logger) {
	aside, err := dir.SetAside(file)
	if err != nil {
		log.Error("an invalid profile in the output dir could not be set aside: the next flush of its group replaces it", "file", file, "why", why, "err", err)
		return
	}
	log.Warn("--resume set aside a file that is not a valid profile, kept as it was", "file", file, "kept_as", aside, "why", why)
}

// applyResume adds each loaded profile to the groups whose file it is; d.mu
// is held.
func (d *daemon) applyResume() {
	if len(d.resume) == 0 {
		return
	}
	for _, g := range d.p.Set.Groups() {
		if d.p.Name(g) != g {
			continue // written under another name: see resumeNamed
		}
		m := d.resume[profilegen.FileName(g)]
		if m == nil || m.applied[g] {
			continue
		}
		d.p.Set.AddProfile(g, m.profile)
		m.applied[g] = true
	}
}

// resumeNamed adds the loaded profiles to the built profiles that a
// pipeline.Finisher named (a container's, once its names are known), by the
// file they are written to; d.mu is held. A loaded profile is taken as
// applyResume takes one (Options.Merge and AddProfile: the names of its
// SCMP_ACT_ALLOW rules, conditions dropped), whatever its shape: Union
// refuses profiles not of Build's shape, and one such file must not stop
// every write.
func (d *daemon) resumeNamed(built []profilegen.Built) ([]profilegen.Built, error) {
	if len(d.resume) == 0 || d.cfg.Pipeline.Finish == nil {
		return built, nil
	}
	for i, b := range built {
		m := d.resume[profilegen.FileName(b.Group)]
		if m == nil {
			continue
		}
		opt := d.cfg.Build
		opt.Merge = append(slices.Clip(opt.Merge), m.profile)
		p, err := profilegen.Union(opt, b.Profile)
		if err != nil {
			return nil, fmt.Errorf("merge %s with the profile written before: %w", b.Group, err)
		}
		built[i].Profile = p
	}
	return built, nil
}
