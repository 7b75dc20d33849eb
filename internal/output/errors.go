package output

import (
	"errors"
	"fmt"
)

// Field names one of a Writer's outputs in the errors about it; the
// command words it with the flag that set it.
type Field int

// A Writer's outputs.
const (
	FieldPath      Field = iota // Output.Path: the profile
	FieldDir                    // Output.Dir: the output directory
	FieldExplain                // Explain: the explanation
	FieldJSON                   // JSON: the summary as JSON
	FieldCompanion              // Output.Path's provenance companion (profilegen.ProvenanceExt)
)

func (f Field) String() string {
	return [...]string{"the profile", "the output directory", "the explanation", "the JSON summary", "the profile's provenance"}[f]
}

// FileError: the file of Field could not be opened (Write false) or
// written.
type FileError struct {
	Field Field
	Write bool
	Err   error
}

func (e *FileError) Error() string {
	s := e.Field.String() + ": " + e.Err.Error()
	if e.Write {
		s = "write " + s
	}
	return s
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrClash: two outputs of a run would be one file, and the one written
// last would replace the other.
var ErrClash = errors.New("outputs clash")

// ClashError: the file of Field, Path, is where the output With goes
// (Other its path; for FieldDir, Path is in that directory, where a
// group's profile may have its name; for FieldCompanion, Other is the
// profile's path). It wraps ErrClash.
type ClashError struct {
	Field Field
	Path  string
	With  Field
	Other string
}

func (e *ClashError) Error() string {
	if e.With == FieldDir {
		return fmt.Sprintf("%s %s: in the output directory %s, where a group's profile may have its name: %v", e.Field, e.Path, e.Other, ErrClash)
	}
	return fmt.Sprintf("%s %s: %s goes there (%s): %v", e.Field, e.Path, e.With, e.Other, ErrClash)
}

func (e *ClashError) Unwrap() error { return ErrClash }
