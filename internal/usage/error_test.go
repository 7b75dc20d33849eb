package usage

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestError(t *testing.T) {
	err := fmt.Errorf("--x: %w", Errorf("bad %q: %w", "v", fs.ErrInvalid))
	var ue Error
	if !errors.As(err, &ue) || !errors.Is(err, fs.ErrInvalid) || err.Error() != `--x: bad "v": invalid argument` {
		t.Errorf("Errorf: %v (As %v, Is %v)", err, errors.As(err, &ue), errors.Is(err, fs.ErrInvalid))
	}
	if Wrap(nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if w := Wrap(fs.ErrNotExist); !errors.As(w, &ue) || !errors.Is(w, fs.ErrNotExist) || w.Error() != fs.ErrNotExist.Error() {
		t.Errorf("Wrap: %v", w)
	}
	if errors.As(fs.ErrNotExist, &ue) {
		t.Error("a plain error is a usage.Error")
	}
}
