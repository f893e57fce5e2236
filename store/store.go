package store

import (
	"context"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// Store is everything the library keeps. Implementations compose the role
// interfaces below; packages ask for the roles they use.
type Store interface {
	ConnectionStore
	ObjectStore
	TagStore
	GrantStore
	RequestStore
	PolicyStore
	AdminStore
	// Close releases the store's resources. A store must not be used after.
	Close() error
}

// ConnectionStore keeps registered connections.
type ConnectionStore interface {
	// CreateConnection stores c, at Revision 1, and its host object,
	// which must have Path{c.Key} and ID c.HostID (ErrInvalidInput
	// otherwise). A taken key gives ErrAlreadyExists.
	CreateConnection(ctx context.Context, c Connection, host hierarchy.Object) error
	// Connection returns the connection with the key, or ErrNotFound.
	Connection(ctx context.Context, key string) (Connection, error)
	// Connections returns every connection, ordered by key.
	Connections(ctx context.Context) ([]Connection, error)
	// UpdateConnection replaces the stored connection with the same key
	// (ErrNotFound if there is none), if its revision is still
	// c.Revision, and makes it c.Revision+1. A stored revision other than
	// c.Revision (the record was updated since c was read) gives
	// ErrConflict and writes nothing: read it again and redo the change,
	// as ModifyConnection does. Key, HostID and CreatedAt are kept.
	UpdateConnection(ctx context.Context, c Connection) error
	// DeleteConnection deletes the connection and everything under it:
	// objects, tags, grants and requests (B26). ErrNotFound if there is
	// none. It does not hold the whole connection in memory.
	DeleteConnection(ctx context.Context, key string) error
}

// ObjectReader reads the hierarchy.
type ObjectReader interface {
	// Object returns the object with the ID, with columns and tags.
	Object(ctx context.Context, id hierarchy.ID) (hierarchy.Object, error)
	// Lookup returns the object at the path (one to four segments; any
	// other path gives ErrInvalidInput), with columns and tags.
	Lookup(ctx context.Context, path hierarchy.Path) (hierarchy.Object, error)
	// Children returns up to page.Size() direct children of parent,
	// active or deleted, ordered by name (byte order), starting after the
	// name page.After, and the cursor of the next page ("" after the last,
	// also when the page ends exactly with it). ErrNotFound if parent does
	// not exist.
	Children(ctx context.Context, parent hierarchy.ID, page Page) ([]Child, string, error)
	// Snapshot returns every direct child of parent, active or deleted,
	// with columns and tags, ordered by name: what sync compares a remote
	// listing with. ErrNotFound if parent does not exist.
	Snapshot(ctx context.Context, parent hierarchy.ID) ([]hierarchy.Object, error)
	// CountDescendants returns the number of objects below id, active or
	// deleted (columns are not objects). ErrNotFound if id does not exist.
	CountDescendants(ctx context.Context, id hierarchy.ID) (int64, error)
}

// ObjectWriter changes the hierarchy.
type ObjectWriter interface {
	// Apply applies a change set atomically. An Add whose name is taken
	// under Container gives ErrAlreadyExists; an Update or MarkDeleted of
	// an object that is not a child of Container gives ErrConflict, and so
	// does a Container that no longer exists. An Add whose Path or
	// Ancestors do not put it directly under Container gives
	// ErrInvalidInput. On error nothing is written.
	Apply(ctx context.Context, cs *ChangeSet) error
	// UpdateSettings changes an object's enable settings (B8, B9).
	UpdateSettings(ctx context.Context, id hierarchy.ID, u SettingsUpdate) error
	// DeleteObject deletes a database, schema or table and everything
	// under it, with their tags, grants and requests, and clears the
	// fingerprints of its ancestors so the next sync looks again. It
	// returns how many objects were deleted. Deleting a host is
	// DeleteConnection's job: ErrInvalidInput.
	DeleteObject(ctx context.Context, id hierarchy.ID) (int64, error)
}

// ObjectStore reads and writes the hierarchy.
type ObjectStore interface {
	ObjectReader
	ObjectWriter
}

// TagStore keeps tags on objects and columns (B19, B20).
type TagStore interface {
	// AddTag puts a tag on an object or column. ErrNotFound if the object
	// (or the column) does not exist; ErrAlreadyExists if the tag, by
	// source and name, is there.
	AddTag(ctx context.Context, ref TagRef) error
	// RemoveTag removes a tag, matched by object, column, source and name.
	// ErrNotFound if it is not there.
	RemoveTag(ctx context.Context, ref TagRef) error
	// FindByTag returns up to page.Size() tagged objects and columns in
	// path order, starting after the opaque cursor page.After, and the
	// cursor of the next page ("" after the last).
	FindByTag(ctx context.Context, q TagQuery, page Page) ([]TagHit, string, error)
}

// GrantStore keeps Data Owner grants (B24).
type GrantStore interface {
	// AddGrant stores a grant. ErrNotFound if the object does not exist;
	// ErrAlreadyExists if the same subject already has the role there.
	AddGrant(ctx context.Context, g Grant) error
	// RemoveGrant removes the grant of g.Role to g.Subject on g.Object.
	// ErrNotFound if there is none.
	RemoveGrant(ctx context.Context, g Grant) error
	// Grants returns the grants the filter selects, ordered by object,
	// subject kind and subject name.
	Grants(ctx context.Context, f GrantFilter) ([]Grant, error)
}

// RequestStore keeps validation requests (B22, B23). Requests are created
// by Apply with the change that raised them.
type RequestStore interface {
	// Request returns one request, or ErrNotFound.
	Request(ctx context.Context, id hierarchy.ID) (Request, error)
	// Requests returns up to page.Size() requests the filter selects,
	// newest first, starting after the opaque cursor page.After, and the
	// cursor of the next page ("" after the last).
	Requests(ctx context.Context, f RequestFilter, page Page) ([]Request, string, error)
	// Validate closes an open request and removes its tags atomically;
	// RemoveTags that are absent are skipped. ErrNotFound if there is no
	// such request; ErrConflict if it is not open.
	Validate(ctx context.Context, v Validation) error
}

// PolicyStore keeps global policies (B21).
type PolicyStore interface {
	// Policy returns the named policy, or ErrNotFound.
	Policy(ctx context.Context, name string) (Policy, error)
	// Policies returns every policy, ordered by name.
	Policies(ctx context.Context) ([]Policy, error)
	// PutPolicy creates or replaces the named policy.
	PutPolicy(ctx context.Context, p Policy) error
	// CreatePolicy stores a policy of a new name; a stored name gives
	// ErrAlreadyExists and writes nothing. Processes that seed a policy
	// at once use it, so that none overwrites another's later change.
	CreatePolicy(ctx context.Context, p Policy) error
}

// AdminStore keeps the users and groups who are admins (B25).
type AdminStore interface {
	// AddAdmin makes a.Subject an admin. ErrAlreadyExists if it is one;
	// ErrInvalidInput if the subject is not a user or group with a name.
	AddAdmin(ctx context.Context, a Admin) error
	// RemoveAdmin makes the subject an admin no more. ErrNotFound if it
	// is not one. With keepLast, removing the last admin gives
	// ErrConflict and removes nothing; the count and the removal are one
	// atomic step, so two callers removing the last two admins at once
	// cannot both succeed.
	RemoveAdmin(ctx context.Context, s Subject, keepLast bool) error
	// Admins returns every admin, ordered by subject kind and name.
	Admins(ctx context.Context) ([]Admin, error)
}

// ConnectionModifier is an optional ability of a ConnectionStore: read,
// change and write a connection record in one atomic step, so that
// concurrent writers never conflict. ModifyConnection uses it when the
// store offers it.
type ConnectionModifier interface {
	// ModifyConnection reads the connection with the key (ErrNotFound if
	// there is none), calls change on it and stores the result at the
	// next revision, all while no other writer can change the record. An
	// error from change is returned as is and nothing is written. Key,
	// HostID and CreatedAt are kept; a zero UpdatedAt is set to now. It
	// returns the connection as stored. change must not call the store;
	// it may be called more than once if the store runs the step again.
	ModifyConnection(ctx context.Context, key string, change func(c *Connection) error) (Connection, error)
}

// ChildLister is an optional ability of an ObjectReader: every direct
// child of a container in brief, without columns, tags, paths or counts.
// It is what sync needs to tell which children of a changed listing it
// must read in full, and much less than Children builds; sync uses it when
// the store offers it, and Children otherwise.
type ChildLister interface {
	// ChildSummaries returns every direct child of parent, active or
	// deleted, ordered by name (byte order), as Children would list them.
	// ErrNotFound if parent does not exist.
	ChildSummaries(ctx context.Context, parent hierarchy.ID) ([]ChildSummary, error)
}

// ChildSummary is a child as ChildLister lists it: the fields of its
// Object of the same names.
type ChildSummary struct {
	ID          hierarchy.ID
	Name        string
	Type        string
	State       hierarchy.State
	Fingerprint hierarchy.Fingerprint
}

// Locker is an optional ability of stores shared by several processes: a
// lease per connection, so that two processes never sync the same
// connection at once (B10). Sync uses it when the store offers it.
type Locker interface {
	// TryLock takes the lease on the connection's sync for ttl. It returns
	// ErrSyncInProgress if another holder has a lease that has not
	// expired. The returned release func gives the lease back; while it is
	// held the store renews it. A holder that dies loses its lease after
	// ttl at most. Renewal lasts as long as ctx: once ctx is done the
	// store stops renewing, and the lease lapses within ttl unless it was
	// released first (so pass a context that lives as long as the sync).
	TryLock(ctx context.Context, connection string, ttl time.Duration) (release func(), err error)
}
