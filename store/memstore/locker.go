package memstore

import (
	"context"
	"sync"
	"time"

	connections "github.com/govkit/connections"
)

// lease is a connection's sync lease. While the holder's context is alive
// the lease is renewed (it has no expiry); once that context is done the
// lease lapses ttl later, unless it was released first.
type lease struct {
	ttl     time.Duration
	expires time.Time // zero while renewed
	stop    func() bool
}

// TryLock takes the lease on the connection's sync for ttl. It returns
// ErrSyncInProgress if another holder has a lease that has not expired.
// The lease is held, as if renewed, until release is called or until ttl
// after ctx is done, whichever comes first. Release may be called more
// than once. An empty connection key or a ttl that is not positive gives
// ErrInvalidInput.
func (s *Store) TryLock(ctx context.Context, connection string, ttl time.Duration) (release func(), err error) {
	const op = "memstore.TryLock"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	if connection == "" {
		return nil, fail(op, "", connections.ErrInvalidInput, "empty connection key")
	}
	if ttl <= 0 {
		return nil, fail(op, connection, connections.ErrInvalidInput, "lease ttl %v is not positive", ttl)
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if l := s.leases[connection]; l != nil && (l.expires.IsZero() || s.now().Before(l.expires)) {
		return nil, fail(op, connection, connections.ErrSyncInProgress, "another holder has the sync lease")
	}
	l := &lease{ttl: ttl}
	s.leases[connection] = l
	l.stop = context.AfterFunc(ctx, func() {
		s.leaseMu.Lock()
		defer s.leaseMu.Unlock()
		if s.leases[connection] == l {
			l.expires = s.now().Add(l.ttl)
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			l.stop()
			s.leaseMu.Lock()
			defer s.leaseMu.Unlock()
			if s.leases[connection] == l {
				delete(s.leases, connection)
			}
		})
	}, nil
}
