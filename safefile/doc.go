// Package safefile writes the recorder's output files, as root, where
// other users may have a hand in the path: every directory is opened
// without following a link another user controls (openat2 with
// RESOLVE_NO_SYMLINKS, else one component at a time with O_NOFOLLOW), and
// every file is then made through that directory's handle (openat,
// renameat), replaced whole or not at all, never written through a link, a
// FIFO or a device.
//
// The rule, in full (OpenDir, ResolveDir):
//   - A link on the way is followed only when it belongs to root or to the
//     caller (the effective user) and sits in a directory that passes the
//     directory rule below for root and the caller alone. A link of any
//     other user, the invoking user of sudo included, is refused
//     (ErrUnsafeLink): whoever owns it could point it anywhere between two
//     writes.
//   - The directory written in must belong to root, the caller, or the
//     user who invoked the caller through sudo (SUDO_UID, when the caller
//     is root), and no one else may write in it: not its group (unless it
//     is root's group, or the caller's own when the caller is not root),
//     not others, unless it is sticky, as /tmp (others can add names there,
//     never replace the caller's). Otherwise ErrUnsafeDir says why.
//
// A Dir is opened once and kept: renaming or replacing its path afterwards
// changes nothing for what is written through it (a daemon keeps its
// output directory for its life). Target is an output path opened this way
// before the work starts, written at its end. FallbackDir is where a
// profile goes when its own destination failed at the end.
package safefile
