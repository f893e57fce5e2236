package connectors

import (
	"context"

	"github.com/govkit/connections/hierarchy"
)

// Connector reads a data platform's hierarchy. Methods are safe for
// concurrent use: sync calls them from several goroutines, up to the
// connection's concurrency limit.
//
// Errors: a listing of something that does not exist wraps
// connections.ErrNotFound; refused credentials or privileges wrap
// connections.ErrPermissionDenied; a cancelled or expired context gives an
// error matching ctx.Err(). Errors and logs never contain credentials.
type Connector interface {
	// Host describes the platform: the account, metastore, cluster or
	// server at the top of the hierarchy.
	Host(ctx context.Context) (Host, error)
	// Check verifies that the credentials work and can read metadata.
	Check(ctx context.Context) error
	// Databases lists the databases (catalogs) of the host.
	Databases(ctx context.Context) ([]Database, error)
	// Schemas lists the schemas of a database.
	Schemas(ctx context.Context, database string) ([]Schema, error)
	// Tables lists the tables, views and other table-like objects of a
	// schema, each with its columns ordered by position.
	Tables(ctx context.Context, database, schema string) ([]Table, error)
	// Close releases the connector's resources. It is safe to call more
	// than once.
	Close() error
}

// Host describes the top of a platform's hierarchy.
type Host struct {
	// Name is the platform's name for itself: account, metastore or
	// server name.
	Name string `json:"name"`
	// Type is what the platform calls its top level, such as "ACCOUNT",
	// "METASTORE", "CLUSTER" or "SERVER".
	Type string `json:"type"`
	// Version is the platform's version, when it says.
	Version string `json:"version,omitempty"`
}

// Database is a database or catalog.
type Database struct {
	Name    string `json:"name"`
	Type    string `json:"type,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Schema is a schema of a database.
type Schema struct {
	Name    string `json:"name"`
	Comment string `json:"comment,omitempty"`
}

// Table is a table-like object with its columns.
type Table struct {
	Name string `json:"name"`
	// Type is one of the hierarchy.Type constants, or the platform's own
	// name where none fits (B2).
	Type    string `json:"type"`
	Comment string `json:"comment,omitempty"`
	// Columns are ordered by Position; their Tags are not used.
	Columns []hierarchy.Column `json:"columns"`
}

// TagReader is the optional ability to read the platform's own tags (B20).
type TagReader interface {
	// Tags lists the tags on the tables of a schema and on their columns.
	// Objects the credentials cannot see have none.
	Tags(ctx context.Context, database, schema string) ([]TagAssignment, error)
}

// TagAssignment is a platform tag on a table, or on one of its columns
// when Column is not empty.
type TagAssignment struct {
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"`
}

// DatabaseLister is the optional ability to list every table of a database
// in one pass, fewer round trips than one Tables call per schema.
type DatabaseLister interface {
	// DatabaseTables calls fn once per schema of the database that has
	// tables, with all of that schema's tables, schemas in name order
	// (byte order, as strings.Compare), from one goroutine at a time. If
	// it returns an error, schemas fn was not called for are unknown, not
	// empty. An error from fn stops the listing and is returned.
	//
	// Sync uses it to list a whole database in one pass when the connector
	// reads no tags (TagReader), instead of one Tables call per schema.
	DatabaseTables(ctx context.Context, database string, fn func(schema string, tables []Table) error) error
}
