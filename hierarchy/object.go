package hierarchy

import (
	"slices"
	"time"
)

// Object types as platforms report them (B2). Connectors map their
// platform's own names to these where one fits and keep the platform's
// name otherwise; the type is informative and never changes how an object
// is synced.
const (
	TypeHost             = "HOST"
	TypeDatabase         = "DATABASE"
	TypeSchema           = "SCHEMA"
	TypeTable            = "TABLE"
	TypeView             = "VIEW"
	TypeMaterializedView = "MATERIALIZED_VIEW"
	TypeExternal         = "EXTERNAL_TABLE"
	TypeForeign          = "FOREIGN_TABLE"
	TypeEvent            = "EVENT_TABLE"
	TypeIceberg          = "ICEBERG_TABLE"
	TypeDynamic          = "DYNAMIC_TABLE"
	TypeHybrid           = "HYBRID_TABLE"
	TypeStreaming        = "STREAMING_TABLE"
	TypePartitioned      = "PARTITIONED_TABLE"
)

// Fingerprint is a hash of a container's last applied remote listing. An
// unchanged listing has the same fingerprint, which lets sync skip the
// write path. Zero means none recorded.
type Fingerprint uint64

// Object is one node of the hierarchy: a host, database, schema or table.
//
// Objects returned by a store are copies the caller owns. The fields marked
// read-only are filled by reads and ignored by writes.
type Object struct {
	// ID never changes, whatever the object's name.
	ID ID `json:"id"`
	// Ancestors holds the IDs of the host, database and schema above the
	// object, in that order, as far as its depth reaches; the rest are zero.
	// A host has none, a table all three.
	Ancestors [MaxDepth - 1]ID `json:"-"`
	// Path is the object's name path, the connection key first.
	Path Path `json:"path"`
	// Type is the technology's object type, such as TypeTable or TypeView.
	Type string `json:"type,omitempty"`
	// Comment is the platform's description of the object, if any.
	Comment string `json:"comment,omitempty"`
	// State says whether the platform still lists the object.
	State State `json:"state"`
	// Enable is the object's own enable setting (B8).
	Enable Setting `json:"enable"`
	// NewChildren is the setting given to children that sync finds (B8).
	NewChildren Setting `json:"new_children"`
	// Columns is a table's data dictionary, ordered by Position.
	Columns []Column `json:"columns,omitempty"`
	// Tags are the tags on the object itself (read-only).
	Tags []Tag `json:"tags,omitempty"`
	// Fingerprint is the hash of the container's last applied listing;
	// on a table, the hash of its own entry in its schema's listing.
	Fingerprint Fingerprint `json:"-"`
	// CreatedAt is when the object was first stored.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when sync last changed the object.
	UpdatedAt time.Time `json:"updated_at"`
	// DeletedAt is when the object was marked deleted remotely, zero if
	// it is active.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
}

// Kind returns the object's level.
func (o *Object) Kind() Kind { return o.Path.Kind() }

// Name returns the object's own name, the last segment of its path.
func (o *Object) Name() string { return o.Path.Name() }

// ParentID returns the ID of the object's parent, zero for a host.
func (o *Object) ParentID() ID {
	if d := len(o.Path); d >= 2 && d <= MaxDepth {
		return o.Ancestors[d-2]
	}
	return ID{}
}

// Lineage appends the IDs of the object's ancestors, top down, and then its
// own ID to dst and returns the result. With a dst of capacity MaxDepth it
// does not allocate.
func (o *Object) Lineage(dst []ID) []ID {
	n := len(o.Path) - 1
	if n > len(o.Ancestors) {
		n = len(o.Ancestors)
	}
	if n > 0 {
		dst = append(dst, o.Ancestors[:n]...)
	}
	return append(dst, o.ID)
}

// ChildAncestors returns the Ancestors a child of the object has.
func (o *Object) ChildAncestors() [MaxDepth - 1]ID {
	a := o.Ancestors
	if d := len(o.Path); d >= 1 && d <= len(a) {
		a[d-1] = o.ID
	}
	return a
}

// Column returns the column named name and whether the table has it.
func (o *Object) Column(name string) (Column, bool) {
	for _, c := range o.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Clone returns a deep copy of o.
func (o Object) Clone() Object {
	o.Path = slices.Clone(o.Path)
	o.Tags = slices.Clone(o.Tags)
	if o.Columns != nil {
		cols := make([]Column, len(o.Columns))
		for i, c := range o.Columns {
			c.Tags = slices.Clone(c.Tags)
			cols[i] = c
		}
		o.Columns = cols
	}
	return o
}

// Column is one entry of a table's data dictionary.
type Column struct {
	// Name keeps the platform's case.
	Name string `json:"name"`
	// Type is the platform's type text, such as "VARCHAR(16777216)".
	Type string `json:"type"`
	// Position is the 1-based ordinal position in the table.
	Position int `json:"position"`
	// Nullable reports whether the column accepts NULL.
	Nullable bool `json:"nullable"`
	// Comment is the platform's description of the column, if any.
	Comment string `json:"comment,omitempty"`
	// Tags are the tags on the column (read-only).
	Tags []Tag `json:"tags,omitempty"`
}

// SameShape reports whether c and d describe the same column in the same
// place, ignoring tags.
func (c Column) SameShape(d Column) bool {
	return c.Name == d.Name && c.Type == d.Type && c.Position == d.Position &&
		c.Nullable == d.Nullable && c.Comment == d.Comment
}
