package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// Key returns a connection key that no other test, process or run uses:
// prefix, "_" and 12 random hex digits. Prefix should be letters, digits,
// "-" or "_" so that the key is valid.
func Key(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return prefix + "_" + hex.EncodeToString(b[:])
}

// NewConnection returns a connection with the key and its host object, as
// ConnectionStore.CreateConnection takes them.
func NewConnection(key string) (store.Connection, hierarchy.Object) {
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{key}, Type: "ACCOUNT"}
	c := store.Connection{
		Key: key, DisplayName: key, Technology: "memory", HostID: host.ID,
		Status: store.StatusActive,
	}
	return c, host
}

// Child returns a new active child of parent named name, with a new ID,
// Ancestors and Path set and the type of its kind (TypeDatabase,
// TypeSchema or TypeTable), ready for ChangeSet.Add.
func Child(parent hierarchy.Object, name string) hierarchy.Object {
	o := hierarchy.Object{
		ID:        hierarchy.NewID(),
		Ancestors: parent.ChildAncestors(),
		Path:      parent.Path.Child(name),
	}
	switch o.Kind() {
	case hierarchy.KindDatabase:
		o.Type = hierarchy.TypeDatabase
	case hierarchy.KindSchema:
		o.Type = hierarchy.TypeSchema
	default:
		o.Type = hierarchy.TypeTable
	}
	return o
}

// Table returns a new table under the schema with the named columns (see
// Columns).
func Table(schema hierarchy.Object, name string, columns ...string) hierarchy.Object {
	o := Child(schema, name)
	o.Columns = Columns(columns...)
	return o
}

// Columns returns nullable VARCHAR columns with the names, at positions 1,
// 2, 3...
func Columns(names ...string) []hierarchy.Column {
	cols := make([]hierarchy.Column, len(names))
	for i, n := range names {
		cols[i] = hierarchy.Column{Name: n, Type: "VARCHAR", Position: i + 1, Nullable: true}
	}
	return cols
}

// Tree is a small connection stored in a store: a host with one database
// and one schema, and tables in that schema.
type Tree struct {
	Conn     store.Connection
	Host     hierarchy.Object
	Database hierarchy.Object
	Schema   hierarchy.Object
	Tables   []hierarchy.Object
}

// NewTree stores a connection with a unique key (see Key) holding
// database "DB", schema "PUBLIC" and a table per name with columns "id"
// and "name", and returns it. It fails the test on any error, and deletes
// the connection when the test ends.
func NewTree(t testing.TB, s store.Store, tables ...string) *Tree {
	t.Helper()
	ctx := context.Background()
	c, host := NewConnection(Key("t"))
	require.NoError(t, s.CreateConnection(ctx, c, host), "CreateConnection")
	t.Cleanup(func() { _ = s.DeleteConnection(context.Background(), c.Key) })
	c.Revision = 1
	tr := &Tree{Conn: c, Host: host}
	tr.Database = Child(host, "DB")
	tr.Schema = Child(tr.Database, "PUBLIC")
	Add(t, s, c.Key, host, tr.Database)
	Add(t, s, c.Key, tr.Database, tr.Schema)
	for _, name := range tables {
		tr.Tables = append(tr.Tables, Table(tr.Schema, name, "id", "name"))
	}
	if len(tr.Tables) > 0 {
		Add(t, s, c.Key, tr.Schema, tr.Tables...)
	}
	return tr
}

// Add applies a change set that adds children under container, failing
// the test on error.
func Add(t testing.TB, s store.Store, connection string, container hierarchy.Object, children ...hierarchy.Object) {
	t.Helper()
	cs := &store.ChangeSet{Connection: connection, Container: container.ID, Add: children, At: time.Now().UTC()}
	require.NoError(t, s.Apply(context.Background(), cs), "Apply adding %d children under %s", len(children), container.Path)
}
