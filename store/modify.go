package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	connections "github.com/govkit/connections"
)

// ModifyAttempts is how many times ModifyConnection reads, changes and
// writes a connection before it gives up on concurrent updates.
const ModifyAttempts = 10

// modifyBackoff bounds the random pause after the n-th conflict: 1 ms
// doubled each time, at most 64 ms.
func modifyBackoff(n int) time.Duration { return time.Millisecond << min(n, 6) }

// ModifyConnection reads the connection with the key, lets change modify
// it and writes it back with UpdateConnection. When another writer
// updated the record in between (ErrConflict), it waits a short random
// time, reads it again and calls change again, up to ModifyAttempts
// times, so change must derive
// its edit from the record it is given. An error from change stops it and
// is returned as is; nothing is written. It returns the connection as
// stored.
func ModifyConnection(ctx context.Context, cs ConnectionStore, key string, change func(c *Connection) error) (Connection, error) {
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
