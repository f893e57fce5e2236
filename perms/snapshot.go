package perms

import (
	"bytes"
	"slices"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// Owner is a subject that holds Data Owner on an object, with the grant
// that gives it: on the object itself, or on the nearest object above it
// that the subject holds a grant on.
type Owner struct {
	// Subject is the user or group that owns the object.
	Subject store.Subject `json:"subject"`
	// Grant is the nearest grant to Subject up the object's path.
	Grant store.Grant `json:"grant"`
	// InheritedFrom is the ID of the object Grant is on: the object itself
	// or one of its ancestors.
	InheritedFrom hierarchy.ID `json:"inherited_from"`
	// InheritedFromPath is the path of that object, a prefix of the
	// object's own path.
	InheritedFromPath hierarchy.Path `json:"inherited_from_path"`
	// Inherited reports whether the grant is on an ancestor rather than on
	// the object itself.
	Inherited bool `json:"inherited"`
}

// entry is one Data Owner grant as the index keeps it.
type entry struct {
	subject store.Subject
	grant   int32 // index into Snapshot.grants
}

// Snapshot is an immutable in-memory index of Data Owner grants: the
// grants on each object, and the grants of each subject. Checks against a
// snapshot cost a few map lookups and never allocate, so a host filtering
// a long list of objects takes one snapshot and checks each object
// against it. A Snapshot is safe for concurrent use.
//
// A snapshot is as fresh as the grants it was built from; the Resolver
// keeps one and says when it is rebuilt.
type Snapshot struct {
	grants    []store.Grant
	byObject  map[hierarchy.ID][]entry
	bySubject map[store.Subject][]int32
	admins    []store.Subject // kept in the store (store.AdminStore)
	builtAt   time.Time
	gen       uint64
}

// NewSnapshot indexes grants. Grants of roles other than Data Owner are
// ignored, and so are duplicates. The slice is not retained.
func NewSnapshot(grants []store.Grant) *Snapshot {
	s := &Snapshot{
		grants:    make([]store.Grant, 0, len(grants)),
		byObject:  make(map[hierarchy.ID][]entry, len(grants)),
		bySubject: make(map[store.Subject][]int32),
	}
	for _, g := range grants {
		if g.Role != store.RoleDataOwner || g.Object.IsZero() {
			continue
		}
		dup := false
		for _, e := range s.byObject[g.Object] {
			if e.subject == g.Subject {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		i := int32(len(s.grants))
		s.grants = append(s.grants, g)
		s.byObject[g.Object] = append(s.byObject[g.Object], entry{subject: g.Subject, grant: i})
		s.bySubject[g.Subject] = append(s.bySubject[g.Subject], i)
	}
	return s
}

// IsAdmin reports whether p may do everything: p is the system or an
// admin by the host's word (Principal.Privileged), or p, or one of p's
// groups, is an admin the store keeps and the snapshot was read with. A
// snapshot made with NewSnapshot knows no stored admins. A principal
// that names no one is no admin. It does not allocate.
func (s *Snapshot) IsAdmin(p Principal) bool {
	if !p.Valid() {
		return false
	}
	if p.Privileged() {
		return true
	}
	for _, a := range s.admins {
		if p.Holds(a) {
			return true
		}
	}
	return false
}

// Len returns the number of Data Owner grants in the snapshot.
func (s *Snapshot) Len() int { return len(s.grants) }

// BuiltAt returns when the grants of the snapshot were read (zero for a
// snapshot made with NewSnapshot).
func (s *Snapshot) BuiltAt() time.Time { return s.builtAt }

// IsOwner reports whether p holds Data Owner on obj: whether p, or one of
// p's groups, has a grant on obj or on an object above it. It does not
// allocate. It does not treat admins specially: use Check for decisions.
func (s *Snapshot) IsOwner(p Principal, obj *hierarchy.Object) bool {
	var buf [hierarchy.MaxDepth]hierarchy.ID
	for _, id := range obj.Lineage(buf[:0]) {
		for _, e := range s.byObject[id] {
			if p.Holds(e.subject) {
				return true
			}
		}
	}
	return false
}

// Owners returns the subjects that own obj, each with its nearest grant up
// obj's path: the object's own grants first, then its parent's, and so on
// up to the host; within one object, in the order the store lists them
// (subject kind, then name).
func (s *Snapshot) Owners(obj *hierarchy.Object) []Owner {
	var buf [hierarchy.MaxDepth]hierarchy.ID
	lin := obj.Lineage(buf[:0])
	var out []Owner
	for i := len(lin) - 1; i >= 0; i-- {
	entries:
		for _, e := range s.byObject[lin[i]] {
			for _, o := range out {
				if o.Subject == e.subject {
					continue entries
				}
			}
			out = append(out, Owner{
				Subject:           e.subject,
				Grant:             s.grants[e.grant],
				InheritedFrom:     lin[i],
				InheritedFromPath: ancestorPath(obj.Path, len(lin), i),
				Inherited:         i != len(lin)-1,
			})
		}
	}
	return out
}

// ancestorPath returns the path of the object at index i of a lineage of n
// IDs of an object with path p.
func ancestorPath(p hierarchy.Path, n, i int) hierarchy.Path {
	// A lineage has one ID per path segment, unless the path is deeper
	// than a table; then the last ID is the object's own.
	if i == n-1 {
		return slices.Clone(p)
	}
	if i+1 > len(p) {
		return nil
	}
	return slices.Clone(p[:i+1])
}

// subjects calls f with the index of every grant p holds as a user or a
// member of a group, stopping when f returns false.
func (s *Snapshot) subjects(p Principal, f func(g int32) bool) {
	if p.User != "" {
		for _, g := range s.bySubject[store.Subject{Kind: store.SubjectUser, Name: p.User}] {
			if !f(g) {
				return
			}
		}
	}
	for _, name := range p.Groups {
		for _, g := range s.bySubject[store.Subject{Kind: store.SubjectGroup, Name: name}] {
			if !f(g) {
				return
			}
		}
	}
}

// OwnsIn reports whether p holds a grant on any object of the connection
// with the key.
func (s *Snapshot) OwnsIn(p Principal, connection string) bool {
	found := false
	s.subjects(p, func(g int32) bool {
		found = s.grants[g].Connection == connection
		return !found
	})
	return found
}

// OwnedConnections returns the keys of the connections where p holds a
// grant on anything, sorted.
func (s *Snapshot) OwnedConnections(p Principal) []string {
	var out []string
	s.subjects(p, func(g int32) bool {
		if c := s.grants[g].Connection; !slices.Contains(out, c) {
			out = append(out, c)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// OwnedRoots returns the IDs of the objects p holds grants on in the
// connection with the key (in every connection when connection is ""),
// sorted by ID. Each is the root of a subtree p owns; a root may lie below
// another when p holds grants on both.
func (s *Snapshot) OwnedRoots(p Principal, connection string) []hierarchy.ID {
	var out []hierarchy.ID
	s.subjects(p, func(g int32) bool {
		gr := &s.grants[g]
		if (connection == "" || gr.Connection == connection) && !slices.Contains(out, gr.Object) {
			out = append(out, gr.Object)
		}
		return true
	})
	slices.SortFunc(out, func(a, b hierarchy.ID) int { return bytes.Compare(a[:], b[:]) })
	return out
}
