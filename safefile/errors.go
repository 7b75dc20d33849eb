package safefile

import "errors"

// ErrUnsafeDir: a file would be written in a directory that a user other
// than the caller, root (and the invoking user of sudo) can write, or owns.
// Such a user could plant a link, a FIFO or a file of their own there
// between two writes. Errors from OpenDir and WriteFileAtomic wrap it, with
// the reason.
var ErrUnsafeDir = errors.New("unsafe output directory")

// ErrUnsafeLink: the path crosses a symbolic link that another user owns,
// or that sits in a directory another user can write: that user could
// point it anywhere between two writes. It is never followed.
var ErrUnsafeLink = errors.New("will not follow a link another user controls")

// ErrDevice: a path in /dev, or a character or block device at the target
// whatever its path (Dir), which a write would replace by a file.
var ErrDevice = errors.New("will not replace a device node (- is standard output)")

// ErrNotRegular: what Dir.Open found is not a regular file.
var ErrNotRegular = errors.New("not a regular file")
