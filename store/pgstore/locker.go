package pgstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
)

// TryLock takes the lease on the connection's sync for ttl (B10): a row
// of the leases table naming a random holder and an expiry that the
// database's clock sets, so that processes on many hosts agree without
// trusting each other's clocks. A lease that has not expired gives
// ErrSyncInProgress; an expired one, such as a crashed holder's, is
// taken over.
//
// While the lease is held a goroutine renews it every ttl/3, as long as
// ctx lives and release has not been called; once ctx is done renewal
// stops and the lease lapses within ttl unless released first. A lease
// lost meanwhile (renewal failed for longer than ttl and another holder
// took it over) is logged; release then leaves the other holder's lease
// alone. Release may be called more than once. An empty connection key
// or a ttl under a millisecond gives ErrInvalidInput.
//
// Leases rather than session-level advisory locks: an advisory lock would
// pin a pooled connection for the whole sync and vanish with it on a
// network blip, while a lease row survives both and expires by time, as
// store.Locker describes.
func (s *Store) TryLock(ctx context.Context, connection string, ttl time.Duration) (release func(), err error) {
	const op = "pgstore.TryLock"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	if connection == "" {
		return nil, fail(op, "", connections.ErrInvalidInput, "empty connection key")
	}
	if ttl < time.Millisecond {
		return nil, fail(op, connection, connections.ErrInvalidInput, "lease ttl %v is under a millisecond", ttl)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, connections.Wrap(op, connection, errors.New("the store is closed"))
	}
	holder := hierarchy.NewID()
	var got hierarchy.ID
	err = s.pool.QueryRow(ctx, s.q.expand(`INSERT INTO {s}.leases (connection, holder, expires_at)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (connection) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
		WHERE {s}.leases.expires_at <= clock_timestamp()
		RETURNING holder`), connection, holder, ttl.Microseconds()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fail(op, connection, connections.ErrSyncInProgress, "another holder has the sync lease")
	}
	if err != nil {
		return nil, dbErr(ctx, op, connection, err)
	}
	l := &lease{s: s, conn: connection, holder: holder, ttl: ttl, done: make(chan struct{}), exited: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.drop()
		return nil, connections.Wrap(op, connection, errors.New("the store is closed"))
	}
	s.renewers.Add(1)
	s.mu.Unlock()
	go l.renew(ctx)
	return l.release, nil
}

// lease is a held sync lease.
type lease struct {
	s      *Store
	conn   string
	holder hierarchy.ID
	ttl    time.Duration
	once   sync.Once
	done   chan struct{} // closed by release
	exited chan struct{} // closed when renew returns
}

// renew extends the lease every ttl/3 until ctx is done, the lease is
// released or lost, or the store is closed.
func (l *lease) renew(ctx context.Context) {
	defer l.s.renewers.Done()
	defer close(l.exited)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-l.s.stop:
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.ttl)
		tag, err := l.s.pool.Exec(rctx, l.s.q.expand(`UPDATE {s}.leases SET expires_at = clock_timestamp() + $3 * interval '1 microsecond'
			WHERE connection = $1 AND holder = $2`), l.conn, l.holder, l.ttl.Microseconds())
		cancel()
		switch {
		case err != nil:
			l.s.log.Warn("pgstore: could not renew a sync lease; it lapses unless a later renewal succeeds", "connection", l.conn, "err", err)
		case tag.RowsAffected() == 0:
			l.s.log.Warn("pgstore: lost the sync lease to another holder after it expired", "connection", l.conn)
			return
		}
	}
}

// release stops renewal and deletes the lease if it is still ours.
func (l *lease) release() {
	l.once.Do(func() {
		close(l.done)
		<-l.exited
		l.drop()
	})
}

// drop deletes the lease row if it is still ours.
func (l *lease) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.s.pool.Exec(ctx, l.s.q.expand(`DELETE FROM {s}.leases WHERE connection = $1 AND holder = $2`), l.conn, l.holder); err != nil {
		l.s.log.Warn("pgstore: could not give back a sync lease; it lapses within its ttl", "connection", l.conn, "err", err)
	}
}
