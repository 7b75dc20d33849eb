package pipeline

import (
	"fmt"
	"regexp"
)

// NewFilter returns the Filter of the flags that choose records, as every
// command takes them: the records of pid (0: any) whose executable path
// and comm match the regular expressions exe and comm (each when not
// empty). A bad expression is an error naming its flag (--exe, --comm):
// a usage error of the command.
func NewFilter(exe, comm string, pid int32) (*Filter, error) {
	f := &Filter{PID: pid}
	for _, re := range []struct {
		flag, expr string
		to         **regexp.Regexp
	}{{"--exe", exe, &f.Exe}, {"--comm", comm, &f.Comm}} {
		if re.expr == "" {
			continue
		}
		var err error
		if *re.to, err = regexp.Compile(re.expr); err != nil {
			return nil, fmt.Errorf("%s: %w", re.flag, err)
		}
	}
	return f, nil
}
