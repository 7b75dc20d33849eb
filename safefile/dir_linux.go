package safefile

import "golang.org/x/sys/unix"

// syncStaged makes the data of every staged file durable with one syncfs of
// d's file system: a sync per file would cost a journal commit each.
func (d *Dir) syncStaged() error { return unix.Syncfs(d.fd()) }
