// Package attacker makes the hostile local user of the hardening tests: a
// real unprivileged account (useradd), removed with its group when the
// test ends, pass or fail. Its commands run with its uid and gid, so what
// it plants (links, files, directory swaps) is what such a user can do.
// New needs root: as root every hardening test runs (CI runs as root).
// RefusePlanted and WritableDirs make, without a user, what such a user
// leaves behind: links, a FIFO and a device where a file is to be opened;
// directories any user can write.
package attacker
