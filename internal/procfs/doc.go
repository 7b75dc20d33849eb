// Package procfs reads what the recorder needs of /proc/PID: a process's
// start time, field 22 of /proc/PID/stat, which with the pid names one
// process even once the pid is reused. The kernel writes the file as
//
//	2010 (runc:[2:INIT]) S 1995 1995 1 0 -1 4194560 712 0 0 0 1 0 0 0 20 0 5 0 1234567 … 0
//
// where the comm in parentheses is the process's to choose, ')' and spaces
// included: the fields are counted after its last ')'. The netlink source
// (the pid in its audit state file) and the container attributor (is the
// pid still the process that made a record) share it. The Reader reads
// into one buffer it keeps, for the attributor's lookups.
package procfs
