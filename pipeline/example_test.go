package pipeline_test

import (
	"context"
	"fmt"
	"os"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// An enricher adds a field the log line does not hold, and the records are
// grouped by it. Here: which capture a record came from, told by its pid
// (the Kubernetes tutorial's http-echo ran as pid 29064; the other capture
// is of ls and a launcher on this project's test machine).
func ExampleEnricher() {
	capture := pipeline.EnrichFunc(func(r *pipeline.Record) {
		if r.PID == 29064 {
			r.SetAttr("capture", "tutorial")
		} else {
			r.SetAttr("capture", "local")
		}
	})
	p := pipeline.New(pipeline.Config{
		Enrichers: []pipeline.Enricher{capture},
		GroupBy:   pipeline.GroupByAttr("capture", "capture", "unknown"),
	})
	inputs, err := pipeline.OpenInputs([]string{"../testdata/logs/tutorial.log", "../testdata/logs/syslog-rfc3339.log"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pipeline.CloseInputs(inputs)
	if err := p.ReadAll(context.Background(), inputs); err != nil {
		fmt.Println(err)
		return
	}
	built, _ := profilegen.BuildAll(p.Set, profilegen.Options{})
	fmt.Println(built[1].Group, built[1].Report.Names)
	pipeline.Summary{Counts: &p.Counts, Built: built}.WriteTo(os.Stdout)
	// Output:
	// tutorial [accept4 exit exit_group futex getsockname pselect6 read setsockopt]
	// read 158 lines: 154 seccomp records kept in 2 groups
	//   local                    LOG 146
	//   tutorial                 LOG 8
	// skipped: 4 not audit records
}
