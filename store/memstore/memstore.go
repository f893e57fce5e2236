package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

var (
	_ store.Store       = (*Store)(nil)
	_ store.Locker      = (*Store)(nil)
	_ store.ChildLister = (*Store)(nil)
)

// Options configure a Store. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Now returns the current time. It stamps writes that carry no time of
	// their own and measures lease expiry. Nil means time.Now.
	Now func() time.Time
}

// Store is an in-memory store.Store and store.Locker. It is safe for
// concurrent use. The zero value is not usable; call New.
type Store struct {
	now  func() time.Time
	strs *strtab

	// mu guards everything below it. Writers hold it briefly: the records
	// a change set adds are built before it is taken, and reads copy
	// records under it and build the returned values after releasing it.
	mu       sync.RWMutex
	conns    map[string]*conn
	ids      *idIndex
	reqs     map[hierarchy.ID]*reqRec
	reqOrder *reqIndex
	policies map[string]store.Policy
	admins   map[store.Subject]store.Admin

	leaseMu sync.Mutex
	leases  map[string]*lease
}

// conn is one registered connection and what hangs off it.
type conn struct {
	c      store.Connection
	host   *node
	tags   map[uint32]*posting // by tag name
	grants map[grantKey]store.Grant
	reqs   map[hierarchy.ID]*reqRec
}

// New returns an empty store. A nil opts means defaults.
func New(opts *Options) *Store {
	s := &Store{now: time.Now, strs: newStrtab(), leases: map[string]*lease{}}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	s.reset()
	return s
}

// reset empties the store; the string table is kept, as records being
// built concurrently may refer to its entries.
func (s *Store) reset() {
	s.conns = map[string]*conn{}
	s.ids = new(idIndex)
	s.reqs = map[hierarchy.ID]*reqRec{}
	s.reqOrder = &reqIndex{}
	s.policies = map[string]store.Policy{}
	s.admins = map[store.Subject]store.Admin{}
}

// Close drops everything the store holds so that its memory can be
// reclaimed. Calls made after Close see an empty store. It always returns
// nil.
func (s *Store) Close() error {
	s.mu.Lock()
	s.reset()
	s.mu.Unlock()
	s.leaseMu.Lock()
	for _, l := range s.leases {
		l.stop()
	}
	clear(s.leases)
	s.leaseMu.Unlock()
	return nil
}

// connOf returns the connection n belongs to; the caller holds mu.
func (s *Store) connOf(n *node) *conn {
	return s.conns[n.root().name]
}

// walk calls f for n and every node below it, parents before children;
// the caller holds mu.
func walk(n *node, f func(*node)) {
	f(n)
	if n.kids == nil {
		return
	}
	for _, k := range n.kids.byName {
		walk(k, f)
	}
}

// fail returns an error naming op and path that matches sentinel.
func fail(op string, path string, sentinel error, format string, args ...any) error {
	return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// ctxErr returns ctx's error wrapped for op, or nil.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return connections.Wrap(op, "", err)
	}
	return nil
}

func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t
}
