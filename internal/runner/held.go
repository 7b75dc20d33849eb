package runner

// held is lines kept for later, copied into one buffer: the records read
// before the program's session was known, and the session's first records,
// which wait for the program's names (see collector.decide). It holds at
// most maxBytes of text; the lines past it are counted in dropped.
type held struct {
	buf      []byte
	ends     []int
	maxBytes int
	dropped  uint64
}

// add copies line in, unless that would pass maxBytes.
func (h *held) add(line []byte) {
	if len(h.buf)+len(line) > h.maxBytes {
		h.dropped++
		return
	}
	h.buf = append(h.buf, line...)
	h.ends = append(h.ends, len(h.buf))
}

// take returns the lines held, in order, and empties h.
func (h *held) take() [][]byte {
	lines := make([][]byte, len(h.ends))
	start := 0
	for i, end := range h.ends {
		lines[i] = h.buf[start:end:end]
		start = end
	}
	h.buf, h.ends = nil, nil
	return lines
}

func (h *held) len() int { return len(h.ends) }
