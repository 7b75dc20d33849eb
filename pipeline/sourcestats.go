package pipeline

// SourceStats counts what a live source (package source) knows it missed or
// handled.
type SourceStats struct {
	KernelLost  uint64 // netlink: growth of the kernel's lost counter since the source opened
	NoBufs      uint64 // netlink: ENOBUFS, the socket buffer overflowed and records were dropped
	Overwritten uint64 // kmsg: times the ring buffer overwrote lines before they were read (EPIPE)
	Reopened    uint64 // follow: rotations, truncations and re-creations of the file followed
	Drained     uint64 // follow: lines read from a rotated file after it was renamed or deleted
	Rejoined    uint64 // netlink: times the kernel dropped the source as its daemon and it registered again
}

// Add returns the sum of s and o.
func (s SourceStats) Add(o SourceStats) SourceStats {
	return SourceStats{KernelLost: s.KernelLost + o.KernelLost, NoBufs: s.NoBufs + o.NoBufs,
		Overwritten: s.Overwritten + o.Overwritten, Reopened: s.Reopened + o.Reopened,
		Drained: s.Drained + o.Drained, Rejoined: s.Rejoined + o.Rejoined}
}
