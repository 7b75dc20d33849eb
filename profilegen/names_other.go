//go:build !linux || !cgo

package profilegen

import "errors"

// errNoLibseccomp: this build has no libseccomp (not Linux, or cgo off).
var errNoLibseccomp = errors.New("syscall names need libseccomp (linux, cgo)")

func resolve(arch string, nr int32) (string, error) { return "", errNoLibseccomp }
