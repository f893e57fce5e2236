package pgstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/storetest"
)

// Values PostgreSQL cannot store (a NUL byte, invalid UTF-8) give
// ErrInvalidInput, and nothing of the change set is written.
func TestValuesPostgreSQLRefuses(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	tr := storetest.NewTree(t, s, "T")
	for what, spoil := range map[string]func(cs *store.ChangeSet){
		"a NUL byte in a table name": func(cs *store.ChangeSet) {
			cs.Add = append(cs.Add, storetest.Table(tr.Schema, "bad\x00name", "a"))
		},
		"invalid UTF-8 in a table type": func(cs *store.ChangeSet) {
			b := storetest.Table(tr.Schema, "BAD", "a")
			b.Type = "\xff\xfe"
			cs.Add = append(cs.Add, b)
		},
		"a NUL byte in a tag value": func(cs *store.ChangeSet) {
			cs.AddTags = append(cs.AddTags, store.TagRef{Object: tr.Tables[0].ID, Tag: hierarchy.Tag{Name: "x", Value: "a\x00b"}})
		},
	} {
		good := storetest.Table(tr.Schema, "GOOD", "a")
		cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Add: []hierarchy.Object{good}, Fingerprint: 9, At: time.Now()}
		spoil(cs)
		err := s.Apply(ctx, cs)
		require.ErrorIs(t, err, connections.ErrInvalidInput, "Apply with %s", what)
		snap, err := s.Snapshot(ctx, tr.Schema.ID)
		require.NoError(t, err)
		assert.Len(t, snap, 1, "a refused change set (%s) writes nothing", what)
		assert.Empty(t, snap[0].Tags, "a refused change set (%s) writes nothing", what)
		sc, err := s.Object(ctx, tr.Schema.ID)
		require.NoError(t, err)
		assert.Zero(t, sc.Fingerprint, "a refused change set (%s) writes nothing", what)
	}
	c, host := storetest.NewConnection("nul\x00key")
	require.ErrorIs(t, s.CreateConnection(ctx, c, host), connections.ErrInvalidInput, "a NUL byte in a connection key")
	require.ErrorIs(t, s.AddTag(ctx, store.TagRef{Object: tr.Tables[0].ID, Tag: hierarchy.Tag{Name: "bad\x00tag"}}), connections.ErrInvalidInput)
}

// Applies on a database (marking a schema deleted and back) and on the
// schema below it (updating its tables) run at once without failing:
// locks are taken top down, and a transaction aborted to break a deadlock
// is run again.
func TestConcurrentApplyUpAndDown(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	tr := storetest.NewTree(t, s)
	var tables []hierarchy.Object
	for i := range 50 {
		tables = append(tables, storetest.Table(tr.Schema, fmt.Sprintf("T%02d", i), "a", "b"))
	}
	storetest.Add(t, s, tr.Conn.Key, tr.Schema, tables...)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	wg.Go(func() {
		for i := range 20 {
			cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Database.ID, At: time.Now()}
			if i%2 == 0 {
				cs.MarkDeleted = []hierarchy.ID{tr.Schema.ID}
			} else {
				back := tr.Schema
				back.State = hierarchy.Active
				cs.Update = []hierarchy.Object{back}
			}
			errs <- s.Apply(ctx, cs)
		}
	})
	wg.Go(func() {
		for i := range 20 {
			cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, At: time.Now(), Fingerprint: hierarchy.Fingerprint(i + 1)}
			for _, tb := range tables {
				u := tb
				u.Comment = fmt.Sprint("round ", i)
				u.State = hierarchy.Active
				cs.Update = append(cs.Update, u)
			}
			errs <- s.Apply(ctx, cs)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Object(ctx, tables[7].ID)
	require.NoError(t, err)
	assert.Equal(t, "round 19", got.Comment)
}

// DeleteConnection and DeleteObject of larger trees delete everything
// below, level by level, and nothing of other connections.
func TestDeleteLargerTrees(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	build := func() (*storetest.Tree, []hierarchy.Object) {
		tr := storetest.NewTree(t, s)
		var schemas []hierarchy.Object
		for d := range 3 {
			db := storetest.Child(tr.Host, fmt.Sprintf("D%d", d))
			storetest.Add(t, s, tr.Conn.Key, tr.Host, db)
			for sc := range 3 {
				schema := storetest.Child(db, fmt.Sprintf("S%d", sc))
				storetest.Add(t, s, tr.Conn.Key, db, schema)
				cs := bigChangeSet(tr.Conn.Key, schema, 200)
				require.NoError(t, s.Apply(ctx, cs))
				require.NoError(t, s.AddGrant(ctx, store.Grant{Object: cs.Add[0].ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "u"}, Role: store.RoleDataOwner}))
				req := store.Request{ID: hierarchy.NewID(), Kind: store.RequestColumnAdded, Object: cs.Add[1].ID, Path: cs.Add[1].Path, Column: "COLUMN_01"}
				require.NoError(t, s.Apply(ctx, &store.ChangeSet{Connection: tr.Conn.Key, Container: schema.ID, Requests: []store.Request{req}}))
				schemas = append(schemas, schema)
			}
		}
		return tr, schemas
	}
	a, aSchemas := build()
	b, _ := build()
	const perConn = 2 + 3*(1+3*(1+200)) // DB, PUBLIC and three databases of three schemas of 200 tables

	count := func(tr *storetest.Tree) int64 {
		n, err := s.CountDescendants(ctx, tr.Host.ID)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, int64(perConn), count(a))

	n, err := s.DeleteObject(ctx, aSchemas[0].ID)
	require.NoError(t, err)
	assert.Equal(t, int64(201), n, "DeleteObject of a schema deletes it and its tables")
	db0 := aSchemas[0].Ancestors[1]
	n, err = s.DeleteObject(ctx, db0)
	require.NoError(t, err)
	assert.Equal(t, int64(1+2*201), n, "DeleteObject of a database deletes it, its schemas and their tables")
	require.Equal(t, int64(perConn-201-(1+2*201)), count(a))

	require.NoError(t, s.DeleteConnection(ctx, a.Conn.Key))
	_, err = s.Object(ctx, aSchemas[5].ID)
	require.ErrorIs(t, err, connections.ErrNotFound)
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "conn", Connection: a.Conn.Key}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, hits, "DeleteConnection deletes the tags")
	grants, err := s.Grants(ctx, store.GrantFilter{Connection: a.Conn.Key})
	require.NoError(t, err)
	assert.Empty(t, grants)
	reqs, _, err := s.Requests(ctx, store.RequestFilter{Connection: a.Conn.Key}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, reqs)

	require.Equal(t, int64(perConn), count(b), "other connections are untouched")
	hits, _, err = s.FindByTag(ctx, store.TagQuery{Name: "conn", Connection: b.Conn.Key}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, hits, 9*200)
	grants, err = s.Grants(ctx, store.GrantFilter{Connection: b.Conn.Key})
	require.NoError(t, err)
	assert.Len(t, grants, 9)
}
