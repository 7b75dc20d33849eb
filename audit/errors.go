package audit

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed is wrapped by the error Parse returns for a seccomp record whose
// syscall= is missing or whose numeric fields are garbled.
var ErrMalformed = errors.New("malformed seccomp record")

// ErrLineTooLong is wrapped in the *ParseError that Reader returns for a line
// longer than Reader.MaxLineLength.
var ErrLineTooLong = errors.New("line too long")

// errNoStamp: the kernel's "audit: type=1326 " with no audit(…) stamp after it.
var errNoStamp = fmt.Errorf("%w: no audit(SEC.MSEC:SERIAL) stamp after \"audit: type=1326\"", ErrMalformed)

// ParseError is returned by Reader: a line that could not be parsed.
type ParseError struct {
	Line int   // 1-based line number
	Err  error // wraps ErrMalformed or ErrLineTooLong
}

func (e *ParseError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// fieldError names the field of a malformed seccomp record. It is built only
// on the error path, so it may allocate.
type fieldError struct {
	field string
	value []byte // nil when the field is missing
	why   string
}

// maxQuoted bounds how much of a hostile value goes into an error message.
const maxQuoted = 40

func (e *fieldError) Error() string {
	if e.value == nil {
		return ErrMalformed.Error() + ": no " + e.field + "= field"
	}
	v := e.value
	cut := ""
	if len(v) > maxQuoted {
		v, cut = v[:maxQuoted], "..."
	}
	return ErrMalformed.Error() + ": " + e.field + "=" + strconv.Quote(string(v)) + cut + " " + e.why
}

func (e *fieldError) Unwrap() error { return ErrMalformed }

func malformed(field string, value []byte, why string) error {
	v := make([]byte, min(len(value), maxQuoted+1)) // non-nil even when empty
	copy(v, value)
	return &fieldError{field: field, value: v, why: why}
}

func missing(field string) error { return &fieldError{field: field, why: "is missing"} }
