package pipeline

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/recorder-dev/recorder/profilegen"
)

// MaxUsers is how many distinct uids Users keeps per group; the records of
// further uids are counted together (UserList.Other).
const MaxUsers = 8

// UserCount is how many records of a group came from processes of one uid
// (audit's uid=, the process's real user).
type UserCount struct {
	UID     uint32
	Records uint64
}

// UserList is the uids a group's records came from: at most MaxUsers,
// most records first, and the records of the uids past them.
type UserList struct {
	Users []UserCount
	Other uint64 // records of uids past MaxUsers
}

// Mixed reports whether the records came from more than one user.
func (l UserList) Mixed() bool { return len(l.Users) > 1 || l.Other > 0 }

// String lists the uids with their records: "uid 0 (12 records), uid
// 1001 (3 records)".
func (l UserList) String() string {
	parts := make([]string, 0, len(l.Users)+1)
	for _, u := range l.Users {
		parts = append(parts, fmt.Sprintf("uid %d (%s)", u.UID, Plural(u.Records, "record")))
	}
	if l.Other > 0 {
		parts = append(parts, fmt.Sprintf("other uids (%s)", Plural(l.Other, "record")))
	}
	return strings.Join(parts, ", ")
}

func (l *UserList) add(uid uint32, n uint64) {
	for i := range l.Users {
		if l.Users[i].UID == uid {
			l.Users[i].Records += n
			return
		}
	}
	if len(l.Users) >= MaxUsers {
		l.Other += n
		return
	}
	l.Users = append(l.Users, UserCount{uid, n})
}

func (l *UserList) merge(o *UserList) {
	for _, u := range o.Users {
		l.add(u.UID, u.Records)
	}
	l.Other += o.Other
}

// sorted returns a copy, most records first, then by uid.
func (l UserList) sorted() UserList {
	out := UserList{Users: slices.Clone(l.Users), Other: l.Other}
	slices.SortFunc(out.Users, func(a, b UserCount) int { return cmp.Or(cmp.Compare(b.Records, a.Records), cmp.Compare(a.UID, b.UID)) })
	return out
}

// Users is, per group of a Pipeline's Set, the uids its records came from:
// a process of any user can widen a host group's profile (--group-by exe:
// a user's LD_PRELOAD in /usr/bin/true), so the summary names them. It is
// bounded as the Set is: the groups the Set keeps, and OverflowGroup.
type Users struct {
	groups    map[string]*UserList
	lastGroup []byte
	last      *UserList
}

// add counts n records of uid in group; records come in runs of a group.
func (u *Users) add(group []byte, uid uint32, n uint64) {
	if u.last == nil || !bytes.Equal(group, u.lastGroup) {
		u.last, u.lastGroup = u.list(string(group)), append(u.lastGroup[:0], group...)
	}
	u.last.add(uid, n)
}

// list returns the list of group, made when missing.
func (u *Users) list(group string) *UserList {
	if u.groups == nil {
		u.groups = make(map[string]*UserList)
	}
	l := u.groups[group]
	if l == nil {
		l = &UserList{}
		u.groups[group] = l
	}
	return l
}

// Of returns the uids of the records of groups taken together (a built
// profile's SourceGroups), most records first.
func (u *Users) Of(groups ...string) UserList {
	var out UserList
	if u == nil {
		return out
	}
	for _, g := range groups {
		if l := u.groups[g]; l != nil {
			out.merge(l)
		}
	}
	return out.sorted()
}

// merge adds o's tallies: those of groups set does not keep go to
// OverflowGroup, as the Set's records did.
func (u *Users) merge(o *Users, set *profilegen.Set) {
	if len(o.groups) == 0 {
		return
	}
	kept := map[string]bool{}
	for _, g := range set.Groups() {
		kept[g] = true
	}
	for g, l := range o.groups {
		if !kept[g] {
			g = profilegen.OverflowGroup
		}
		u.list(g).merge(l)
	}
	u.last = nil // the map may hold new lists; the cache starts over
}
