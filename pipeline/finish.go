package pipeline

import (
	"fmt"
	"io"

	"github.com/recorder-dev/recorder/profilegen"
)

// Finisher names and selects groups when the profiles are built rather
// than when records come: a record knows its container's ID at once, but
// the container's pod and name come from the runtime later, and a group
// must not split in two when they do. Records are grouped by what they
// know (the ID); the Finisher renames the built groups, merges those given
// one name (a restarted container of the same pod) and leaves out those
// that do not match a selection (--pod, --namespace).
type Finisher interface {
	// Finish returns the profiles to write, from those built for the Set's
	// groups, and what it left out. It must not change built's profiles.
	// A profile it renames or merges has the groups it was made of in
	// Sources (what Explain tells is theirs).
	Finish(built []profilegen.Built, opt profilegen.Options) ([]profilegen.Built, LeftOut, error)
	// Name returns the name group's profile is written under (for a daemon
	// that resumes from the files written before), or group.
	Name(group string) string
}

// LeftOut is what a Finisher left out of the profiles written.
type LeftOut struct {
	Groups  int
	Records uint64
	Why     string // such as "not in namespace \"default\""
	// Pending counts the groups withheld for now, not left out: their
	// names are on their way, and a later Build writes them (a daemon
	// must build again though no record came).
	Pending int
}

// Build builds the profile of every group of the pipeline's Set and
// passes them through the configuration's Finisher, if any. On error it
// returns no profile.
func (p *Pipeline) Build(opt profilegen.Options) ([]profilegen.Built, LeftOut, error) {
	built, err := profilegen.BuildAll(p.Set, opt)
	if err != nil || p.cfg.Finish == nil {
		return built, LeftOut{}, err
	}
	out, left, err := p.cfg.Finish.Finish(built, opt)
	if err != nil {
		return nil, LeftOut{}, err
	}
	return out, left, nil
}

// Name returns the name the group's profile is written under: the
// Finisher's, or the group's own.
func (p *Pipeline) Name(group string) string {
	if p.cfg.Finish == nil {
		return group
	}
	return p.cfg.Finish.Name(group)
}

func writeLeft(w io.Writer, c *Counts, l LeftOut) {
	if c.Unattributed > 0 {
		fmt.Fprintf(w, "unattributed: %s whose process was gone before its container could be looked up (not guessed; group \"unattributed\")\n",
			Plural(c.Unattributed, "record"))
	}
	if l.Groups > 0 {
		fmt.Fprintf(w, "left out: %s (%s): %s\n", Plural(uint64(l.Groups), "group"), Plural(l.Records, "record"), l.Why)
	}
}
