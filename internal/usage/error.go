package usage

import "fmt"

// Error is a request the user got wrong: a value that does not parse, an
// option that does not go with another, an argument missing. A command
// exits with status 2 for it (cmd/recorder maps it, in one place). Its
// text names no flag: a library says what is wrong with the value, and
// the command words it with the flag the value came from.
type Error struct{ Err error }

func (e Error) Error() string { return e.Err.Error() }
func (e Error) Unwrap() error { return e.Err }

// Errorf returns an Error of fmt.Errorf(format, a...).
func Errorf(format string, a ...any) error { return Error{Err: fmt.Errorf(format, a...)} }

// Wrap returns err as an Error; nil for nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return Error{Err: err}
}
