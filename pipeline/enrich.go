package pipeline

// Enricher adds to a record what its log line does not hold: the container
// of its pid, the names of the program it belongs to, ... It runs after the
// record is parsed and before it is filtered and grouped, so a Filter or a
// GroupBy can use what it adds (see Record.SetAttr and GroupByAttr).
//
// A replay runs one pipeline per core over blocks of lines: an Enricher
// given to such a pipeline must be safe for concurrent use. Enrich is on the
// path of every record: it should not allocate for a record like one seen
// before (cache by pid, intern the values).
type Enricher interface {
	Enrich(r *Record)
}

// EnrichFunc is an Enricher made of a function.
type EnrichFunc func(r *Record)

// Enrich calls f(r).
func (f EnrichFunc) Enrich(r *Record) { f(r) }
