package perms

import (
	"slices"
	"strings"

	"github.com/govkit/connections/store"
)

// Principal is the actor of a call: a user with their groups, an admin, or
// the library itself acting on a schedule. Every call of the connection
// facade names its principal, and the checks of this package decide what
// it may do.
type Principal struct {
	// User is the user's name; empty for the system.
	User string `json:"user,omitempty"`
	// Groups are the groups the user belongs to.
	Groups []string `json:"groups,omitempty"`
	// Admin principals may do everything.
	Admin bool `json:"admin,omitempty"`
	// System is the library itself (the scheduler); it may do everything.
	System bool `json:"system,omitempty"`
}

// User returns a principal for a user in the given groups.
func User(name string, groups ...string) Principal {
	return Principal{User: name, Groups: groups}
}

// Admin returns a principal for an admin user.
func Admin(name string) Principal { return Principal{User: name, Admin: true} }

// System returns the principal the library uses when it acts on its own,
// as the scheduler does.
func System() Principal { return Principal{System: true} }

// Privileged reports whether p may do everything (an admin or the system).
func (p Principal) Privileged() bool { return p.Admin || p.System }

// Valid reports whether p names someone: the system, or a user.
func (p Principal) Valid() bool { return p.System || p.User != "" }

// Holds reports whether p is the subject of a grant: the user it names, or
// a member of the group it names.
func (p Principal) Holds(s store.Subject) bool {
	switch s.Kind {
	case store.SubjectUser:
		return p.User != "" && p.User == s.Name
	case store.SubjectGroup:
		return slices.Contains(p.Groups, s.Name)
	}
	return false
}

// String returns "system", the user name, or the user name with " (admin)".
func (p Principal) String() string {
	switch {
	case p.System:
		return "system"
	case p.Admin:
		return p.User + " (admin)"
	case len(p.Groups) > 0:
		return p.User + " [" + strings.Join(p.Groups, ",") + "]"
	}
	return p.User
}
