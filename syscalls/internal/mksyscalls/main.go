// Command mksyscalls writes package syscalls' table (table_gen.go)
// from libseccomp's syscalls.csv (see README.md):
//
//	go run ./internal/mksyscalls -o table_gen.go internal/mksyscalls/syscalls.csv
//
// go generate runs it from syscalls.
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrFormat: the csv is not shaped as libseccomp's syscalls.csv.
var ErrFormat = errors.New("bad syscalls.csv")

// pnr marks a call that does not exist on an ABI.
const pnr = "PNR"

// noCall is the generated matrix's number for pnr.
const noCall = -1

// table is what the csv holds that the generated file keeps.
type table struct {
	kernel string    // the Linux version the csv was made from, such as "v7.1.0-rc4 2026-05-19"
	cols   []string  // the ABI columns' names, such as "x86_64"
	names  []string  // sorted
	nrs    [][]int32 // nrs[name][col], noCall for pnr
}

var (
	nameRE   = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	colRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	kernelRE = regexp.MustCompile(`^#syscall(?: \((.*)\))?$`)
)

func main() {
	out := flag.String("o", "table_gen.go", "the Go file to write")
	pkg := flag.String("pkg", "syscalls", "its package")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mksyscalls [-o FILE.go] [-pkg NAME] syscalls.csv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "mksyscalls:", err)
		os.Exit(1)
	}
}

func run(in, out, pkg string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := generate(f, pkg, in)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, src, 0o644)
}

// generate reads the csv from r and returns the Go source of package pkg;
// from names the csv in its header comment.
func generate(r io.Reader, pkg, from string) ([]byte, error) {
	t, err := parse(r)
	if err != nil {
		return nil, err
	}
	src := write(t, pkg, from)
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("format generated source: %w", err)
	}
	return out, nil
}

// parse reads and checks the csv.
func parse(r io.Reader) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // parseRow says which row is short
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	t, err := parseHeader(head)
	if err != nil {
		return nil, err
	}
	rows := make(map[string][]int32)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		name, nrs, err := parseRow(rec, len(t.cols))
		if err != nil {
			return nil, err
		}
		if _, dup := rows[name]; dup {
			return nil, fmt.Errorf("%w: %s listed twice", ErrFormat, name)
		}
		rows[name] = nrs
	}
	return t, t.fill(rows)
}

// parseHeader reads "#syscall (KERNEL),COL,COL_kver,...".
func parseHeader(head []string) (*table, error) {
	m := kernelRE.FindStringSubmatch(head[0])
	if m == nil || len(head) < 3 || len(head)%2 != 1 {
		return nil, fmt.Errorf("%w: header %q", ErrFormat, strings.Join(head, ","))
	}
	t := &table{kernel: m[1]}
	for i := 1; i < len(head); i += 2 {
		col := head[i]
		if !colRE.MatchString(col) || head[i+1] != col+"_kver" || slices.Contains(t.cols, col) {
			return nil, fmt.Errorf("%w: header columns %q, %q", ErrFormat, col, head[i+1])
		}
		t.cols = append(t.cols, col)
	}
	return t, nil
}

// parseRow reads "NAME,NR,KVER,NR,KVER,...".
func parseRow(rec []string, ncols int) (string, []int32, error) {
	name := rec[0]
	if !nameRE.MatchString(name) {
		return "", nil, fmt.Errorf("%w: syscall name %q", ErrFormat, name)
	}
	if len(rec) != 1+2*ncols {
		return "", nil, fmt.Errorf("%w: %s: %d fields; want %d", ErrFormat, name, len(rec), 1+2*ncols)
	}
	nrs := make([]int32, ncols)
	for c := range nrs {
		nr, err := parseNr(rec[1+2*c])
		if err != nil {
			return "", nil, fmt.Errorf("%w: %s: %w", ErrFormat, name, err)
		}
		nrs[c] = nr
	}
	return name, nrs, nil
}

func parseNr(s string) (int32, error) {
	if s == pnr {
		return noCall, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt32 || s != strconv.FormatInt(n, 10) {
		return 0, fmt.Errorf("number %q", s)
	}
	return int32(n), nil
}

// fill sorts the rows into t, and checks that no number of a column names
// two calls.
func (t *table) fill(rows map[string][]int32) error {
	if len(rows) == 0 || len(rows) >= math.MaxUint16 {
		return fmt.Errorf("%w: %d syscalls", ErrFormat, len(rows))
	}
	for name := range rows {
		t.names = append(t.names, name)
	}
	slices.Sort(t.names)
	if n := len(strings.Join(t.names, "")); n > math.MaxUint16 {
		return fmt.Errorf("%w: %d bytes of names", ErrFormat, n)
	}
	for _, name := range t.names {
		t.nrs = append(t.nrs, rows[name])
	}
	for c, col := range t.cols {
		seen := make(map[int32]string)
		for i, name := range t.names {
			nr := t.nrs[i][c]
			if prev, dup := seen[nr]; dup && nr != noCall {
				return fmt.Errorf("%w: %s %d is both %s and %s", ErrFormat, col, nr, prev, name)
			}
			seen[nr] = name
		}
	}
	return nil
}

// byNr returns the indexes of the names of column c, in number order.
func (t *table) byNr(c int) []int {
	var out []int
	for i := range t.names {
		if t.nrs[i][c] != noCall {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b int) int { return int(t.nrs[a][c]) - int(t.nrs[b][c]) })
	return out
}

// colConst is the Go constant of column col, such as colX86_64.
func colConst(col string) string { return "col" + strings.ToUpper(col[:1]) + col[1:] }

// write returns the unformatted Go source of t.
func write(t *table, pkg, from string) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by mksyscalls from %s; DO NOT EDIT.\n\n", from)
	p("package %s\n\n", pkg)
	p("// syscallTableKernel is the Linux version libseccomp's syscalls.csv was made from.\n")
	p("const syscallTableKernel = %q\n\n", t.kernel)
	p("// Columns of syscallNrs: libseccomp's syscall tables, one per csv column.\n")
	p("const (\n")
	for c, col := range t.cols {
		if c == 0 {
			p("%s = iota // %s\n", colConst(col), col)
		} else {
			p("%s // %s\n", colConst(col), col)
		}
	}
	p("numSyscallCols\n)\n\n")
	p("// numSyscalls is the number of names in the table.\n")
	p("const numSyscalls = %d\n\n", len(t.names))
	writeNames(&b, t)
	writeNrs(&b, t)
	writeByNr(&b, t)
	return b.Bytes()
}

// writeNames writes the names back to back in one string, and where each ends.
func writeNames(b *bytes.Buffer, t *table) {
	fmt.Fprintf(b, "// syscallNames holds the names, sorted, back to back: name i is\n")
	fmt.Fprintf(b, "// syscallNames[syscallNameEnd[i-1]:syscallNameEnd[i]] (from 0 for i = 0).\n")
	fmt.Fprintf(b, "const syscallNames = \"\" +\n")
	line := ""
	var ends []int
	end := 0
	for i, name := range t.names {
		end += len(name)
		ends = append(ends, end)
		line += name
		if len(line) >= 64 || i == len(t.names)-1 {
			sep := " +\n"
			if i == len(t.names)-1 {
				sep = "\n\n"
			}
			fmt.Fprintf(b, "%q%s", line, sep)
			line = ""
		}
	}
	fmt.Fprintf(b, "var syscallNameEnd = [numSyscalls]uint16{")
	writeInts(b, ends)
	fmt.Fprintf(b, "}\n\n")
}

// writeNrs writes the csv's numbers, a row per name.
func writeNrs(b *bytes.Buffer, t *table) {
	fmt.Fprintf(b, "// syscallNrs[i][col] is the number of name i in column col, as the csv\n")
	fmt.Fprintf(b, "// has it (without the ABI's base or x32 bit), or -1 when the call is not\n")
	fmt.Fprintf(b, "// on that ABI.\n")
	fmt.Fprintf(b, "var syscallNrs = [numSyscalls][numSyscallCols]int32{\n")
	for i, name := range t.names {
		fmt.Fprintf(b, "{")
		for c, nr := range t.nrs[i] {
			if c > 0 {
				fmt.Fprintf(b, ", ")
			}
			fmt.Fprintf(b, "%d", nr)
		}
		fmt.Fprintf(b, "}, // %s\n", name)
	}
	fmt.Fprintf(b, "}\n\n")
}

// writeByNr writes, per column, its names in number order.
func writeByNr(b *bytes.Buffer, t *table) {
	fmt.Fprintf(b, "// syscallByNr[col] lists the names (indexes) of column col in number order.\n")
	fmt.Fprintf(b, "var syscallByNr = [numSyscallCols][]uint16{\n")
	for c, col := range t.cols {
		fmt.Fprintf(b, "%s: {", colConst(col))
		writeInts(b, t.byNr(c))
		fmt.Fprintf(b, "},\n")
	}
	fmt.Fprintf(b, "}\n")
}

// writeInts writes ns comma-separated, 16 a line.
func writeInts(b *bytes.Buffer, ns []int) {
	for i, n := range ns {
		if i%16 == 0 {
			fmt.Fprintf(b, "\n")
		}
		fmt.Fprintf(b, "%d,", n)
	}
	fmt.Fprintf(b, "\n")
}
