package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/usage"
)

// TestContainerFlags: replay cannot know a line's container without a pid
// map, and says so; bad container and SeccompProfile flags are usage errors.
func TestContainerFlags(t *testing.T) {
	log := "../../testdata/logs/tutorial.log"
	for _, args := range [][]string{
		{"replay", "--group-by", "container", log},
		{"replay", "--group-by", "pod", log},
		{"replay", "--container", "3f4e", log},
		{"replay", "--namespace", "default", "--pid-map", "x", log},
		{"replay", "--container", "not-hex", "--pid-map", "x", log},
		{"replay", "--format", "spo", "--spo-version", "v2", log},
		{"replay", "--format", "spo", "--label", "no value", log},
		{"watch", "-d", t.TempDir(), "--pod", "x"},
		{"watch", "-d", t.TempDir(), "--label", "a=b c"},
	} {
		var errOut bytes.Buffer
		err := run(context.Background(), args, nil, &bytes.Buffer{}, &errOut)
		var ue usage.Error
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	err := run(context.Background(), []string{"replay", "--group-by", "container", log}, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "replay cannot know a line's container") || !strings.Contains(err.Error(), "--pid-map") {
		t.Errorf("replay --group-by container: %v", err)
	}
}
