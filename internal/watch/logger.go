package watch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// NewLogger returns the daemon's logger, writing to w in format (text or
// json) from level (debug, info, warn or error) up; a format or level it
// does not know is an error wrapping ErrLogFormat or ErrLogLevel.
func NewLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if lv.UnmarshalText([]byte(level)) != nil {
		return nil, fmt.Errorf("%q: %w", level, ErrLogLevel)
	}
	opt := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opt)), nil
	}
	return nil, fmt.Errorf("%q: %w", format, ErrLogFormat)
}

// NewLogger's errors.
var (
	ErrLogFormat = errors.New("not text or json")
	ErrLogLevel  = errors.New("not debug, info, warn or error")
)
