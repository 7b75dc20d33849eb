package output

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// Writer is where a run's outputs go. Its Output (embedded) is where the
// profiles go; Explain and JSON name the other files.
type Writer struct {
	profilegen.Output
	Explain string // the explanation's file ("" none; "-" is Output.W)
	JSON    string // the summary as JSON: "" none, "-" in place of the text, else this file
	Quiet   bool   // no text summary

	explain, json *safefile.Target // opened by OpenReports
}

// Open opens every output now: a bad one fails before the work whose
// outputs they are, not after. Close closes them.
func (w *Writer) Open() error {
	if err := w.Output.Open(); err != nil {
		return err
	}
	if err := w.OpenReports(); err != nil {
		w.Close()
		return err
	}
	return nil
}

// OpenReports opens the explanation's and the JSON summary's files (not the profiles'
// destination: a daemon opens its directory itself, OpenDir), unless they
// are open.
func (w *Writer) OpenReports() error {
	var err error
	if w.Explain != "" && w.explain == nil {
		if w.explain, err = safefile.OpenTarget(w.Explain); err != nil {
			return &FileError{FieldExplain, false, err}
		}
	}
	if w.JSON != "" && w.JSON != "-" && w.json == nil {
		if w.json, err = safefile.OpenTarget(w.JSON); err != nil {
			w.closeReports()
			return &FileError{FieldJSON, false, err}
		}
	}
	return nil
}

// OpenDir opens the output directory unless it is open: once open it is
// kept, not opened by its path again, unless it was removed (then its
// path is resolved again, under the same rules: a link put in its place
// is refused). remade reports a directory removed and made again.
func (w *Writer) OpenDir() (remade bool, err error) {
	if dir := w.OpenedDir(); dir != nil {
		if !dir.Removed() {
			return false, nil
		}
		w.Output.Close()
		remade = true
	}
	return remade, w.Output.Open()
}

// Close closes what Open opened.
func (w *Writer) Close() {
	w.Output.Close()
	w.closeReports()
}

func (w *Writer) closeReports() {
	for _, t := range []**safefile.Target{&w.explain, &w.json} {
		if *t != nil {
			(*t).Close()
			*t = nil
		}
	}
}

// Write writes the profiles built, then explain (the explanation; nil
// for none), through what Open opened (a Writer not opened opens its
// paths now). When the profiles fail, explain is not written.
func (w *Writer) Write(built []profilegen.Built, opt profilegen.Options, explain []byte) error {
	if err := w.Output.Write(built, opt); err != nil {
		return err
	}
	if explain == nil {
		return nil
	}
	return w.WriteExplain(explain)
}

// WriteExplain writes the explanation through what OpenReports opened
// (a Writer not opened opens its path now).
func (w *Writer) WriteExplain(explain []byte) error {
	t := w.explain
	if t == nil {
		var err error
		if t, err = safefile.OpenTarget(w.Explain); err != nil {
			return &FileError{FieldExplain, true, err}
		}
		defer t.Close()
	}
	if err := t.Write(w.W, explain, 0o644); err != nil {
		return &FileError{FieldExplain, true, err}
	}
	return nil
}

// Save is Write, and when it fails, Keep of what failed: the error then
// names the fallback directory (wrapping ErrKept), or says that it failed
// too.
func (w *Writer) Save(built []profilegen.Built, opt profilegen.Options, explain []byte) error {
	if err := w.Output.Write(built, opt); err != nil {
		return w.kept(err, built, opt, explain)
	}
	if explain == nil {
		return nil
	}
	if err := w.WriteExplain(explain); err != nil {
		return w.kept(err, nil, opt, explain)
	}
	return nil
}

func (w *Writer) kept(err error, built []profilegen.Built, opt profilegen.Options, explain []byte) error {
	dir, kerr := w.Keep(built, opt, explain)
	if kerr != nil {
		return fmt.Errorf("%w; and %w", err, kerr)
	}
	return fmt.Errorf("%w; %w: written to %s instead", err, ErrKept, dir)
}

// ErrKept: an output could not be written, and went to a fallback
// directory instead (still an error: not where it was asked for).
var ErrKept = errors.New("the recording is kept")

// Keep writes the profiles built (none: nil) and explain (nil: none) into
// a new directory of the user's (safefile.FallbackDir), under the names
// they were to have, mode 0600, and returns its path.
func (w *Writer) Keep(built []profilegen.Built, opt profilegen.Options, explain []byte) (string, error) {
	dir, err := safefile.FallbackDir()
	if err != nil {
		return "", fmt.Errorf("no fallback directory either: %w", err)
	}
	defer dir.Close()
	if built != nil {
		o := w.Output
		fb := profilegen.Output{Format: o.Format, SPO: o.SPO, Perm: 0o600, Provenance: o.Provenance}
		if o.Dir != "" {
			fb.Dir = dir.Path()
		} else {
			fb.Path = filepath.Join(dir.Path(), keptName(o.Path, "profile"+o.Format.Ext()))
		}
		err = fb.Write(built, opt)
	}
	if err == nil && explain != nil {
		err = dir.WriteFile(keptName(w.Explain, "explain.txt"), explain, 0o600)
	}
	if err == nil {
		err = dir.Finish()
	}
	if err != nil {
		return "", fmt.Errorf("writing to the fallback directory %s failed too: %w", dir.Path(), err)
	}
	return dir.Path(), nil
}

// keptName is the base name of the output path, or def when it names no
// file (standard output, /dev/null).
func keptName(path, def string) string {
	if dest, _ := safefile.OutputDest(path); dest != safefile.DestFile {
		return def
	}
	return filepath.Base(path)
}
