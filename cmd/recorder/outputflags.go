package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// outputFlags choose where the profiles of replay and record go.
type outputFlags struct {
	output    string
	outputDir string
	format    string
	quiet     bool
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", "-", "write the profile (the union of all groups) to `FILE`; - is standard output")
	fs.StringVarP(&o.outputDir, "output-dir", "d", "", "write one profile per group to `DIR`/<group>.json instead")
	fs.StringVar(&o.format, "format", "oci", "profile format: `oci` (plain OCI/Kubernetes JSON) or spo (Security Profiles Operator SeccompProfile YAML)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print no summary")
}

// check reports a bad combination as a usage error, once fs is parsed.
func (o *outputFlags) check(fs *pflag.FlagSet) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.outputDir != "" && fs.Changed("output") {
		return usageError{errors.New("--output and --output-dir exclude each other")}
	}
	return nil
}

func checkFormat(format string) error {
	if format != "oci" && format != "spo" {
		return usageError{fmt.Errorf("--format: %q is not oci or spo", format)}
	}
	return nil
}

func (o *outputFlags) outputs(stdout io.Writer) outputs {
	return outputs{path: o.output, dir: o.outputDir, format: o.format, stdout: stdout}
}
