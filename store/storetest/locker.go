package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

func lockerCases() []testCase {
	return []testCase{
		{"Locker/B10_TryLockIsExclusive", testLockExclusive},
		{"Locker/ReleaseFreesTheLease", testLockRelease},
		{"Locker/LeaseHeldWhileContextLives", testLockRenewed},
		{"Locker/LeaseLapsesTTLAfterHolderStops", testLockExpires},
	}
}

// leaseTTL is short so that the suite stays fast, and long enough for
// a store to renew a lease several times.
const leaseTTL = 400 * time.Millisecond

func locker(t *testing.T, s store.Store) store.Locker {
	t.Helper()
	l, ok := s.(store.Locker)
	if !ok {
		t.Skip("the store does not implement store.Locker")
	}
	return l
}

func testLockExclusive(t *testing.T, s store.Store) {
	l := locker(t, s)
	ctx := t.Context()
	a, b := NewTree(t, s), NewTree(t, s)
	release, err := l.TryLock(ctx, a.Conn.Key, time.Minute)
	require.NoError(t, err, "TryLock of a free connection must take the lease")
	defer release()
	_, err = l.TryLock(ctx, a.Conn.Key, time.Minute)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "B10: a second TryLock of a held connection must give ErrSyncInProgress")
	releaseB, err := l.TryLock(ctx, b.Conn.Key, time.Minute)
	require.NoError(t, err, "leases are per connection: another connection's lease must be free")
	releaseB()
}

func testLockRelease(t *testing.T, s store.Store) {
	l := locker(t, s)
	ctx := t.Context()
	tr := NewTree(t, s)
	release, err := l.TryLock(ctx, tr.Conn.Key, time.Minute)
	require.NoError(t, err)
	release()
	release2, err := l.TryLock(ctx, tr.Conn.Key, time.Minute)
	require.NoError(t, err, "release must give the lease back")
	release() // a second release of the old lease must not free the new one
	_, err = l.TryLock(ctx, tr.Conn.Key, time.Minute)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "calling an old lease's release again must not free another holder's lease")
	release2()
}

func testLockRenewed(t *testing.T, s store.Store) {
	l := locker(t, s)
	t.Parallel()
	ctx := t.Context()
	tr := NewTree(t, s)
	release, err := l.TryLock(ctx, tr.Conn.Key, leaseTTL)
	require.NoError(t, err)
	defer release()
	time.Sleep(2 * leaseTTL)
	_, err = l.TryLock(ctx, tr.Conn.Key, leaseTTL)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "a lease must be renewed while it is held and its context lives, past its ttl")
}

func testLockExpires(t *testing.T, s store.Store) {
	l := locker(t, s)
	t.Parallel()
	tr := NewTree(t, s)
	holder, stop := context.WithCancel(t.Context())
	_, err := l.TryLock(holder, tr.Conn.Key, leaseTTL)
	require.NoError(t, err)
	stop() // the holder stops without releasing, as if it died
	stopped := time.Now()
	_, err = l.TryLock(t.Context(), tr.Conn.Key, leaseTTL)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "a lease must still be held right after its holder stops (until its ttl passes)")
	var release func()
	require.Eventually(t, func() bool {
		release, err = l.TryLock(t.Context(), tr.Conn.Key, leaseTTL)
		return err == nil
	}, 3*leaseTTL+2*time.Second, 20*time.Millisecond, "a lease whose holder stopped must lapse after its ttl")
	release()
	assert.GreaterOrEqual(t, time.Since(stopped), leaseTTL/2, "a lease must not lapse long before its ttl")
}
