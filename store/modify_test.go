package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// busyConns is a ConnectionStore whose record another writer updates
// before every write of ours, conflicts times.
type busyConns struct {
	store.ConnectionStore
	c         store.Connection
	conflicts int
	reads     int
}

func (b *busyConns) Connection(context.Context, string) (store.Connection, error) {
	b.reads++
	return b.c, nil
}

func (b *busyConns) UpdateConnection(_ context.Context, c store.Connection) error {
	if b.conflicts > 0 {
		b.conflicts--
		b.c.Revision++
		return &connections.Error{Op: "busy", Err: connections.ErrConflict}
	}
	if c.Revision != b.c.Revision {
		return &connections.Error{Op: "busy", Err: connections.ErrConflict}
	}
	c.Revision++
	b.c = c
	return nil
}

func TestModifyConnection_RetriesConflicts(t *testing.T) {
	b := &busyConns{c: store.Connection{Key: "k", HostID: hierarchy.NewID(), Revision: 1}, conflicts: 3}
	calls := 0
	got, err := store.ModifyConnection(t.Context(), b, "k", func(c *store.Connection) error {
		calls++
		c.DisplayName = "new"
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, calls, "change is called again on the record read after each conflict")
	assert.Equal(t, 4, b.reads)
	assert.Equal(t, "new", got.DisplayName)
	assert.Equal(t, b.c.Revision, got.Revision, "the returned connection carries the stored revision")
}

func TestModifyConnection_GivesUp(t *testing.T) {
	b := &busyConns{c: store.Connection{Key: "k", Revision: 1}, conflicts: store.ModifyAttempts}
	_, err := store.ModifyConnection(t.Context(), b, "k", func(*store.Connection) error { return nil })
	require.ErrorIs(t, err, connections.ErrConflict)
	assert.Contains(t, err.Error(), `connection "k" changed under`)
	assert.Equal(t, store.ModifyAttempts, b.reads)
}

func TestModifyConnection_ChangeErrorWritesNothing(t *testing.T) {
	b := &busyConns{c: store.Connection{Key: "k", DisplayName: "old", Revision: 1}}
	boom := errors.New("boom")
	_, err := store.ModifyConnection(t.Context(), b, "k", func(c *store.Connection) error {
		c.DisplayName = "new"
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "old", b.c.DisplayName)
	assert.Equal(t, int64(1), b.c.Revision)
}

func TestModifyConnection_CancelledWhileWaiting(t *testing.T) {
	b := &busyConns{c: store.Connection{Key: "k", Revision: 1}, conflicts: store.ModifyAttempts}
	ctx, cancel := context.WithCancel(t.Context())
	_, err := store.ModifyConnection(ctx, b, "k", func(*store.Connection) error {
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, b.reads, "no further attempt after cancellation")
}

func TestChangeConnection_KeepsWhatAStoreKeeps(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := store.Connection{Key: "k", HostID: hierarchy.NewID(), CreatedAt: at, Revision: 3, Config: map[string]string{"a": "1"}}
	next, err := store.ChangeConnection(c, func(c *store.Connection) error {
		c.Key, c.HostID, c.CreatedAt, c.Revision = "x", hierarchy.NewID(), time.Time{}, 9
		c.Config["a"] = "2"
		c.DisplayName = "new"
		return nil
	}, at.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "k", next.Key)
	assert.Equal(t, c.HostID, next.HostID)
	assert.Equal(t, at, next.CreatedAt)
	assert.Equal(t, int64(3), next.Revision, "the store moves the revision on when it writes")
	assert.Equal(t, at.Add(time.Hour), next.UpdatedAt, "a zero UpdatedAt is set to now")
	assert.Equal(t, "new", next.DisplayName)
	assert.Equal(t, "2", next.Config["a"])
	assert.Equal(t, "1", c.Config["a"], "the record given is not changed")
}
