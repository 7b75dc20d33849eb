package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkReplay replays a 200,000-line syslog made of the real RFC 3339
// capture, repeated: reading, parsing, grouping, naming and writing the
// profile. For the side-by-side comparison with grep|sort on 1,000,000
// lines, see scripts/bench-replay.sh (make bench).
func BenchmarkReplay(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(logsDir, "syslog-rfc3339.log"))
	if err != nil {
		b.Fatal(err)
	}
	var log bytes.Buffer
	for lines := 0; lines < 200_000; lines += bytes.Count(data, []byte{'\n'}) {
		log.Write(data)
	}
	path := filepath.Join(b.TempDir(), "syslog")
	if err := os.WriteFile(path, log.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Count(log.Bytes(), []byte{'\n'})
	b.SetBytes(int64(log.Len()))
	b.ReportAllocs()
	for b.Loop() {
		err := run(context.Background(), []string{"replay", "-q", "-o", os.DevNull, path}, strings.NewReader(""), io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}
