package store

import (
	"time"

	"github.com/govkit/connections/hierarchy"
)

// ConnectionStatus is the life stage of a connection.
type ConnectionStatus string

// The stages of a connection.
const (
	// StatusRegistering: the first crawl is running; a failed registration
	// deletes the connection again.
	StatusRegistering ConnectionStatus = "registering"
	// StatusActive: registered and kept in step by sync.
	StatusActive ConnectionStatus = "active"
)

// Connection is a registered data platform. It holds no secrets.
type Connection struct {
	// Key identifies the connection and is the first segment of every
	// path in it.
	Key string `json:"key"`
	// DisplayName is free text shown to people and used in connection tags.
	DisplayName string `json:"display_name"`
	// Technology names the connector technology, such as "snowflake".
	Technology string `json:"technology"`
	// Config is the technology's non-secret configuration (host, warehouse,
	// role...).
	Config map[string]string `json:"config,omitempty"`
	// Settings are the connection's settings.
	Settings Settings `json:"settings"`
	// HostID is the ID of the host object at the top of the hierarchy.
	HostID hierarchy.ID `json:"host_id"`
	// Status is the connection's life stage.
	Status ConnectionStatus `json:"status"`
	// CreatedBy names who registered the connection.
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LastSync is when the last sync of the connection finished, zero
	// before the first.
	LastSync time.Time `json:"last_sync,omitzero"`
	// Revision counts the updates of the stored record: 1 when it is
	// created, one more after each UpdateConnection. UpdateConnection
	// takes the revision its caller read and refuses the update if the
	// record changed since, so no update is ever lost.
	Revision int64 `json:"revision"`
}

// Settings are a connection's settings (B6). Object sync is always on and
// is not a setting.
type Settings struct {
	// Schedule is when periodic sync runs.
	Schedule Schedule `json:"schedule"`
	// Impersonation lets users query as themselves through a role; it needs
	// ImpersonationRole and a technology that supports it.
	Impersonation     bool   `json:"impersonation"`
	ImpersonationRole string `json:"impersonation_role,omitempty"`
	// ProjectWorkspaces enables Snowflake project workspaces; Snowflake
	// only, and not together with TableGrants.
	ProjectWorkspaces bool `json:"project_workspaces"`
	// TableGrants says Snowflake table grants are in use.
	TableGrants bool `json:"table_grants"`
	// InternalDatabase names the library's own database or catalog on the
	// platform, which sync never ingests (B15). Matched without regard to
	// case.
	InternalDatabase string `json:"internal_database,omitempty"`
	// MaxDeleteShare, when above zero, is the share (0 to 1) of a
	// container's children, and of the synced subtree's objects, one sync
	// may mark deleted; a sync that would mark more leaves the containers
	// that would go past it as they are and reports them (B17).
	MaxDeleteShare float64 `json:"max_delete_share,omitempty"`
}

// Schedule says when periodic sync runs: every Interval, aligned to Offset
// after midnight UTC. The reference's schedule is every 24 hours at 01:00
// UTC.
type Schedule struct {
	Interval time.Duration `json:"interval"`
	Offset   time.Duration `json:"offset"`
}

// ChangeSet is what one sync step changes under one container (the host,
// a database or a schema): its direct children added, updated or marked
// deleted, and the tags and requests that go with them. A store applies a
// change set atomically: all of it or none.
type ChangeSet struct {
	// Connection is the key of the connection.
	Connection string
	// Container is the ID of the object whose children change.
	Container hierarchy.ID
	// Fingerprint, when not zero, is recorded on Container: the hash of the
	// listing this change set brings the store in step with.
	Fingerprint hierarchy.Fingerprint
	// Add holds new children of Container, with IDs, Ancestors, settings
	// and columns set. Their Tags fields are ignored: tags go in AddTags.
	// A non-zero Fingerprint is recorded on the new object: sync records
	// on each table the fingerprint of its own listing entry, so that a
	// later sync reads in full only the tables whose fingerprint differs.
	Add []hierarchy.Object
	// Update holds existing children whose Type, Comment, Columns or State
	// change; those fields are replaced. Settings, tags, grants and
	// CreatedAt are kept. Setting State to Active reactivates an object
	// marked deleted. A non-zero Fingerprint replaces the stored one; zero
	// keeps it.
	Update []hierarchy.Object
	// MarkDeleted holds children that the platform no longer lists. Each is
	// marked deleted remotely, and so is every active object under it.
	// Their fingerprints are cleared, so that a container that comes back
	// is listed again.
	MarkDeleted []hierarchy.ID
	// AddTags and RemoveTags change tags on children or their columns.
	// Adding a tag that is present, or removing one that is absent, is not
	// an error here. Removing a column in Update removes its tags.
	AddTags    []TagRef
	RemoveTags []TagRef
	// Requests are validation requests raised by this change (B22).
	Requests []Request
	// At is the time of the change, recorded as UpdatedAt and DeletedAt.
	At time.Time
}

// Empty reports whether the change set changes nothing but, perhaps, the
// fingerprint.
func (c *ChangeSet) Empty() bool {
	return len(c.Add) == 0 && len(c.Update) == 0 && len(c.MarkDeleted) == 0 &&
		len(c.AddTags) == 0 && len(c.RemoveTags) == 0 && len(c.Requests) == 0
}

// TagRef is a tag on an object, or on one of a table's columns when Column
// is not empty.
type TagRef struct {
	Object hierarchy.ID  `json:"object"`
	Column string        `json:"column,omitempty"`
	Tag    hierarchy.Tag `json:"tag"`
}

// TagHit is an object or column found by tag. Path is the object's path;
// a hit on a column names it in Column.
type TagHit struct {
	Object hierarchy.ID   `json:"object"`
	Path   hierarchy.Path `json:"path"`
	Column string         `json:"column,omitempty"`
	Tag    hierarchy.Tag  `json:"tag"`
}

// TagQuery selects tags by name, and optionally value, source and
// connection.
type TagQuery struct {
	Name string
	// Value, when not empty, must match too.
	Value string
	// Source, when not nil, must match too.
	Source *hierarchy.TagSource
	// Connection, when not empty, limits the search to one connection.
	Connection string
}

// SubjectKind says whether a grant names a user or a group.
type SubjectKind uint8

// The kinds of grant subjects.
const (
	SubjectUser SubjectKind = iota + 1
	SubjectGroup
)

// String returns "user" or "group".
func (k SubjectKind) String() string {
	switch k {
	case SubjectUser:
		return "user"
	case SubjectGroup:
		return "group"
	}
	return "invalid"
}

// MarshalText implements encoding.TextMarshaler.
func (k SubjectKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Subject is the user or group a grant is given to.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	Name string      `json:"name"`
}

// Admin makes a user, or every member of a group, an admin (B25): one who
// may do everything, in every connection. Hosts may name admins
// themselves too (perms.Principal.Admin); these are the ones the store
// keeps, so that every process sharing it sees the same.
type Admin struct {
	Subject Subject   `json:"subject"`
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// Role is what a grant allows. Data Owner is the only role today.
type Role string

// RoleDataOwner lets its holder manage the object and everything below it.
const RoleDataOwner Role = "data_owner"

// Grant gives a role on an object to a subject. It holds on every object
// below Object too; it is never copied down.
type Grant struct {
	Connection string       `json:"connection"`
	Object     hierarchy.ID `json:"object"`
	Subject    Subject      `json:"subject"`
	Role       Role         `json:"role"`
	GrantedBy  string       `json:"granted_by,omitempty"`
	GrantedAt  time.Time    `json:"granted_at"`
}

// GrantFilter selects grants; zero fields match everything.
type GrantFilter struct {
	Connection string
	// Objects, when not empty, keeps grants on these objects.
	Objects []hierarchy.ID
	// Subject, when not nil, keeps grants to this subject.
	Subject *Subject
}

// RequestKind is what a validation request asks an owner to look at.
type RequestKind string

// The kinds of validation requests (B22).
const (
	RequestColumnAdded   RequestKind = "column_added"
	RequestColumnDeleted RequestKind = "column_deleted"
)

// RequestState is whether a request still waits for an owner.
type RequestState string

// The states of a request.
const (
	RequestOpen      RequestState = "open"
	RequestValidated RequestState = "validated"
)

// Request asks a data source's owners to validate a column change.
type Request struct {
	ID         hierarchy.ID   `json:"id"`
	Kind       RequestKind    `json:"kind"`
	Connection string         `json:"connection"`
	Object     hierarchy.ID   `json:"object"`
	Path       hierarchy.Path `json:"path"`
	Column     string         `json:"column"`
	// ColumnType is the column's type when the change was seen.
	ColumnType  string       `json:"column_type,omitempty"`
	State       RequestState `json:"state"`
	CreatedAt   time.Time    `json:"created_at"`
	ValidatedAt time.Time    `json:"validated_at,omitzero"`
	ValidatedBy string       `json:"validated_by,omitempty"`
}

// RequestFilter selects requests; zero fields match everything.
type RequestFilter struct {
	Connection string
	// Under, when not empty, keeps requests on these objects or on objects
	// below them (the subtrees an owner owns).
	Under []hierarchy.ID
	// State, when not empty, keeps requests in that state.
	State RequestState
}

// Validation closes an open request: it is marked validated by By at At,
// and RemoveTags (the New tag of an added column) go with it, atomically.
type Validation struct {
	Request    hierarchy.ID
	By         string
	At         time.Time
	RemoveTags []TagRef
}

// Policy is a global policy as far as this library needs to know it: which
// tags it targets and whether it is active (B21).
type Policy struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	TargetTags  []string  `json:"target_tags"`
	Active      bool      `json:"active"`
	UpdatedAt   time.Time `json:"updated_at"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
}

// Page asks for part of a sorted listing: up to Limit items after the
// cursor After (empty for the first page). A Limit of zero or less means
// DefaultPageLimit; Limit is capped at MaxPageLimit.
type Page struct {
	After string
	Limit int
}

// Page limits.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 10000
)

// Size returns the effective limit of p.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageLimit
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// Child is an object listed by Children, with how many objects are below
// it. Its Columns and Tags are not filled.
type Child struct {
	hierarchy.Object
	// Children counts the direct children.
	Children int64 `json:"children"`
	// Descendants counts every object below it (not columns).
	Descendants int64 `json:"descendants"`
}

// SettingsUpdate changes an object's enable settings. Nil fields are left
// as they are. ResetDescendants sets the own setting of every object below
// to Inherit, so that enabling or disabling cascades (B9); a store does it
// as one bulk operation.
type SettingsUpdate struct {
	Enable           *hierarchy.Setting
	NewChildren      *hierarchy.Setting
	ResetDescendants bool
}
