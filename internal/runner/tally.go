package runner

import "github.com/recorder-dev/recorder/audit"

// tally holds the distinct records of a recording with how often each came,
// in the order each first came: memory grows with what differs (processes,
// calls), not with how often a program makes the same call.
type tally struct {
	index map[tallyKey]int
	names map[string]string // comms and exes, each kept once
	recs  []audit.Record    // Comm and Exe are the tally's own copies
	n     []uint64
	last  []stamp // of the last record counted in each
}

// stamp is a record's audit(SEC.MSEC:SERIAL).
type stamp struct {
	sec    int64
	msec   uint32
	serial uint64
}

type tallyKey struct {
	ses     uint32
	pid     int32
	arch    uint32
	syscall int64
	action  audit.Action
	comm    string
	exe     string
}

func (t *tally) add(r *audit.Record) { t.addN(r, 1) }

func (t *tally) addN(r *audit.Record, n uint64) {
	if t.index == nil {
		t.index, t.names = make(map[tallyKey]int), make(map[string]string)
	}
	k := tallyKey{r.Ses, r.PID, r.Arch, r.Syscall, r.Action, t.intern(r.Comm), t.intern(r.Exe)}
	if i, ok := t.index[k]; ok {
		t.n[i] += n
		t.last[i] = stamp{r.Sec, r.Msec, r.Serial}
		return
	}
	c := *r
	c.Comm, c.Exe = []byte(k.comm), []byte(k.exe)
	t.index[k] = len(t.recs)
	t.recs = append(t.recs, c)
	t.n = append(t.n, n)
	t.last = append(t.last, stamp{r.Sec, r.Msec, r.Serial})
}

// lastOf returns the record i of the tally as its last one came.
func (t *tally) lastOf(i int) audit.Record {
	r := t.recs[i]
	r.Sec, r.Msec, r.Serial = t.last[i].sec, t.last[i].msec, t.last[i].serial
	return r
}

// intern returns b as a string, allocated once per distinct text: a key
// built from it costs nothing for a record seen before.
func (t *tally) intern(b []byte) string {
	if s, ok := t.names[string(b)]; ok {
		return s
	}
	s := string(b)
	t.names[s] = s
	return s
}

// keep returns the records for which ok is true.
func (t *tally) keep(ok func(*audit.Record) bool) tally {
	var out tally
	for i := range t.recs {
		if ok(&t.recs[i]) {
			out.addN(&t.recs[i], t.n[i])
			out.last[len(out.last)-1] = t.last[i]
		}
	}
	return out
}

// total is the number of records counted.
func (t *tally) total() uint64 {
	var sum uint64
	for _, n := range t.n {
		sum += n
	}
	return sum
}
