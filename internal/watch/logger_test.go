package watch

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestNewLogger: text and json, from the level up; another format or
// level is an error of its own.
func TestNewLogger(t *testing.T) {
	for _, tt := range []struct {
		format, level string
		err           error
		want          string // what an info line holds ("" when the level drops it)
	}{
		{"text", "info", nil, "msg=hello"},
		{"json", "debug", nil, `"msg":"hello"`},
		{"text", "warn", nil, ""},
		{"xml", "info", ErrLogFormat, ""},
		{"text", "loud", ErrLogLevel, ""},
	} {
		var b bytes.Buffer
		log, err := NewLogger(tt.format, tt.level, &b)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s %s: %v, want %v", tt.format, tt.level, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		log.Info("hello")
		if got := b.String(); tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s %s: %q, want %q", tt.format, tt.level, got, tt.want)
		}
	}
}
