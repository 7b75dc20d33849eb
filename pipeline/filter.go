package pipeline

import (
	"regexp"
	"strings"
	"sync"
)

// maxFilterCache bounds the remembered match results per field; past it the
// cache starts over (a workload rarely has thousands of distinct names).
const maxFilterCache = 4096

// Filter selects records. A nil Filter, or a zero one, matches every record.
// Exe is matched against the full decoded exe path (such as
// "/usr/sbin/nginx" or "(null)"), Comm against the decoded comm, with
// regexp's MatchString: anchor the pattern (^...$) to match the whole text.
// A Filter is safe for concurrent use; do not copy it after first use.
type Filter struct {
	Exe, Comm *regexp.Regexp
	PID       int32 // 0: any
	// Attrs are attributes an enricher set that the record must have, each
	// starting with its Prefix (--container: "container" starting with the
	// digits given).
	Attrs []AttrMatch

	mu        sync.Mutex
	exe, comm map[string]bool // match results per distinct text
}

// Match reports whether r passes every set condition. Results are cached per
// distinct exe and comm text, so a replay runs a regexp once per name, not
// once per record.
func (f *Filter) Match(r *Record) bool {
	if f == nil {
		return true
	}
	if f.PID != 0 && r.PID != f.PID {
		return false
	}
	for _, m := range f.Attrs {
		if v, ok := r.Attr(m.Key); !ok || !strings.HasPrefix(v, m.Prefix) {
			return false
		}
	}
	if f.Exe == nil && f.Comm == nil {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return match(f.Exe, &f.exe, r.Exe) && match(f.Comm, &f.comm, r.Comm)
}

func match(re *regexp.Regexp, cache *map[string]bool, text []byte) bool {
	if re == nil {
		return true
	}
	if ok, hit := (*cache)[string(text)]; hit {
		return ok
	}
	if *cache == nil || len(*cache) >= maxFilterCache {
		*cache = make(map[string]bool)
	}
	ok := re.Match(text)
	(*cache)[string(text)] = ok
	return ok
}

// AttrMatch is a condition of Filter.Attrs.
type AttrMatch struct {
	Key, Prefix string
}
