package store

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
)

// The Validate functions check what the contract asks of a method's input,
// without a store: see "Implementing a store" in the package comment. What
// depends on the stored state, and what a backend cannot store (such as a
// NUL byte in PostgreSQL), is left to the implementation.

// ValidateConnection checks the input of ConnectionStore.CreateConnection:
// a non-empty key, a non-zero HostID, and a host object with that ID, the
// path {c.Key} and valid settings and state.
func ValidateConnection(op string, c Connection, host hierarchy.Object) error {
	switch {
	case c.Key == "":
		return fail(op, "", connections.ErrInvalidInput, "empty connection key")
	case c.HostID.IsZero():
		return fail(op, c.Key, connections.ErrInvalidInput, "zero host ID")
	case host.ID != c.HostID:
		return fail(op, c.Key, connections.ErrInvalidInput, "host object ID %s differs from the connection's HostID %s", host.ID, c.HostID)
	case len(host.Path) != 1 || host.Path[0] != c.Key:
		return fail(op, c.Key, connections.ErrInvalidInput, "host object path %q must be the connection key alone", host.Path.String())
	}
	if err := checkObjectFields(&host); err != nil {
		return fail(op, c.Key, connections.ErrInvalidInput, "host object: %v", err)
	}
	return nil
}

// ValidateChangeSet checks the shape of a change set before
// ObjectWriter.Apply applies it: a connection key and a container; Adds
// with IDs, paths of two to four valid segments, valid settings and state,
// and well-formed columns only on tables; Updates with IDs, a valid state
// and well-formed columns; non-zero MarkDeleted IDs; well-formed tags and
// requests; and no ID named twice (an ID in MarkDeleted may not be added or
// updated too). A name added twice gives ErrAlreadyExists; anything else,
// including a nil change set, ErrInvalidInput. The error's Path is the
// object's path for an Add or Update, and the connection key otherwise.
//
// Where the Adds and Updates go (under Container, with the right
// Ancestors) depends on the stored container, and is the caller's to check.
func ValidateChangeSet(op string, cs *ChangeSet) error {
	if cs == nil {
		return fail(op, "", connections.ErrInvalidInput, "nil change set")
	}
	where := cs.Connection
	if cs.Connection == "" {
		return fail(op, "", connections.ErrInvalidInput, "empty connection key")
	}
	if cs.Container.IsZero() {
		return fail(op, where, connections.ErrInvalidInput, "zero container ID")
	}

	// Adds sorted by name (as sync makes them) cannot add a name twice,
	// and need no set of names.
	var names map[string]struct{}
	if !sortedByName(cs.Add) {
		names = make(map[string]struct{}, len(cs.Add))
	}
	ids := newIDSet(len(cs.Add) + len(cs.Update))
	defer ids.release()
	for i := range cs.Add {
		o := &cs.Add[i]
		if err := checkAdd(o); err != nil {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "add %d: %v", i, err)
		}
		if ids.add(o.ID) {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "add %d: ID %s given twice", i, o.ID)
		}
		if names != nil {
			if _, dup := names[o.Name()]; dup {
				return fail(op, o.Path.String(), connections.ErrAlreadyExists, "add %d: name %q is added twice", i, o.Name())
			}
			names[o.Name()] = struct{}{}
		}
	}
	for i := range cs.Update {
		o := &cs.Update[i]
		if o.ID.IsZero() {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "update %d: zero ID", i)
		}
		if ids.add(o.ID) {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "update %d: ID %s is added or updated twice", i, o.ID)
		}
		if o.State > hierarchy.DeletedRemotely {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "update %d: state %d is not active or deleted_remotely", i, o.State)
		}
		if err := checkColumns(o.Columns); err != nil {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "update %d: %v", i, err)
		}
	}
	for i, id := range cs.MarkDeleted {
		if id.IsZero() {
			return fail(op, where, connections.ErrInvalidInput, "mark-deleted %d: zero ID", i)
		}
		if ids.has(id) {
			return fail(op, where, connections.ErrInvalidInput, "mark-deleted %d: ID %s is also added or updated", i, id)
		}
	}
	for _, refs := range [][]TagRef{cs.AddTags, cs.RemoveTags} {
		for i, r := range refs {
			if err := checkTagRef(r); err != nil {
				return fail(op, where, connections.ErrInvalidInput, "tag %d: %v", i, err)
			}
		}
	}
	reqIDs := make(map[hierarchy.ID]struct{}, len(cs.Requests))
	for i := range cs.Requests {
		r := &cs.Requests[i]
		if err := checkRequest(r, cs.Connection); err != nil {
			return fail(op, where, connections.ErrInvalidInput, "request %d: %v", i, err)
		}
		if _, dup := reqIDs[r.ID]; dup {
			return fail(op, where, connections.ErrInvalidInput, "request %d: ID %s given twice", i, r.ID)
		}
		reqIDs[r.ID] = struct{}{}
	}
	return nil
}

// ValidateSettingsUpdate checks the input of ObjectWriter.UpdateSettings:
// each setting given is inherit, enable or disable. The error's Path is
// the ID.
func ValidateSettingsUpdate(op string, id hierarchy.ID, u SettingsUpdate) error {
	if u.Enable != nil && !u.Enable.Valid() {
		return fail(op, id.String(), connections.ErrInvalidInput, "enable setting %d is not inherit, enable or disable", *u.Enable)
	}
	if u.NewChildren != nil && !u.NewChildren.Valid() {
		return fail(op, id.String(), connections.ErrInvalidInput, "new-children setting %d is not inherit, enable or disable", *u.NewChildren)
	}
	return nil
}

// ValidateObjectPath checks the input of ObjectReader.Lookup: a valid path
// of one to four segments (a longer one names a column).
func ValidateObjectPath(op string, path hierarchy.Path) error {
	if err := path.Validate(); err != nil {
		return fail(op, path.String(), connections.ErrInvalidInput, "%v", err)
	}
	if len(path) > hierarchy.MaxDepth {
		return fail(op, path.String(), connections.ErrInvalidInput, "a path of %d segments names a column, not an object", len(path))
	}
	return nil
}

// ValidateTagRef checks the input of TagStore.AddTag: a non-zero object
// ID, a tag name and a known source. The error's Path is the object ID.
func ValidateTagRef(op string, r TagRef) error {
	if err := checkTagRef(r); err != nil {
		return fail(op, r.Object.String(), connections.ErrInvalidInput, "%v", err)
	}
	return nil
}

// ValidateTagQuery checks the input of TagStore.FindByTag: a tag name.
// The error's Path is the query's connection.
func ValidateTagQuery(op string, q TagQuery) error {
	if q.Name == "" {
		return fail(op, q.Connection, connections.ErrInvalidInput, "empty tag name")
	}
	return nil
}

// ValidateGrant checks the input of GrantStore.AddGrant: a non-zero
// object ID, a user or group with a name, and a role. The error's Path is
// the object ID.
func ValidateGrant(op string, g Grant) error {
	msg := checkSubject(g.Subject)
	switch {
	case g.Object.IsZero():
		msg = "zero object ID"
	case msg != "":
	case g.Role == "":
		msg = "empty role"
	default:
		return nil
	}
	return fail(op, g.Object.String(), connections.ErrInvalidInput, "%s", msg)
}

// ValidateAdmin checks the input of AdminStore.AddAdmin: a user or group
// with a name. The error's Path is the subject's name.
func ValidateAdmin(op string, a Admin) error {
	if msg := checkSubject(a.Subject); msg != "" {
		return fail(op, a.Subject.Name, connections.ErrInvalidInput, "%s", msg)
	}
	return nil
}

// checkSubject returns what is wrong with s, or "".
func checkSubject(s Subject) string {
	switch {
	case s.Kind != SubjectUser && s.Kind != SubjectGroup:
		return "subject kind must be user or group"
	case s.Name == "":
		return "empty subject name"
	}
	return ""
}

// CompareSubjects orders subjects as AdminStore.Admins returns them: by
// kind (users first), then name (byte order).
func CompareSubjects(a, b Subject) int {
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// ValidateValidation checks the input of RequestStore.Validate: every tag
// to remove is well formed, as ValidateTagRef says. The error's Path is
// the request ID.
func ValidateValidation(op string, v Validation) error {
	for i, t := range v.RemoveTags {
		if err := checkTagRef(t); err != nil {
			return fail(op, v.Request.String(), connections.ErrInvalidInput, "tag %d: %v", i, err)
		}
	}
	return nil
}

// CompareGrants orders grants as GrantStore.Grants returns them: by
// object (ID byte order), subject kind, subject name and role.
func CompareGrants(a, b Grant) int {
	if c := bytes.Compare(a.Object[:], b.Object[:]); c != 0 {
		return c
	}
	if c := CompareSubjects(a.Subject, b.Subject); c != 0 {
		return c
	}
	return strings.Compare(string(a.Role), string(b.Role))
}

// fail returns an error naming op and path that matches sentinel.
func fail(op, path string, sentinel error, format string, args ...any) error {
	return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// checkAdd checks an object a change set adds.
func checkAdd(o *hierarchy.Object) error {
	if o.ID.IsZero() {
		return fmt.Errorf("zero ID")
	}
	if err := o.Path.Validate(); err != nil {
		return err
	}
	if d := len(o.Path); d < 2 || d > hierarchy.MaxDepth {
		return fmt.Errorf("path %q has %d segments; a child is a database, schema or table (2 to %d)", o.Path.String(), d, hierarchy.MaxDepth)
	}
	if err := checkObjectFields(o); err != nil {
		return err
	}
	if len(o.Columns) > 0 && len(o.Path) != hierarchy.MaxDepth {
		return fmt.Errorf("%s %q has columns; only tables do", o.Kind(), o.Path.String())
	}
	return checkColumns(o.Columns)
}

// checkObjectFields checks the enumerated fields of an object.
func checkObjectFields(o *hierarchy.Object) error {
	switch {
	case !o.Enable.Valid():
		return fmt.Errorf("enable setting %d is not inherit, enable or disable", o.Enable)
	case !o.NewChildren.Valid():
		return fmt.Errorf("new-children setting %d is not inherit, enable or disable", o.NewChildren)
	case o.State > hierarchy.DeletedRemotely:
		return fmt.Errorf("state %d is not active or deleted_remotely", o.State)
	}
	return nil
}

// checkColumns checks a data dictionary: names, not empty and none twice,
// and positions in range.
func checkColumns(cols []hierarchy.Column) error {
	// Up to 64 columns, a bit per cheap bucket of the name says which
	// earlier names may be equal; only those are compared.
	var seen map[string]struct{}
	if len(cols) > 64 {
		seen = make(map[string]struct{}, len(cols))
	}
	var buckets uint64
	for i := range cols {
		c := &cols[i]
		if c.Name == "" {
			return fmt.Errorf("column %d has an empty name", i)
		}
		if c.Position < 0 || c.Position > math.MaxInt32 {
			return fmt.Errorf("column %q has position %d out of range", c.Name, c.Position)
		}
		dup := false
		if seen != nil {
			_, dup = seen[c.Name]
			seen[c.Name] = struct{}{}
		} else if b := uint64(1) << nameBucket(c.Name); buckets&b == 0 {
			buckets |= b
		} else {
			dup = slices.ContainsFunc(cols[:i], func(d hierarchy.Column) bool { return d.Name == c.Name })
		}
		if dup {
			return fmt.Errorf("column name %q appears twice", c.Name)
		}
	}
	return nil
}

// nameBucket returns 0..63 from a non-empty name's length and last two
// bytes.
func nameBucket(s string) uint {
	n := uint(len(s))
	h := n*31 + uint(s[n-1])*7
	if n > 1 {
		h += uint(s[n-2]) * 13
	}
	return h & 63
}

// sortedByName reports whether adds are in strictly increasing name
// order, which rules out a name added twice.
func sortedByName(adds []hierarchy.Object) bool {
	for i := 1; i < len(adds); i++ {
		if adds[i-1].Name() >= adds[i].Name() {
			return false
		}
	}
	return true
}

func checkTagRef(r TagRef) error {
	switch {
	case r.Object.IsZero():
		return fmt.Errorf("zero object ID")
	case r.Tag.Name == "":
		return fmt.Errorf("empty tag name")
	case r.Tag.Source > hierarchy.TagPlatform:
		return fmt.Errorf("unknown tag source %d", r.Tag.Source)
	}
	return nil
}

func checkRequest(r *Request, conn string) error {
	switch {
	case r.ID.IsZero():
		return fmt.Errorf("zero request ID")
	case r.Object.IsZero():
		return fmt.Errorf("zero object ID")
	case r.Connection != "" && r.Connection != conn:
		return fmt.Errorf("request names connection %q, the change set %q", r.Connection, conn)
	case r.Kind == "":
		return fmt.Errorf("empty kind")
	case r.State != "" && r.State != RequestOpen && r.State != RequestValidated:
		return fmt.Errorf("unknown state %q", r.State)
	}
	return nil
}
