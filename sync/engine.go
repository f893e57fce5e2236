package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

// Defaults of Options.
const (
	// DefaultConcurrency is the number of connector calls one sync keeps in
	// flight.
	DefaultConcurrency = 8
	// DefaultLockTTL is the lease a sync takes on a store.Locker.
	DefaultLockTTL = time.Minute
	// DefaultMaxReportEntries caps each list of a Report.
	DefaultMaxReportEntries = 10000
	// DefaultInternalDatabase is the internal database's name when a
	// connection's Settings.InternalDatabase is empty (B15).
	DefaultInternalDatabase = "immuta"
)

// failSafeMinDeletes is the number of children a change set may always
// mark deleted, whatever Settings.MaxDeleteShare says, so that dropping
// the only table of a schema is not refused.
const failSafeMinDeletes = 1

// Options configure an Engine. A nil *Options, and zero fields, mean the
// defaults.
type Options struct {
	// Concurrency is the number of connector calls one sync keeps in flight
	// (per connection). Zero means DefaultConcurrency.
	Concurrency int
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// Now returns the current time, which stamps changes and reports; nil
	// means time.Now.
	Now func() time.Time
	// ConnectionTag derives the connection tag put on every new table
	// (B19); nil means tags.DefaultConnectionTag.
	ConnectionTag tags.ConnectionTagFunc
	// Policies answers whether an active policy targets the New tag, which
	// decides whether column changes raise validation requests (B22); nil
	// means requests.StorePolicies over the engine's store.
	Policies requests.PolicyEngine
	// LockTTL is the lease taken on stores that implement store.Locker;
	// zero means DefaultLockTTL.
	LockTTL time.Duration
	// MaxReportEntries caps each list of a Report (counts stay complete).
	// Zero means DefaultMaxReportEntries; a negative value means no cap.
	MaxReportEntries int
}

// RunOptions configure one sync. A nil *RunOptions means the defaults.
type RunOptions struct {
	// DryRun computes the report without writing anything or emitting
	// events.
	DryRun bool
	// Wait makes the sync wait for a sync of the same connection that is
	// running (in this process, or in another sharing the store's lock)
	// until ctx is done, instead of failing with ErrSyncInProgress.
	Wait bool
	// Progress, when set, is called after each listing with what has been
	// crawled so far. Calls are serialized; it must return quickly.
	Progress func(Progress)
	// Connector, when set, is used instead of opening one through the
	// registry (during registration, for example). The sync does not close
	// it.
	Connector connectors.Connector
}

// Engine syncs connections: it crawls a platform through its connector,
// compares each container's listing with the store and applies the
// differences. It is safe for concurrent use; syncs of different
// connections run in parallel, and at most one sync of a connection runs
// at a time.
type Engine struct {
	st       store.Store
	reg      *connectors.Registry
	creds    connectors.CredentialsFunc
	conc     int
	log      *slog.Logger
	now      func() time.Time
	connTag  tags.ConnectionTagFunc
	policies requests.PolicyEngine
	lockTTL  time.Duration
	maxList  int

	locksMu gosync.Mutex
	locks   map[string]*connLock

	subMu  gosync.Mutex
	subs   atomic.Pointer[[]*subscriber]
	emitMu gosync.Mutex
}

// New returns an engine over a store. reg opens connectors by a
// connection's technology and creds supplies their credentials at run
// time; either may be nil when every sync passes RunOptions.Connector (a
// nil creds means no credentials). A nil store, or a negative
// Concurrency or LockTTL, gives an error matching
// connections.ErrInvalidInput.
func New(st store.Store, reg *connectors.Registry, creds connectors.CredentialsFunc, opts *Options) (*Engine, error) {
	const op = "sync: new engine"
	if st == nil {
		return nil, connections.Wrap(op, "", fmt.Errorf("%w: store is nil", connections.ErrInvalidInput))
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Concurrency < 0 || o.LockTTL < 0 {
		return nil, connections.Wrap(op, "", fmt.Errorf("%w: Concurrency (%d) and LockTTL (%v) must not be negative", connections.ErrInvalidInput, o.Concurrency, o.LockTTL))
	}
	e := &Engine{
		st: st, reg: reg, creds: creds,
		conc: o.Concurrency, log: o.Logger, now: o.Now, connTag: o.ConnectionTag,
		policies: o.Policies, lockTTL: o.LockTTL, maxList: o.MaxReportEntries,
		locks: make(map[string]*connLock),
	}
	if e.conc == 0 {
		e.conc = DefaultConcurrency
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.connTag == nil {
		e.connTag = tags.DefaultConnectionTag
	}
	if e.policies == nil {
		e.policies = requests.StorePolicies(st)
	}
	if e.lockTTL == 0 {
		e.lockTTL = DefaultLockTTL
	}
	if e.maxList == 0 {
		e.maxList = DefaultMaxReportEntries
	}
	e.subs.Store(&[]*subscriber{})
	return e, nil
}

// Sync brings the subtree at path of the connection key in step with the
// platform (B10–B17) and returns the report (B18). An empty path, or the
// path of the host, syncs the whole connection; the path of a database,
// schema or table syncs that object and what is under it, and nothing
// else: its parent is listed, but only the object itself is compared.
//
// Sync returns an error only when the sync could not run or was cut
// short: an unknown connection or path (ErrNotFound), a malformed path or
// one in the internal database (ErrInvalidInput), a path whose parent is
// marked deleted remotely (ErrConflict: sync the parent instead), another
// sync of the connection running (ErrSyncInProgress, unless
// RunOptions.Wait), a connector that cannot be opened, or ctx done (an
// error matching ctx.Err(), returned with the partial report). Subtrees
// that failed are in Report.Failed, and Report.Err joins their errors.
func (e *Engine) Sync(ctx context.Context, key string, path hierarchy.Path, ro *RunOptions) (*Report, error) {
	const op = "sync"
	if ro == nil {
		ro = &RunOptions{}
	}
	root, err := rootPath(key, path)
	if err != nil {
		return nil, connections.Wrap(op, path.String(), err)
	}
	if _, err := e.st.Connection(ctx, key); err != nil {
		return nil, connections.Wrap(op, key, err)
	}
	release, err := e.lock(ctx, key, ro.Wait)
	if err != nil {
		return nil, connections.Wrap(op, key, err)
	}
	defer release()
	conn, err := e.st.Connection(ctx, key)
	if err != nil {
		return nil, connections.Wrap(op, key, err)
	}
	r, err := e.newRun(ctx, conn, root, ro)
	if err != nil {
		return nil, connections.Wrap(op, root.String(), err)
	}
	defer r.close()
	return r.run(ctx)
}

// rootPath checks the path a sync runs on.
func rootPath(key string, path hierarchy.Path) (hierarchy.Path, error) {
	if key == "" {
		return nil, fmt.Errorf("%w: connection key is empty", connections.ErrInvalidInput)
	}
	if len(path) == 0 {
		return hierarchy.Path{key}, nil
	}
	if err := path.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", connections.ErrInvalidInput, err)
	}
	if path.Key() != key {
		return nil, fmt.Errorf("%w: path %s is not in connection %q", connections.ErrInvalidInput, path, key)
	}
	if path.Kind() == hierarchy.KindColumn {
		return nil, fmt.Errorf("%w: %s is a column; sync its table", connections.ErrInvalidInput, path)
	}
	return slices.Clone(path), nil
}

// connLock is the in-process lock of one connection: a one-slot
// semaphore, so that waiting honours a context.
type connLock struct {
	ch   chan struct{}
	refs int
}

// lock takes the connection's in-process lock and, when the store is a
// store.Locker, its lease. It returns the func that releases both.
func (e *Engine) lock(ctx context.Context, key string, wait bool) (func(), error) {
	e.locksMu.Lock()
	l := e.locks[key]
	if l == nil {
		l = &connLock{ch: make(chan struct{}, 1)}
		e.locks[key] = l
	}
	l.refs++
	e.locksMu.Unlock()
	unref := func() {
		e.locksMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(e.locks, key)
		}
		e.locksMu.Unlock()
	}
	acquired := false
	if wait {
		select {
		case l.ch <- struct{}{}:
			acquired = true
		case <-ctx.Done():
			unref()
			return nil, ctx.Err()
		}
	} else {
		select {
		case l.ch <- struct{}{}:
			acquired = true
		default:
		}
	}
	if !acquired {
		unref()
		return nil, fmt.Errorf("%w: a sync of %q is running in this process", connections.ErrSyncInProgress, key)
	}
	local := func() { <-l.ch; unref() }
	lk, ok := e.st.(store.Locker)
	if !ok {
		return local, nil
	}
	delay := 20 * time.Millisecond
	for {
		rel, err := lk.TryLock(ctx, key, e.lockTTL)
		if err == nil {
			return func() { rel(); local() }, nil
		}
		if !wait || !errors.Is(err, connections.ErrSyncInProgress) {
			local()
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			local()
			return nil, ctx.Err()
		}
		delay = min(delay*2, time.Second)
	}
}

// connectorSet is what a run reads the platform with.
type connectorSet struct {
	cn connectors.Connector
	// tr reads platform tags; nil when the connector cannot, or when the
	// tag connector could not be opened (tagErr says why).
	tr     connectors.TagReader
	tagErr error
	// display is the technology's display name, for connection tags.
	display string
	opened  []connectors.Connector // to close
}

func (c *connectorSet) close(log *slog.Logger, key string) {
	for _, x := range c.opened {
		if err := x.Close(); err != nil {
			log.Warn("sync: close connector", "connection", key, "err", err)
		}
	}
}

// open opens the connectors of a run: RunOptions.Connector or one opened
// through the registry with the connection's credentials, and, when it
// can read tags, a second one opened with the tag credentials if the
// CredentialsFunc has any (B20). On error it closes what it opened.
func (e *Engine) open(ctx context.Context, conn *store.Connection, ro *RunOptions) (*connectorSet, error) {
	set := &connectorSet{cn: ro.Connector, display: conn.Technology}
	var tech connectors.Technology
	haveTech := false
	if e.reg != nil {
		t, err := e.reg.Lookup(conn.Technology)
		switch {
		case err == nil:
			tech, haveTech, set.display = t, true, t.DisplayName
		case ro.Connector == nil:
			return nil, fmt.Errorf("open connector: %w", err)
		}
	} else if ro.Connector == nil {
		return nil, fmt.Errorf("open connector: %w: the engine has no registry and no connector was given", connections.ErrInvalidInput)
	}
	if set.cn == nil {
		creds, err := e.credentials(ctx, conn.Key, connectors.UseConnection)
		if err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		c, err := tech.Open(ctx, conn.Config, creds)
		if err != nil {
			return nil, fmt.Errorf("open connector: %w", err)
		}
		set.cn, set.opened = c, append(set.opened, c)
	}
	main, ok := set.cn.(connectors.TagReader)
	if !ok {
		return set, nil
	}
	set.tr = main
	if e.creds == nil || !haveTech {
		return set, nil
	}
	tc, err := e.creds(ctx, conn.Key, connectors.UseTags)
	switch {
	case errors.Is(err, connections.ErrNotFound):
		return set, nil // no tag credentials: the connection's read the tags
	case err != nil:
		set.tr, set.tagErr = nil, fmt.Errorf("tag credentials: %w", err)
		return set, nil
	}
	t, err := tech.Open(ctx, conn.Config, tc)
	if err != nil {
		set.tr, set.tagErr = nil, fmt.Errorf("open tag connector: %w", err)
		return set, nil
	}
	set.opened = append(set.opened, t)
	if r, ok := t.(connectors.TagReader); ok {
		set.tr = r
	}
	return set, nil
}

func (e *Engine) credentials(ctx context.Context, key string, use connectors.Use) (connectors.Credentials, error) {
	if e.creds == nil {
		return nil, nil
	}
	return e.creds(ctx, key, use)
}
