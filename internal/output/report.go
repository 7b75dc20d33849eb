package output

import (
	"bytes"
	"io"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// Report writes a run's summary: j, its JSON form (docs/json.md), when JSON
// is set, to the JSON file or, for "-", to stream; and sum's text to
// stream unless Quiet or the JSON takes its place (sum nil: no text).
func (w *Writer) Report(stream io.Writer, sum *pipeline.Summary, j any) error {
	if w.JSON != "" {
		if err := w.WriteJSON(stream, j); err != nil {
			return err
		}
	}
	if sum != nil && !w.Quiet && w.JSON != "-" {
		sum.WriteTo(stream)
	}
	return nil
}

// WriteJSON writes v as JSON: to the file JSON names (through what
// OpenReports opened), or to stream for "-".
func (w *Writer) WriteJSON(stream io.Writer, v any) error {
	return WriteJSON(w.JSON, w.json, stream, v)
}

// WriteJSON writes v as JSON to path: stream for "-", else the file,
// through t when it was opened (safefile.OpenTarget), replaced whole.
func WriteJSON(path string, t *safefile.Target, stream io.Writer, v any) error {
	if path == "-" {
		return pipeline.WriteJSON(stream, v)
	}
	var buf bytes.Buffer
	if err := pipeline.WriteJSON(&buf, v); err != nil {
		return err
	}
	var err error
	if t != nil {
		err = t.Write(stream, buf.Bytes(), 0o644)
	} else {
		err = safefile.WriteOutput(path, stream, buf.Bytes())
	}
	if err != nil {
		return &FileError{FieldJSON, true, err}
	}
	return nil
}

// Provenance is what the profiles of a reading with counts c came from:
// this recorder's version and the records' time span.
func Provenance(c *pipeline.Counts) *profilegen.Provenance {
	return &profilegen.Provenance{Version: buildinfo.Version(), First: c.First, Last: c.Last}
}

// ExplainText is ex's text of the profiles built (pipeline.Explain), nil
// when there is no ex.
func ExplainText(ex *pipeline.Explain, built []profilegen.Built, opt profilegen.Options) []byte {
	if ex == nil {
		return nil
	}
	var b bytes.Buffer
	ex.WriteTo(&b, built, opt)
	return append([]byte{}, b.Bytes()...) // never nil: an empty explanation is still written
}
