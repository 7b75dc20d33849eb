package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
)

// resumed is a profile found in the output dir at start (Config.Resume): it
// joins the group whose file it is when that group is first seen, so a
// restart loses nothing. Files of groups not seen again stay as they are.
type resumed struct {
	profile *specs.LinuxSeccomp
	applied map[string]bool // groups it was added to
}

// loadResume reads the profiles in dir with the output format's extension,
// keyed by file name without it. A missing dir holds none; a file that is
// not a profile is logged and skipped.
func loadResume(dir, ext string, log *slog.Logger) map[string]*resumed {
	out := map[string]*resumed{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("read output dir for --resume", "dir", dir, "err", err)
		}
		return out
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ext)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		p, err := profilegen.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			out[name] = &resumed{profile: p, applied: map[string]bool{}}
			continue
		}
		log.Warn("skipped a file in the output dir that is not a profile", "file", e.Name(), "err", err)
	}
	if len(out) > 0 {
		log.Info("merging the profiles already in the output dir", "dir", dir, "profiles", len(out))
	}
	return out
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
