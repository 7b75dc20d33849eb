// Package output is the one writer of a run's outputs, for replay, record
// and watch alike: its profiles (one file, standard output or one file per
// group in a directory, OCI JSON or SeccompProfile objects), the
// explanation, and the summary (text, or JSON to the text's stream or a file). It
// opens every output before the work starts (package safefile), writes
// through what it opened, and when a write still fails at the end keeps
// what it was to write in a fallback directory of the user's: a recording
// is never thrown away.
package output
