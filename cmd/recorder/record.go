package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

const recordUsage = `Usage: recorder record [flags] -- CMD [ARG...]

Runs CMD under a seccomp filter that logs every syscall (SCMP_ACT_LOG, with
no-new-privs), collects the audit records of CMD and of every process it
starts from the netlink audit socket, and when CMD exits writes the
SCMP_ACT_ERRNO profile that allows what they did. CMD's standard streams and
signals pass through; record exits with CMD's exit status. Needs root
(CAP_AUDIT_CONTROL, CAP_AUDIT_READ when auditd runs).

Examples:
  recorder record -o echo.json -- ./echo -listen 127.0.0.1:8080
  recorder record --merge echo.json -o echo.json -- ./echo -text other
  recorder record -d profiles/ --group-by exe -- sh -c 'ls; date'

Flags:
`

// recordConfig is what record's command line asks for.
type recordConfig struct {
	out     outputFlags
	merge   []string
	profile profileFlags
	args    []string
}

func runRecord(ctx context.Context, args []string, std stdio) error {
	cfg, err := parseRecordFlags(args, std.out)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	groupBy, filter, opt, err := cfg.profile.resolve()
	if err != nil {
		return err
	}
	merged, err := readProfiles(cfg.merge)
	if err != nil {
		return err
	}
	res, err := runSandboxed(ctx, sandboxRun{profile: loggingProfile(), args: cfg.args, std: std})
	if err != nil {
		return startFailed("record", err, std.errOut)
	}
	sum := newSummary("record")
	set := profilegen.NewSet(groupBy)
	for i := range res.records.recs {
		r, n := &res.records.recs[i], res.records.n[i]
		sum.lines += n
		if !filter.Match(r) {
			sum.filtered += n
			continue
		}
		sum.kept += n
		set.AddN(r, n)
	}
	addMerged(set, merged, res)
	out := cfg.out.outputs(std.out)
	reports, writeErr := out.write(set, opt)
	if !cfg.out.quiet {
		printRecording(std.errOut, cfg.args[0], res)
		sum.print(std.errOut, reports)
	}
	if writeErr != nil {
		return writeErr
	}
	return exitStatus(res.state)
}

func parseRecordFlags(args []string, helpOut io.Writer) (*recordConfig, error) {
	cfg := &recordConfig{}
	fs := pflag.NewFlagSet("record", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false) // flags end at CMD, with or without "--"
	cfg.out.register(fs)
	fs.StringArrayVar(&cfg.merge, "merge", nil, "add the syscalls an existing profile `FILE` allows (repeatable; e.g. the -o file of an earlier recording)")
	cfg.profile.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, recordUsage+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	if err := cfg.out.check(fs); err != nil {
		return nil, err
	}
	cfg.args = fs.Args()
	if len(cfg.args) == 0 {
		return nil, usageError{errNoProgram}
	}
	return cfg, nil
}

// readProfiles reads the --merge profiles (OCI JSON or SPO YAML).
func readProfiles(paths []string) ([]*specs.LinuxSeccomp, error) {
	var out []*specs.LinuxSeccomp
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--merge: %w", err)
		}
		p, err := profilegen.Unmarshal(data)
		if err != nil {
			return nil, fmt.Errorf("--merge %s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// addMerged adds the --merge profiles to every group recorded, or, when
// nothing was recorded, to the group of the program itself.
func addMerged(set *profilegen.Set, merged []*specs.LinuxSeccomp, res *sandboxResult) {
	if len(merged) == 0 {
		return
	}
	groups := set.Groups()
	if len(groups) == 0 {
		comm, exe := programNames(nil, 0, "", res.path)
		groups = []string{string(set.GroupBy().AppendKey(nil, &audit.Record{Comm: comm, Exe: exe}))}
	}
	for _, g := range groups {
		for _, p := range merged {
			set.AddProfile(g, p)
		}
	}
}

// nativeOCI maps GOARCH to the OCI name of the native ABI.
var nativeOCI = map[string]string{
	"amd64": "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", "arm64": "SCMP_ARCH_AARCH64", "arm": "SCMP_ARCH_ARM",
	"ppc64": "SCMP_ARCH_PPC64", "ppc64le": "SCMP_ARCH_PPC64LE", "s390x": "SCMP_ARCH_S390X",
	"riscv64": "SCMP_ARCH_RISCV64", "mips64": "SCMP_ARCH_MIPS64", "mips64le": "SCMP_ARCH_MIPSEL64",
	"loong64": "SCMP_ARCH_LOONGARCH64",
}

// loggingProfile logs every call of the native ABI and its companions (a
// call of an ABI a filter does not list kills the process).
func loggingProfile() *specs.LinuxSeccomp {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActLog}
	if native, ok := nativeOCI[runtime.GOARCH]; ok {
		p.Architectures = append(p.Architectures, specs.Arch(native))
		for _, c := range profilegen.Companions(native) {
			p.Architectures = append(p.Architectures, specs.Arch(c))
		}
	}
	return p
}

// printRecording tells how the program ended and whether records may be missing.
func printRecording(w io.Writer, name string, res *sandboxResult) {
	fmt.Fprintf(w, "recorded %s (%s): %s\n", quoteText(name), res.tracking, describeExit(res.state))
	printCollectionWarnings(w, res)
}

func printCollectionWarnings(w io.Writer, res *sandboxResult) {
	for _, warn := range res.warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if !res.drained {
		fmt.Fprintln(w, "warning: the end of the records was not seen within the wait: the last records may be missing")
	}
	if res.stats.KernelLost > 0 || res.stats.NoBufs > 0 {
		fmt.Fprintf(w, "lost: the kernel dropped %d audit records (backlog full) and the socket %d times (buffer full) while recording: the profile may miss syscalls\n",
			res.stats.KernelLost, res.stats.NoBufs)
	}
	if res.malformed > 0 {
		fmt.Fprintf(w, "malformed: %d audit messages could not be parsed\n", res.malformed)
	}
}

// describeExit says how the program ended.
func describeExit(st *os.ProcessState) string {
	var es exitStatusError
	switch err := exitStatus(st); {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &es) && es.code > 128 && !st.Exited():
		return fmt.Sprintf("killed by signal %d (%s)", es.code-128, st.String())
	default:
		return err.Error()
	}
}
