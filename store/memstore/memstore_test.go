package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(nil)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// clock is a settable time source for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestLeaseLapsesByTheClock(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := memstore.New(&memstore.Options{Now: clk.Now})
	holder, stop := context.WithCancel(t.Context())
	_, err := s.TryLock(holder, "k", time.Minute)
	require.NoError(t, err)

	clk.Add(time.Hour)
	_, err = s.TryLock(t.Context(), "k", time.Minute)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "a lease whose holder's context lives is renewed")

	stop()
	// The lapse is stamped by a callback when the context is done; wait
	// for it, then move the clock past the ttl.
	require.Eventually(t, func() bool {
		clk.Add(59 * time.Second)
		_, err := s.TryLock(t.Context(), "k", time.Minute)
		if err == nil {
			t.Fatal("the lease lapsed before its ttl")
		}
		clk.Add(time.Second)
		release, err := s.TryLock(t.Context(), "k", time.Minute)
		if err == nil {
			release()
			return true
		}
		clk.Add(-time.Minute)
		return false
	}, 5*time.Second, time.Millisecond)

	_, err = s.TryLock(t.Context(), "k", 0)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "a ttl that is not positive")
	_, err = s.TryLock(t.Context(), "", time.Minute)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "an empty connection key")
}

// tree builds a connection with one schema holding tables T1 and T2 of
// columns id and name.
func tree(t *testing.T) (*memstore.Store, *storetest.Tree) {
	s := memstore.New(nil)
	return s, storetest.NewTree(t, s, "T1", "T2")
}

func TestApplyRejectsMalformedChangeSets(t *testing.T) {
	s, tr := tree(t)
	ctx := t.Context()
	t1 := tr.Tables[0]
	other := storetest.Child(tr.Database, "OTHER")
	storetest.Add(t, s, tr.Conn.Key, tr.Database, other)
	x := storetest.Table(other, "X", "a")
	storetest.Add(t, s, tr.Conn.Key, other, x)
	before, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)

	dupCols := storetest.Table(tr.Schema, "D", "a", "a")
	noColName := storetest.Table(tr.Schema, "E", "")
	badPos := storetest.Table(tr.Schema, "P", "a")
	badPos.Columns[0].Position = -1
	badSetting := storetest.Table(tr.Schema, "S")
	badSetting.Enable = 7
	schemaCols := storetest.Child(tr.Database, "SC")
	schemaCols.Columns = storetest.Columns("a")
	req := store.Request{ID: hierarchy.NewID(), Kind: store.RequestColumnAdded, Object: t1.ID}

	cases := []struct {
		name string
		cs   store.ChangeSet
		want error
	}{
		{"empty connection", store.ChangeSet{Container: tr.Schema.ID}, connections.ErrInvalidInput},
		{"zero container", store.ChangeSet{Connection: tr.Conn.Key}, connections.ErrInvalidInput},
		{"other connection's key", store.ChangeSet{Connection: "nope", Container: tr.Schema.ID}, connections.ErrInvalidInput},
		{"duplicate column names", store.ChangeSet{Add: []hierarchy.Object{dupCols}}, connections.ErrInvalidInput},
		{"empty column name", store.ChangeSet{Add: []hierarchy.Object{noColName}}, connections.ErrInvalidInput},
		{"negative position", store.ChangeSet{Add: []hierarchy.Object{badPos}}, connections.ErrInvalidInput},
		{"invalid setting", store.ChangeSet{Add: []hierarchy.Object{badSetting}}, connections.ErrInvalidInput},
		{"ID added twice", store.ChangeSet{Add: []hierarchy.Object{storetest.Table(tr.Schema, "A")}, Update: []hierarchy.Object{t1}, MarkDeleted: []hierarchy.ID{t1.ID}}, connections.ErrInvalidInput},
		{"ID of another object", store.ChangeSet{Add: []hierarchy.Object{func() hierarchy.Object { o := storetest.Table(tr.Schema, "Z"); o.ID = x.ID; return o }()}}, connections.ErrAlreadyExists},
		{"tag with no name", store.ChangeSet{AddTags: []store.TagRef{{Object: t1.ID}}}, connections.ErrInvalidInput},
		{"tag with unknown source", store.ChangeSet{AddTags: []store.TagRef{{Object: t1.ID, Tag: hierarchy.Tag{Name: "a", Source: 9}}}}, connections.ErrInvalidInput},
		{"tag on a non-child", store.ChangeSet{AddTags: []store.TagRef{{Object: x.ID, Tag: hierarchy.Tag{Name: "a"}}}}, connections.ErrConflict},
		{"untag a non-child", store.ChangeSet{RemoveTags: []store.TagRef{{Object: x.ID, Tag: hierarchy.Tag{Name: "a"}}}}, connections.ErrConflict},
		{"tag on a missing column", store.ChangeSet{AddTags: []store.TagRef{{Object: t1.ID, Column: "nope", Tag: hierarchy.Tag{Name: "a"}}}}, connections.ErrConflict},
		{"request on a non-child", store.ChangeSet{Requests: []store.Request{{ID: hierarchy.NewID(), Kind: store.RequestColumnAdded, Object: x.ID}}}, connections.ErrConflict},
		{"request without ID", store.ChangeSet{Requests: []store.Request{{Kind: store.RequestColumnAdded, Object: t1.ID}}}, connections.ErrInvalidInput},
		{"request without kind", store.ChangeSet{Requests: []store.Request{{ID: hierarchy.NewID(), Object: t1.ID}}}, connections.ErrInvalidInput},
		{"request twice", store.ChangeSet{Requests: []store.Request{req, req}}, connections.ErrInvalidInput},
		{"update with a changed path", store.ChangeSet{Update: []hierarchy.Object{func() hierarchy.Object { o := t1; o.Path = o.Path.Parent().Child("renamed"); return o }()}}, connections.ErrInvalidInput},
	}
	for _, c := range cases {
		cs := c.cs
		if cs.Connection == "" && c.name != "empty connection" {
			cs.Connection = tr.Conn.Key
		}
		if cs.Container.IsZero() && c.name != "zero container" {
			cs.Container = tr.Schema.ID
		}
		require.ErrorIs(t, s.Apply(ctx, &cs), c.want, c.name)
	}
	cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Database.ID, Add: []hierarchy.Object{schemaCols}}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrInvalidInput, "a schema with columns")
	require.ErrorIs(t, s.Apply(ctx, nil), connections.ErrInvalidInput, "a nil change set")
	cs = &store.ChangeSet{Connection: tr.Conn.Key, Container: t1.ID, Add: []hierarchy.Object{storetest.Child(t1, "C")}}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrInvalidInput, "a child of a table")

	after, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "failed change sets must write nothing")
}

func TestErrorsNameOperationAndPath(t *testing.T) {
	s, tr := tree(t)
	cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Add: []hierarchy.Object{storetest.Table(tr.Schema, "T1")}}
	err := s.Apply(t.Context(), cs)
	var e *connections.Error
	require.True(t, errors.As(err, &e), "errors are *connections.Error")
	assert.Equal(t, "memstore.Apply", e.Op)
	assert.Equal(t, tr.Schema.Path.Child("T1").String(), e.Path)
	assert.Contains(t, err.Error(), `name "T1" is taken`)

	err = s.AddTag(t.Context(), store.TagRef{Object: tr.Tables[0].ID, Column: "nope", Tag: hierarchy.Tag{Name: "x"}})
	assert.ErrorIs(t, err, connections.ErrNotFound)
	assert.Contains(t, err.Error(), tr.Tables[0].Path.Child("nope").String())
}

func TestOtherInputErrors(t *testing.T) {
	s, tr := tree(t)
	ctx := t.Context()
	_, _, err := s.FindByTag(ctx, store.TagQuery{}, store.Page{})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "FindByTag without a name")
	_, _, err = s.FindByTag(ctx, store.TagQuery{Name: "x"}, store.Page{After: "!!"})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "FindByTag with a malformed cursor")
	_, _, err = s.Requests(ctx, store.RequestFilter{}, store.Page{After: "!!"})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "Requests with a malformed cursor")
	err = s.AddGrant(ctx, store.Grant{Object: tr.Schema.ID, Subject: store.Subject{Name: "x"}, Role: store.RoleDataOwner})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "a grant without subject kind")
	err = s.AddGrant(ctx, store.Grant{Connection: "other", Object: tr.Schema.ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "x"}, Role: store.RoleDataOwner})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "a grant naming another connection")
	err = s.PutPolicy(ctx, store.Policy{})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "a policy without a name")
	c, host := storetest.NewConnection("")
	assert.ErrorIs(t, s.CreateConnection(ctx, c, host), connections.ErrInvalidInput, "an empty key")
	err = s.AddTag(ctx, store.TagRef{Object: tr.Schema.ID, Tag: hierarchy.Tag{Name: ""}})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "a tag without a name")
	err = s.Validate(ctx, store.Validation{Request: hierarchy.NewID(), RemoveTags: []store.TagRef{{}}})
	assert.ErrorIs(t, err, connections.ErrInvalidInput, "a validation with a malformed tag")
}

func TestCloseEmptiesTheStore(t *testing.T) {
	s, tr := tree(t)
	require.NoError(t, s.Close())
	_, err := s.Connection(t.Context(), tr.Conn.Key)
	require.ErrorIs(t, err, connections.ErrNotFound)
	storetest.NewTree(t, s, "T") // still usable
}

// TestCompactRecords checks that a table of ten columns costs a few
// hundred bytes, so that a million of them fit in well under a gigabyte.
func TestCompactRecords(t *testing.T) {
	const schemas, perSchema = 10, 1000
	s := memstore.New(nil)
	c, host := storetest.NewConnection("mem")
	require.NoError(t, s.CreateConnection(t.Context(), c, host))
	db := storetest.Child(host, "DB")
	storetest.Add(t, s, c.Key, host, db)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var adds [][]hierarchy.Object
	var scs []hierarchy.Object
	for i := range schemas {
		sc := storetest.Child(db, fmt.Sprint("S", i))
		scs = append(scs, sc)
		adds = append(adds, storetest.Tables(sc, perSchema, 10))
	}
	storetest.Add(t, s, c.Key, db, scs...)
	for i, sc := range scs {
		storetest.Add(t, s, c.Key, sc, adds[i]...)
	}
	adds = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	perTable := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / (schemas * perSchema)
	t.Logf("%.0f bytes per table of 10 columns", perTable)
	assert.Less(t, perTable, 900.0, "a table of ten columns must stay compact")
	runtime.KeepAlive(s)
}

func TestErrorMessagesAreReadable(t *testing.T) {
	s, tr := tree(t)
	_, err := s.DeleteObject(t.Context(), tr.Host.ID)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "memstore.DeleteObject "+tr.Conn.Key+": invalid input: "), err.Error())
}
