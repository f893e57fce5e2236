package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"time"

	connections "github.com/govkit/connections"
)

// ModifyAttempts is how many times ModifyConnection reads, changes and
// writes a connection before it gives up on concurrent updates.
const ModifyAttempts = 16

// modifyBackoff bounds the random pause after the n-th conflict: 1 ms
// doubled each time, at most 128 ms.
func modifyBackoff(n int) time.Duration { return time.Millisecond << min(n, 7) }

// ChangeConnection returns c as change leaves it, the way a
// ConnectionModifier stores it: Key, HostID and CreatedAt as they were,
// a zero UpdatedAt set to now, Revision untouched (the store moves it on
// when it writes). c's Config map is not changed. An error from change
// is returned as is.
func ChangeConnection(c Connection, change func(c *Connection) error, now time.Time) (Connection, error) {
	next := c
	next.Config = maps.Clone(c.Config)
	if err := change(&next); err != nil {
		return Connection{}, err
	}
	next.Key, next.HostID, next.CreatedAt, next.Revision = c.Key, c.HostID, c.CreatedAt, c.Revision
	if next.UpdatedAt.IsZero() {
		next.UpdatedAt = now
	}
	return next, nil
}

// ModifyConnection reads the connection with the key, lets change modify
// it and writes it back, and returns the connection as stored. A store
// that is a ConnectionModifier does it in one atomic step. Otherwise it
// writes with UpdateConnection, and when another writer updated the
// record in between (ErrConflict) it waits a short random time, reads it
// again and calls change again, up to ModifyAttempts times. Either way
// change must derive its edit from the record it is given, and must not
// call the store. An error from change stops it and is returned as is;
// nothing is written.
func ModifyConnection(ctx context.Context, cs ConnectionStore, key string, change func(c *Connection) error) (Connection, error) {
	if m, ok := cs.(ConnectionModifier); ok {
		return m.ModifyConnection(ctx, key, change)
	}
	var last error
	for n := range ModifyAttempts {
		if n > 0 {
			t := time.NewTimer(rand.N(modifyBackoff(n)))
			select {
			case <-ctx.Done():
				t.Stop()
				return Connection{}, connections.Wrap("modify connection", key, ctx.Err())
			case <-t.C:
			}
		}
		c, err := cs.Connection(ctx, key)
		if err != nil {
			return Connection{}, err
		}
		if err := change(&c); err != nil {
			return Connection{}, err
		}
		c.Key = key
		err = cs.UpdateConnection(ctx, c)
		if err == nil {
			c.Revision++
			return c, nil
		}
		if !errors.Is(err, connections.ErrConflict) {
			return Connection{}, err
		}
		last = err
	}
	return Connection{}, fmt.Errorf("connection %q changed under %d attempts to update it: %w", key, ModifyAttempts, last)
}
