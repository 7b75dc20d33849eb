package buildinfo

import (
	"runtime/debug"

	"github.com/recorder-dev/recorder/syscalls"
)

// Version returns the recorder module's version: the tag a `go install
// …@vX` built, "(devel)" for a build in the module's tree, with its VCS
// revision when the build recorded one ("(devel) 1a2b3c4d5e6f").
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return version(bi)
}

func version(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" && v == "(devel)" {
		v += " " + rev + dirty
	}
	return v
}

// String is what `recorder version` prints after "recorder ": the version
// and the syscall table's Linux version.
func String() string {
	return Version() + " (syscall table: Linux " + syscalls.TableKernel() + ")"
}
