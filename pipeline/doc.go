// Package pipeline is the one road of a seccomp record, whichever command
// reads it (replay, watch, record, run --report):
//
//	lines or live records → audit.Parse → Enrichers → Filter → GroupBy → profilegen.Set and Counts → Summary
//
// Its input is log lines as the kernel, syslog, auditd or journald wrote
// them (see package audit for every shape), such as
//
//	Nov 28 16:28:46 vm kernel: [ 1414.978243] audit: type=1326 audit(1795882651.439:400233): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2010 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=257 compat=0 ip=0x7f0175d644f7 code=0x7ffc0000
//
// or records parsed already (record's collection from the netlink socket).
// Pipeline.Line parses a line; a seccomp record then goes through the
// enrichers, which add what the line does not hold (Record.SetAttr), the
// Filter (--exe, --comm, --pid), and the GroupBy, which names the profile
// it goes into; the Set keeps each distinct (group, arch, syscall, action)
// with a count. Every other line is counted: Counts is the one set of
// counters, and Summary the one renderer of them.
//
// # Adding a stage
//
// What a record needs besides its line (its container, its pod, the
// program it belongs to) is an Enricher: one method that sets attributes
// on the record. A GroupBy or a Filter can then use them: GroupByAttr
// groups by an attribute, and RegisterGroupBy makes --group-by know it.
// See the Example of Enricher. A grouping whose names come later than its
// records (a container's pod and name, from the runtime) groups by what the
// record knows and gives a Finisher (Config.Finish), which names, merges and
// selects the groups when Build makes the profiles; an enricher that cannot
// tell what a record belongs to marks it (Record.MarkUnattributed), and
// Counts.Unattributed counts it.
//
// ReadFrom and ReadAll parse a stream on every core, one pipeline per
// block of lines, merged in order: the outcome is that of one pass. Memory
// stays flat in the input's size (a few blocks of 256 KiB in flight), and
// ctx's end returns at once, even from a read that blocks. Config.Limits
// bound the groups and unknown numbers the Set keeps (profilegen.Limits).
//
// # Why a call is in a profile
//
// Config.Explain keeps, per group and call, what --explain tells: how many
// records, the first and last time, the executables and comms, a sample
// serial, the first line, and whether the call was startup-only. It keeps
// what the Set keeps, where the Set keeps it (the records of groups past
// Limits.Groups under profilegen.OverflowGroup, no unknown number past
// Limits.Unknown), so it is bounded as the Set is, and costs no
// allocation for a known call; a pipeline with one parses on one core,
// into itself.
package pipeline
