package pipeline

import (
	"regexp"
	"strings"
)

// maxFilterCache bounds the remembered match results per field; past it the
// cache starts over (a workload rarely has thousands of distinct names).
const maxFilterCache = 4096

// Filter selects records. A nil Filter, or a zero one, matches every record.
// Exe is matched against the full decoded exe path (such as
// "/usr/sbin/nginx" or "(null)"), Comm against the decoded comm, with
// regexp's MatchString: anchor the pattern (^...$) to match the whole text.
// Matching never changes a Filter: it is safe for concurrent use, and
// ReadFrom's workers share it without a lock. Do not change it while a
// Pipeline uses it.
type Filter struct {
	Exe, Comm *regexp.Regexp
	PID       int32 // 0: any
	// UID and AUID, when set, are the only uid= and auid= kept (the
	// process's real user, and the login user of its audit session:
	// audit.AUIDUnset for none).
	UID, AUID *uint32
	// Attrs are attributes an enricher set that the record must have, each
	// starting with its Prefix (--container: "container" starting with the
	// digits given).
	Attrs []AttrMatch
}

// Match reports whether r passes every set condition. It runs the regexps
// at each call; a Pipeline remembers their results (see matcher).
func (f *Filter) Match(r *Record) bool {
	if f == nil {
		return true
	}
	return f.matchFixed(r) && (f.Exe == nil || f.Exe.Match(r.Exe)) && (f.Comm == nil || f.Comm.Match(r.Comm))
}

// matchFixed reports whether r passes the conditions that are no regexp.
func (f *Filter) matchFixed(r *Record) bool {
	if f.PID != 0 && r.PID != f.PID || f.UID != nil && r.UID != *f.UID || f.AUID != nil && r.AUID != *f.AUID {
		return false
	}
	for _, m := range f.Attrs {
		if v, ok := r.Attr(m.Key); !ok || !strings.HasPrefix(v, m.Prefix) {
			return false
		}
	}
	return true
}

// matcher is how a Pipeline applies its Filter: as Filter.Match, with the
// regexps' results cached per distinct exe and comm text, so that a replay
// runs a regexp once per name, not once per record. Each Pipeline has its
// own (each of ReadFrom's workers too), so it takes no lock.
type matcher struct {
	f         *Filter // whose results the caches hold
	exe, comm map[string]bool
}

// match reports whether r passes f, as f.Match does.
func (m *matcher) match(f *Filter, r *Record) bool {
	if f == nil {
		return true
	}
	if !f.matchFixed(r) {
		return false
	}
	if f.Exe == nil && f.Comm == nil {
		return true
	}
	if m.f != f { // another filter since the last record (a test changes the Config)
		*m = matcher{f: f}
	}
	return cachedMatch(f.Exe, &m.exe, r.Exe) && cachedMatch(f.Comm, &m.comm, r.Comm)
}

func cachedMatch(re *regexp.Regexp, cache *map[string]bool, text []byte) bool {
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
