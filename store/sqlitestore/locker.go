package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"sync"
	"time"

	connections "github.com/govkit/connections"
)

// lease is a sync lease this store holds: a row of the leases table naming
// a random holder token, whose expiry a goroutine pushes forward while the
// holder's context lives.
type lease struct {
	s      *Store
	conn   string
	holder []byte
	ttl    time.Duration
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// TryLock takes the lease on the connection's sync for ttl. It returns
// ErrSyncInProgress if another holder, in this process or another one
// sharing the file, has a lease that has not expired. While ctx lives the
// lease is renewed every ttl/3; once ctx is done renewal stops and the
// lease lapses within ttl, unless release is called first. Release may be
// called more than once. An empty connection key or a ttl that is not
// positive gives ErrInvalidInput.
//
// Expiry is measured with the wall clock of the processes sharing the
// file, which is one machine's clock.
func (s *Store) TryLock(ctx context.Context, connection string, ttl time.Duration) (release func(), err error) {
	const op = "sqlitestore.TryLock"
	if err := ctx.Err(); err != nil {
		return nil, connections.Wrap(op, connection, err)
	}
	if connection == "" {
		return nil, fail(op, "", connections.ErrInvalidInput, "empty connection key")
	}
	if ttl <= 0 {
		return nil, fail(op, connection, connections.ErrInvalidInput, "lease ttl %v is not positive", ttl)
	}
	l := &lease{s: s, conn: connection, holder: make([]byte, 16), ttl: ttl, stop: make(chan struct{}), done: make(chan struct{})}
	_, _ = rand.Read(l.holder) // crypto/rand.Read never fails on supported platforms.
	err = s.write(ctx, op, connection, func(q *txn) error {
		now := s.now()
		var expires int64
		err := q.row(`SELECT expires_at FROM leases WHERE connection = ?`, connection).Scan(&expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && now.UnixNano() < expires {
			return fail(op, connection, connections.ErrSyncInProgress, "another holder has the sync lease until %s", time.Unix(0, expires).UTC().Format(time.RFC3339Nano))
		}
		_, err = q.exec(`INSERT INTO leases (connection, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (connection) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
			connection, l.holder, now.Add(ttl).UnixNano())
		return err
	})
	if err != nil {
		return nil, err
	}
	s.leaseMu.Lock()
	s.leases[l] = struct{}{}
	s.leaseMu.Unlock()
	go l.renew(ctx)
	return l.release, nil
}

// renew pushes the lease's expiry forward every ttl/3 until ctx is done or
// the lease is released.
func (l *lease) renew(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(max(l.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var n int64
		err := l.s.write(ctx, "sqlitestore.TryLock", l.conn, func(q *txn) error {
			res, err := q.exec(`UPDATE leases SET expires_at = ? WHERE connection = ? AND holder = ?`,
				l.s.now().Add(l.ttl).UnixNano(), l.conn, l.holder)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		switch {
		case err != nil && ctx.Err() == nil:
			l.s.log.Warn("sqlitestore: renewing a sync lease failed; retrying", "connection", l.conn, "err", err)
		case err == nil && n == 0:
			l.s.log.Warn("sqlitestore: a sync lease was lost: it expired and another holder took it", "connection", l.conn)
			return
		}
	}
}

// release stops renewal and gives the lease back, if it is still ours.
func (l *lease) release() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), l.s.busy+5*time.Second)
		defer cancel()
		err := l.s.write(ctx, "sqlitestore.TryLock", l.conn, func(q *txn) error {
			_, err := q.exec(`DELETE FROM leases WHERE connection = ? AND holder = ?`, l.conn, l.holder)
			return err
		})
		if err != nil && !errors.Is(err, errClosed) {
			l.s.log.Warn("sqlitestore: giving a sync lease back failed; it lapses after its ttl", "connection", l.conn, "err", err)
		}
		l.s.leaseMu.Lock()
		delete(l.s.leases, l)
		l.s.leaseMu.Unlock()
	})
}
