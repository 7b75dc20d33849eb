package pipeline

import "github.com/recorder-dev/recorder/audit"

// Record is a seccomp record on its way down the pipeline: the parsed
// audit.Record and the attributes enrichers added to it (the container of
// its pid, ...). The pipeline reuses one Record for every line: an enricher
// must not keep it.
type Record struct {
	audit.Record
	attrs        []Attr
	unattributed bool
}

// Attr is one attribute an enricher added, such as {"container", "3f2a…"}.
type Attr struct {
	Key, Value string
}

// SetAttr sets the attribute key to value, replacing an earlier value.
func (r *Record) SetAttr(key, value string) {
	for i := range r.attrs {
		if r.attrs[i].Key == key {
			r.attrs[i].Value = value
			return
		}
	}
	r.attrs = append(r.attrs, Attr{key, value})
}

// Attr returns the value of the attribute key, and whether it is set.
func (r *Record) Attr(key string) (string, bool) {
	for _, a := range r.attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Attrs returns the attributes set, in the order they were first set. The
// slice is the Record's own: do not keep it.
func (r *Record) Attrs() []Attr { return r.attrs }

// clearAttrs drops the attributes of the previous record, keeping their memory.
func (r *Record) clearAttrs() { r.attrs, r.unattributed = r.attrs[:0], false }

// MarkUnattributed says that an enricher could not tell what the record
// belongs to (its process was gone before it could be looked up): the
// record is counted in Counts.Unattributed, never guessed.
func (r *Record) MarkUnattributed() { r.unattributed = true }

// Unattributed reports whether an enricher called MarkUnattributed.
func (r *Record) Unattributed() bool { return r.unattributed }
