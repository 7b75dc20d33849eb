package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
)

// mergeProfile is a profile found in the output dir at start (--merge): it
// joins the group whose file it is when that group is first seen, so a
// restart loses nothing. Files of groups not seen again stay as they are.
type mergeProfile struct {
	profile *specs.LinuxSeccomp
	applied map[string]bool // groups it was added to
}

// loadMerge reads the profiles in dir with the output format's extension,
// keyed by file name without it. A missing dir holds none; a file that is
// not a profile is logged and skipped.
func loadMerge(dir, ext string, log *slog.Logger) map[string]*mergeProfile {
	out := map[string]*mergeProfile{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("read output dir for --merge", "dir", dir, "err", err)
		}
		return out
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ext)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			var p *specs.LinuxSeccomp
			if p, err = profilegen.Unmarshal(data); err == nil {
				out[name] = &mergeProfile{profile: p, applied: map[string]bool{}}
				continue
			}
		}
		log.Warn("skipped a file in the output dir that is not a profile", "file", e.Name(), "err", err)
	}
	if len(out) > 0 {
		log.Info("merging the profiles already in the output dir", "dir", dir, "profiles", len(out))
	}
	return out
}

// applyMerge adds each loaded profile to the groups whose file it is; d.mu
// is held.
func (d *daemon) applyMerge() {
	if len(d.merge) == 0 {
		return
	}
	for _, g := range d.set.Groups() {
		m := d.merge[profilegen.FileName(g)]
		if m == nil || m.applied[g] {
			continue
		}
		d.set.AddProfile(g, m.profile)
		m.applied[g] = true
	}
}
