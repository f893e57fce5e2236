package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func connectionCases() []testCase {
	return []testCase{
		{"Connection/CreateThenRead", testConnectionCreateThenRead},
		{"Connection/TakenKeyGivesAlreadyExists", testConnectionTakenKey},
		{"Connection/HostMustMatchConnection", testConnectionHostMismatch},
		{"Connection/MissingGivesNotFound", testConnectionMissing},
		{"Connection/ListOrderedByKey", testConnectionsOrdered},
		{"Connection/UpdateKeepsKeyHostIDCreatedAt", testConnectionUpdate},
		{"Connection/StaleRevisionGivesConflict", testConnectionStaleRevision},
		{"Connection/ConcurrentModifyLosesNoUpdate", testConnectionConcurrentModify},
		{"Connection/ConnectionModifierContract", testConnectionModifier},
		{"Connection/B26_DeleteRemovesEverythingUnderIt", testConnectionDelete},
	}
}

func fullConnection() (store.Connection, hierarchy.Object) {
	c, host := NewConnection(Key("conn"))
	c.DisplayName = "Sales. Prod \"EU\""
	c.Technology = "snowflake"
	c.Config = map[string]string{"account": "xy12345", "warehouse": "WH"}
	c.Settings = store.Settings{
		Schedule:          store.Schedule{Interval: 24 * time.Hour, Offset: time.Hour},
		Impersonation:     true,
		ImpersonationRole: "IMP_ROLE",
		TableGrants:       true,
		InternalDatabase:  "GOVKIT",
		MaxDeleteShare:    0.25,
	}
	c.Status = store.StatusRegistering
	c.CreatedBy = "alice"
	c.CreatedAt, c.UpdatedAt, c.LastSync = tm(0), tm(1), tm(2)
	host.Type, host.Comment = "ACCOUNT", "the account"
	host.Enable, host.NewChildren = hierarchy.Disable, hierarchy.Enable
	host.CreatedAt, host.UpdatedAt = tm(0), tm(0)
	return c, host
}

// assertConnection compares connections, times by instant.
func assertConnection(t *testing.T, want, got store.Connection, rule string) {
	t.Helper()
	assertTime(t, want.CreatedAt, got.CreatedAt, rule+": CreatedAt")
	assertTime(t, want.UpdatedAt, got.UpdatedAt, rule+": UpdatedAt")
	assertTime(t, want.LastSync, got.LastSync, rule+": LastSync")
	want.CreatedAt, want.UpdatedAt, want.LastSync = time.Time{}, time.Time{}, time.Time{}
	got.CreatedAt, got.UpdatedAt, got.LastSync = time.Time{}, time.Time{}, time.Time{}
	if len(want.Config) == 0 && len(got.Config) == 0 {
		want.Config, got.Config = nil, nil
	}
	assert.Equal(t, want, got, rule)
}

func testConnectionCreateThenRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, host := fullConnection()
	require.NoError(t, s.CreateConnection(ctx, c, host), "CreateConnection of a new key must succeed")
	t.Cleanup(func() { _ = s.DeleteConnection(ctx, c.Key) })

	got, err := s.Connection(ctx, c.Key)
	require.NoError(t, err, "Connection must return a created connection")
	c.Revision = 1
	assertConnection(t, c, got, "Connection must return every field CreateConnection stored, at revision 1")

	h := object(t, s, host.ID)
	assert.Equal(t, hierarchy.Path{c.Key}, h.Path, "the host object's path is the connection key")
	assert.Equal(t, hierarchy.KindHost, h.Kind(), "the host object is a host")
	assert.Equal(t, host.Type, h.Type, "host Type")
	assert.Equal(t, host.Comment, h.Comment, "host Comment")
	assert.Equal(t, host.Enable, h.Enable, "host Enable")
	assert.Equal(t, host.NewChildren, h.NewChildren, "host NewChildren")
	assert.Equal(t, hierarchy.Active, h.State, "host State")

	byPath, err := s.Lookup(ctx, hierarchy.Path{c.Key})
	require.NoError(t, err, "Lookup of the connection key must find the host")
	assert.Equal(t, host.ID, byPath.ID, "Lookup(key) must return the host object")
}

func testConnectionTakenKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	c2, host2 := NewConnection(tr.Conn.Key)
	c2.DisplayName = "second"
	err := s.CreateConnection(ctx, c2, host2)
	require.ErrorIs(t, err, connections.ErrAlreadyExists, "CreateConnection with a taken key must give ErrAlreadyExists")
	got, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, tr.Conn.DisplayName, got.DisplayName, "a failed CreateConnection must not change the stored connection")
	_, err = s.Object(ctx, host2.ID)
	require.ErrorIs(t, err, connections.ErrNotFound, "a failed CreateConnection must not store its host object")
}

func testConnectionHostMismatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, host := NewConnection(Key("conn"))
	t.Cleanup(func() { _ = s.DeleteConnection(ctx, c.Key) })

	wrongPath := host
	wrongPath.Path = hierarchy.Path{"other"}
	err := s.CreateConnection(ctx, c, wrongPath)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "CreateConnection with a host whose Path is not {Key} must give ErrInvalidInput")

	wrongID := host
	wrongID.ID = hierarchy.NewID()
	err = s.CreateConnection(ctx, c, wrongID)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "CreateConnection with a host whose ID is not HostID must give ErrInvalidInput")

	_, err = s.Connection(ctx, c.Key)
	require.ErrorIs(t, err, connections.ErrNotFound, "a failed CreateConnection must write nothing")
}

func testConnectionMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := Key("missing")
	_, err := s.Connection(ctx, key)
	require.ErrorIs(t, err, connections.ErrNotFound, "Connection of an unknown key must give ErrNotFound")
	c, _ := NewConnection(key)
	err = s.UpdateConnection(ctx, c)
	require.ErrorIs(t, err, connections.ErrNotFound, "UpdateConnection of an unknown key must give ErrNotFound")
	err = s.DeleteConnection(ctx, key)
	require.ErrorIs(t, err, connections.ErrNotFound, "DeleteConnection of an unknown key must give ErrNotFound")
	_, err = s.Connection(ctx, key)
	require.ErrorIs(t, err, connections.ErrNotFound, "UpdateConnection of an unknown key must not create it")
}

func testConnectionsOrdered(t *testing.T, s store.Store) {
	ctx := t.Context()
	prefix := Key("order")
	keys := []string{prefix + "_b", prefix + "_c", prefix + "_A", prefix + "_a"}
	for _, k := range keys {
		c, host := NewConnection(k)
		require.NoError(t, s.CreateConnection(ctx, c, host))
		t.Cleanup(func() { _ = s.DeleteConnection(ctx, k) })
	}
	all, err := s.Connections(ctx)
	require.NoError(t, err)
	assert.True(t, slices.IsSortedFunc(all, func(a, b store.Connection) int { return strings.Compare(a.Key, b.Key) }),
		"Connections must be ordered by key")
	var ours []string
	for _, c := range all {
		if strings.HasPrefix(c.Key, prefix) {
			ours = append(ours, c.Key)
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	assert.Equal(t, want, ours, "Connections must list every connection, ordered by key (byte order)")
}

func testConnectionUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, host := fullConnection()
	c.Revision = 42 // must be ignored: a new record is at revision 1
	require.NoError(t, s.CreateConnection(ctx, c, host))
	t.Cleanup(func() { _ = s.DeleteConnection(ctx, c.Key) })

	u := c
	u.Revision = 1
	u.DisplayName = "renamed"
	u.Config = map[string]string{"account": "zz"}
	u.Settings.Schedule.Interval = time.Hour
	u.Settings.Impersonation = false
	u.Status = store.StatusActive
	u.LastSync = tm(50)
	u.UpdatedAt = tm(51)
	u.HostID = hierarchy.NewID() // must be ignored
	u.CreatedAt = tm(99)         // must be ignored
	require.NoError(t, s.UpdateConnection(ctx, u), "UpdateConnection of a stored key must succeed")

	got, err := s.Connection(ctx, c.Key)
	require.NoError(t, err)
	want := u
	want.HostID, want.CreatedAt, want.Revision = c.HostID, c.CreatedAt, 2
	assertConnection(t, want, got, "UpdateConnection must replace the connection but keep Key, HostID and CreatedAt, and add one to Revision")
}

func testConnectionStaleRevision(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	first, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	second := first // read by another writer at the same time

	first.DisplayName = "first"
	require.NoError(t, s.UpdateConnection(ctx, first))
	second.Settings.Schedule.Interval = time.Hour
	err = s.UpdateConnection(ctx, second)
	require.ErrorIs(t, err, connections.ErrConflict, "UpdateConnection of a record updated since it was read must give ErrConflict")

	got, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, "first", got.DisplayName, "a refused UpdateConnection must write nothing")
	assert.Equal(t, first.Settings.Schedule, got.Settings.Schedule, "a refused UpdateConnection must write nothing")
	assert.Equal(t, int64(2), got.Revision)

	ahead := got
	ahead.Revision = 9
	require.ErrorIs(t, s.UpdateConnection(ctx, ahead), connections.ErrConflict, "a revision the store never had is a conflict too")
}

// Writers that read, change and write the same connection at once, each
// through store.ModifyConnection, lose none of their changes: through the
// store's own ConnectionModifier when it has one, and through
// UpdateConnection's revision check and retries.
func testConnectionConcurrentModify(t *testing.T, s store.Store) {
	run := func(t *testing.T, cs store.ConnectionStore, writers, each int) {
		ctx := t.Context()
		tr := NewTree(t, s)
		errs := make(chan error, writers*each)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					_, err := store.ModifyConnection(ctx, cs, tr.Conn.Key, func(c *store.Connection) error {
						if c.Config == nil {
							c.Config = map[string]string{}
						}
						c.Config[fmt.Sprintf("w%d_%d", w, i)] = "x"
						return nil
					})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "ModifyConnection")
		}
		got, err := s.Connection(ctx, tr.Conn.Key)
		require.NoError(t, err)
		assert.Len(t, got.Config, writers*each, "every writer's change must be kept")
		assert.Equal(t, int64(1+writers*each), got.Revision, "one revision per update")
	}
	if _, ok := s.(store.ConnectionModifier); ok {
		t.Run("ConnectionModifier", func(t *testing.T) { run(t, s, 4, 10) })
	}
	// Hiding the ability leaves UpdateConnection's revision check.
	t.Run("UpdateConnection", func(t *testing.T) { run(t, struct{ store.ConnectionStore }{s}, 2, 5) })
}

// A store's own ModifyConnection follows the contract: it keeps what it
// must, returns the stored record, and writes nothing when change fails.
func testConnectionModifier(t *testing.T, s store.Store) {
	m, ok := s.(store.ConnectionModifier)
	if !ok {
		t.Skip("the store is no store.ConnectionModifier")
	}
	ctx := t.Context()
	tr := NewTree(t, s)
	before, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	_, err = m.ModifyConnection(ctx, Key("missing"), func(*store.Connection) error { return nil })
	require.ErrorIs(t, err, connections.ErrNotFound, "ModifyConnection of an unknown key must give ErrNotFound")

	boom := errors.New("boom")
	_, err = m.ModifyConnection(ctx, tr.Conn.Key, func(c *store.Connection) error {
		c.DisplayName = "changed"
		return boom
	})
	require.Equal(t, boom, err, "an error from change must be returned as is")
	got, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, tr.Conn.DisplayName, got.DisplayName, "a failed change must write nothing")
	assert.Equal(t, int64(1), got.Revision)

	out, err := m.ModifyConnection(ctx, tr.Conn.Key, func(c *store.Connection) error {
		c.Key, c.HostID, c.CreatedAt = "other", hierarchy.NewID(), tm(99) // must be ignored
		c.DisplayName, c.UpdatedAt = "renamed", tm(5)
		return nil
	})
	require.NoError(t, err)
	got, err = s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.DisplayName)
	assert.Equal(t, tr.Conn.HostID, got.HostID, "HostID is kept")
	assertTime(t, before.CreatedAt, got.CreatedAt, "CreatedAt is kept")
	assertTime(t, tm(5), got.UpdatedAt, "UpdatedAt as change set it")
	assert.Equal(t, int64(2), got.Revision, "one revision more")
	assertConnection(t, got, out, "ModifyConnection must return the connection as stored")
}

func testConnectionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	tag := Key("deltag")
	tr := NewTree(t, s, "T1", "T2")
	other := NewTree(t, s, "T1")
	t1 := tr.Tables[0]

	// Give both connections tags, grants and requests.
	for _, x := range []*Tree{tr, other} {
		cs := x.changes(x.Schema, 1)
		cs.AddTags = []store.TagRef{
			{Object: x.Tables[0].ID, Tag: hierarchy.Tag{Name: tag}},
			{Object: x.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: tag, Source: hierarchy.TagPlatform}},
		}
		cs.Requests = []store.Request{newRequest(x, x.Tables[0], "id", 1)}
		apply(t, s, cs, "tags and a request")
		require.NoError(t, s.AddGrant(ctx, store.Grant{Connection: x.Conn.Key, Object: x.Database.ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "alice"}, Role: store.RoleDataOwner, GrantedAt: tm(1)}))
	}
	reqs, _, err := s.Requests(ctx, store.RequestFilter{Connection: tr.Conn.Key}, store.Page{})
	require.NoError(t, err)
	require.Len(t, reqs, 1)

	require.NoError(t, s.DeleteConnection(ctx, tr.Conn.Key), "DeleteConnection of a stored key must succeed")

	const rule = "B26: DeleteConnection must delete the connection and everything under it"
	_, err = s.Connection(ctx, tr.Conn.Key)
	require.ErrorIs(t, err, connections.ErrNotFound, rule+": the connection")
	for _, o := range []hierarchy.Object{tr.Host, tr.Database, tr.Schema, t1, tr.Tables[1]} {
		requireNotFound(t, s, o.ID, rule+": object "+o.Path.String())
	}
	_, err = s.Lookup(ctx, t1.Path)
	require.ErrorIs(t, err, connections.ErrNotFound, rule+": Lookup of a table")
	grants, err := s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	assert.Empty(t, grants, rule+": grants")
	_, err = s.Request(ctx, reqs[0].ID)
	require.ErrorIs(t, err, connections.ErrNotFound, rule+": requests")
	left, _, err := s.Requests(ctx, store.RequestFilter{Connection: tr.Conn.Key}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, left, rule+": requests")
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: tag}, store.Page{})
	require.NoError(t, err)
	require.Len(t, hits, 2, rule+": tags (only the other connection's two tags may remain)")
	for _, h := range hits {
		assert.Equal(t, other.Conn.Key, h.Path.Key(), rule+": tags")
	}

	// The other connection is untouched.
	object(t, s, other.Tables[0].ID)
	grants, err = s.Grants(ctx, store.GrantFilter{Connection: other.Conn.Key})
	require.NoError(t, err)
	assert.Len(t, grants, 1, "DeleteConnection must not touch other connections' grants")

	// The key is free again and nothing old comes back with it.
	c, host := NewConnection(tr.Conn.Key)
	require.NoError(t, s.CreateConnection(ctx, c, host), "after DeleteConnection the key must be free")
	kids, err := s.Snapshot(ctx, host.ID)
	require.NoError(t, err)
	assert.Empty(t, kids, rule+": a new connection with the same key must start empty")
	grants, err = s.Grants(ctx, store.GrantFilter{Connection: c.Key})
	require.NoError(t, err)
	assert.Empty(t, grants, rule+": a new connection with the same key must have no grants")
}

// newRequest returns an open column_added request on the column of table,
// created at tm(at).
func newRequest(tr *Tree, table hierarchy.Object, column string, at int) store.Request {
	return store.Request{
		ID: hierarchy.NewID(), Kind: store.RequestColumnAdded, Connection: tr.Conn.Key,
		Object: table.ID, Path: table.Path, Column: column, ColumnType: "VARCHAR",
		State: store.RequestOpen, CreatedAt: tm(at),
	}
}
