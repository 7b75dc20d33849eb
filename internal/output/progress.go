package output

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/recorder-dev/recorder/pipeline"
)

// Progress prints a progress line on a terminal while a long replay runs.
type Progress struct {
	done chan struct{}
	w    io.Writer
}

// StartProgress starts the progress line when w is a terminal; otherwise it
// prints nothing. Stop ends it.
func StartProgress(w io.Writer, inputs []*pipeline.Input) *Progress {
	p := &Progress{}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.done, p.w = make(chan struct{}), w
	go p.loop(inputs)
	return p
}

func (p *Progress) loop(inputs []*pipeline.Input) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			fmt.Fprint(p.w, "\r\x1b[K")
			close(p.done)
			return
		case <-t.C:
			fmt.Fprintf(p.w, "\r\x1b[Kreplay: %s", progressText(inputs))
		}
	}
}

// progressText tells how much of the inputs has been read.
func progressText(inputs []*pipeline.Input) string {
	var read, size int64
	for _, in := range inputs {
		read += in.BytesRead()
		if in.Size == 0 {
			return fmt.Sprintf("%s read", mib(read))
		}
		size += in.Size
	}
	return fmt.Sprintf("%s of %s (%d%%)", mib(read), mib(size), read*100/max(size, 1))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// Stop clears the progress line and waits until it is gone.
func (p *Progress) Stop() {
	if p.done == nil {
		return
	}
	p.done <- struct{}{}
	<-p.done
}
