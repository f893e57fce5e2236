package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

var (
	_ store.Store  = (*Store)(nil)
	_ store.Locker = (*Store)(nil)
)

// Errors of opening a store file. Both match a sentinel of package
// connections too.
var (
	// ErrForeignFile: the file is not an SQLite database, or is one that
	// another application made. The file is left untouched.
	ErrForeignFile = fmt.Errorf("%w: not a govkit connections store", connections.ErrInvalidInput)
	// ErrSchemaTooNew: the file was written by a newer version of this
	// package, whose schema this version does not know. The file is left
	// untouched; upgrade the program that opens it.
	ErrSchemaTooNew = fmt.Errorf("%w: store schema newer than this code", connections.ErrUnsupported)
)

// Defaults of Options.
const (
	// DefaultBusyTimeout is how long a write waits for another process's.
	DefaultBusyTimeout = 10 * time.Second
	// DefaultCacheSize is each connection's page cache, in bytes.
	DefaultCacheSize = 32 << 20
	// DefaultMaxConns is the connections Open keeps to the file.
	DefaultMaxConns = 4
)

// Options configure a Store. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Logger receives the store's few log lines: migrations, retries on a
	// busy file, lost leases. Nil means silent.
	Logger *slog.Logger
	// Now returns the current time. It stamps writes that carry no time of
	// their own and measures lease expiry. Nil means time.Now.
	Now func() time.Time
	// BusyTimeout is how long a write waits for another process's write
	// transaction on the same file before it fails. Zero means
	// DefaultBusyTimeout.
	BusyTimeout time.Duration
	// FullSync makes every commit durable across power loss and operating
	// system crashes (PRAGMA synchronous=FULL: an fsync per commit). By
	// default (synchronous=NORMAL) a commit survives the process being
	// killed, and the file is never corrupted, but the last commits before
	// a power loss may be rolled back; re-running a sync puts them back.
	FullSync bool
	// CacheSize is the page cache of each connection, in bytes. Zero means
	// DefaultCacheSize.
	CacheSize int
	// MaxConns caps the connections Open keeps to the file: one writes at a
	// time, the others read concurrently. Zero means DefaultMaxConns. With
	// two or more, one connection is kept for writes alone. NewWithDB
	// leaves the host's pool as it is.
	MaxConns int
}

// Store is a store.Store and store.Locker kept in one SQLite file. It is
// safe for concurrent use, also by several processes sharing the file.
// Make one with Open or NewWithDB.
type Store struct {
	db *sql.DB
	// wdb is the pool writes take their connection from: for a store made
	// by Open, a pool of one connection of its own, so that every write
	// finds the pages it read and wrote last in its page cache (a
	// connection that another one wrote after must drop its whole cache
	// and read the pages again); db for NewWithDB.
	wdb     *sql.DB
	ownDB   bool // Open made db and wdb; Close closes them
	pragmas []string
	log     *slog.Logger
	now     func() time.Time
	busy    time.Duration

	// wsem serializes this Store's writes: SQLite has one writer at a time,
	// and queueing here, fairly and with cancellation, beats spinning on
	// the file lock. Other processes are waited for with busy_timeout.
	wsem    chan struct{}
	closing atomic.Bool // Close was called
	closed  atomic.Bool // calls fail

	// stmts and wstmts are prepared on db and wdb when the store opens;
	// read-only after.
	stmts, wstmts map[string]*sql.Stmt

	leaseMu sync.Mutex
	leases  map[*lease]struct{}
}

// Open opens the store file at path, creating it if it does not exist, and
// creates or migrates its schema. It refuses, leaving the file untouched, a
// file that is not SQLite or that another application made
// (ErrForeignFile), and one written by a newer version of this package
// (ErrSchemaTooNew).
//
// The file is put in WAL mode, so that reads run while a write commits;
// every connection waits up to BusyTimeout for another process's write,
// enforces foreign keys, and uses synchronous=NORMAL (FULL with
// Options.FullSync).
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	const op = "sqlitestore.Open"
	if path == "" {
		return nil, fail(op, "", connections.ErrInvalidInput, "empty path")
	}
	if path == ":memory:" {
		return nil, fail(op, path, connections.ErrInvalidInput, "an in-memory database is one per connection; use memstore, or NewWithDB with a shared-cache handle")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, connections.Wrap(op, path, err)
	}
	o := options(opts)
	q := url.Values{}
	for _, p := range connPragmas(o) {
		q.Add("_pragma", p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, connections.Wrap(op, path, err)
	}
	wdb := db
	if o.MaxConns > 1 {
		// One connection for writes, the others for reads.
		if wdb, err = sql.Open("sqlite", u.String()); err != nil {
			_ = db.Close()
			return nil, connections.Wrap(op, path, err)
		}
		wdb.SetMaxOpenConns(1)
		wdb.SetMaxIdleConns(1)
		o.MaxConns--
	}
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	s := newStore(db, o)
	s.wdb, s.ownDB = wdb, true
	if err := s.init(ctx, path, true); err != nil {
		s.closeStmts()
		_ = db.Close()
		if wdb != db {
			_ = wdb.Close()
		}
		return nil, err
	}
	return s, nil
}

// NewWithDB returns a store on a handle the host made with the
// modernc.org/sqlite driver (driver name "sqlite"), for hosts that keep
// their own pool. It creates or migrates the schema and refuses foreign
// and newer files as Open does. The file is put in WAL mode if it is not
// already; the store sets busy_timeout, foreign_keys and synchronous on
// each connection it writes with, since it cannot set them when the pool
// opens one. Close does not close db.
func NewWithDB(ctx context.Context, db *sql.DB, opts *Options) (*Store, error) {
	const op = "sqlitestore.NewWithDB"
	if db == nil {
		return nil, fail(op, "", connections.ErrInvalidInput, "nil *sql.DB")
	}
	if _, ok := db.Driver().(*sqlite.Driver); !ok {
		return nil, fail(op, "", connections.ErrInvalidInput, "the handle's driver is %T; the store needs modernc.org/sqlite (driver name \"sqlite\"), whose errors it maps", db.Driver())
	}
	o := options(opts)
	s := newStore(db, o)
	s.pragmas = connPragmas(o)
	if err := s.init(ctx, "", false); err != nil {
		s.closeStmts()
		return nil, err
	}
	return s, nil
}

func options(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	return o
}

// walCheckpointPages is how far the WAL grows before a commit copies it
// into the file (PRAGMA wal_autocheckpoint): 10,000 pages, 40 MB of 4 KiB
// pages. A checkpoint fsyncs the WAL and the file, which dominates a bulk
// write once it comes every few megabytes (SQLite's default is 1,000
// pages); journal_size_limit keeps the WAL from staying large after.
const walCheckpointPages = 10000

// connPragmas returns the per-connection settings, as PRAGMA arguments.
func connPragmas(o Options) []string {
	sync := "NORMAL"
	if o.FullSync {
		sync = "FULL"
	}
	return []string{
		"busy_timeout(" + strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10) + ")",
		"foreign_keys(1)",
		"synchronous(" + sync + ")",
		"cache_size(-" + strconv.Itoa(max(o.CacheSize>>10, 64)) + ")",
		"wal_autocheckpoint(" + strconv.Itoa(walCheckpointPages) + ")",
		// Keep the WAL from staying large after a large transaction, such
		// as deleting a connection of a million objects.
		"journal_size_limit(67108864)",
	}
}

func newStore(db *sql.DB, o Options) *Store {
	return &Store{
		db: db, wdb: db, log: o.Logger, now: o.Now, busy: o.BusyTimeout,
		wsem:   make(chan struct{}, 1),
		stmts:  map[string]*sql.Stmt{},
		wstmts: map[string]*sql.Stmt{},
		leases: map[*lease]struct{}{},
	}
}

// Close gives back the leases the store holds and, for a store made by
// Open, closes the file (checkpointing the WAL into it). A store must not
// be used after Close; calls then fail.
func (s *Store) Close() error {
	if s.closing.Swap(true) {
		return nil
	}
	s.leaseMu.Lock()
	held := make([]*lease, 0, len(s.leases))
	for l := range s.leases {
		held = append(held, l)
	}
	s.leaseMu.Unlock()
	for _, l := range held {
		l.release()
	}
	s.closed.Store(true)
	s.closeStmts()
	if !s.ownDB {
		return nil
	}
	var werr error
	if s.wdb != s.db {
		werr = s.wdb.Close()
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	return werr
}

func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		_ = st.Close()
	}
	if s.wdb != s.db {
		for _, st := range s.wstmts {
			_ = st.Close()
		}
	}
}

// txn is one transaction, read or write. Its statements are prepared once
// per store and connection and reused (see prepared).
type txn struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt // the store's, prepared on the pool tx is of
	local map[string]*sql.Stmt
}

// prepared returns the transaction's form of the statement query: one
// the store prepared when it opened (see hotStatements), compiled once
// per connection, or else one compiled for this transaction, on its own
// connection.
func (t *txn) prepared(query string) (*sql.Stmt, error) {
	if st := t.local[query]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	if ps := t.stmts[query]; ps != nil {
		st = t.tx.StmtContext(t.ctx, ps)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, query); err != nil {
			return nil, err
		}
	}
	if t.local == nil {
		t.local = map[string]*sql.Stmt{}
	}
	t.local[query] = st
	return st, nil
}

// exec runs a statement the store keeps prepared.
func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

// query runs a query the store keeps prepared.
func (t *txn) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// queryOnce runs a query that varies too much to keep prepared (an IN
// list of any length).
func (t *txn) queryOnce(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, query, args...)
}

// row runs a one-row query the store keeps prepared.
func (t *txn) row(query string, args ...any) scanner {
	st, err := t.prepared(query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(t.ctx, args...)
}

// errRow is a row whose query failed.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// prepare prepares the statements every sync runs, on both pools; the
// store calls it once, when it opens, before any other use of the pools.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range hotStatements() {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.stmts[q] = st
		if s.wdb == s.db {
			s.wstmts[q] = st
		} else if s.wstmts[q], err = s.wdb.PrepareContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

var errClosed = errors.New("the store is closed")

// read runs fn in a read transaction: every query in it sees the same
// committed state, while writes go on. A read that finds the file busy
// (possible in WAL mode only while another process recovers it) is
// retried.
func (s *Store) read(ctx context.Context, op, path string, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return connections.Wrap(op, path, err)
	}
	if s.closed.Load() {
		return connections.Wrap(op, path, errClosed)
	}
	err := s.retryBusy(ctx, op, func() error {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		return fn(&txn{ctx: ctx, tx: tx, s: s, stmts: s.stmts})
	})
	return mapErr(op, path, err)
}

// lockSQL is the first statement of every write transaction. It writes
// nothing, but as a write it makes SQLite take the file's write lock
// before the transaction reads anything (waiting up to busy_timeout for
// another process's write), as BEGIN IMMEDIATE does: a transaction that
// read first and then found another writer committed since could only
// fail.
const lockSQL = `UPDATE meta SET value = value WHERE key = 'schema_version' AND 0`

// write runs fn in a write transaction and commits it if fn returns nil.
// On any error, and if ctx ends, the transaction is rolled back: nothing
// of it is written.
func (s *Store) write(ctx context.Context, op, path string, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return connections.Wrap(op, path, err)
	}
	if s.closed.Load() {
		return connections.Wrap(op, path, errClosed)
	}
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return connections.Wrap(op, path, ctx.Err())
	}
	defer func() { <-s.wsem }()
	c, err := s.wdb.Conn(ctx)
	if err != nil {
		return mapErr(op, path, err)
	}
	bad := false
	defer func() {
		if bad { // drop the connection: its state is unknown
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = c.Close()
	}()
	for _, p := range s.pragmas {
		if _, err := c.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return mapErr(op, path, err)
		}
	}
	var t *txn
	err = s.retryBusy(ctx, op, func() error {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		t = &txn{ctx: ctx, tx: tx, s: s, stmts: s.wstmts}
		if _, err := t.exec(lockSQL); err != nil {
			_ = tx.Rollback()
			return err
		}
		return nil
	})
	if err != nil {
		return mapErr(op, path, err)
	}
	if err = fn(t); err == nil {
		if err = t.tx.Commit(); err == nil {
			return nil
		}
	}
	// database/sql has rolled back already if ctx ended; a failed COMMIT
	// has been rolled back by the driver.
	if rerr := t.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		bad = true
	}
	if ctx.Err() != nil && !connections.IsContextError(err) {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return mapErr(op, path, err)
}

// retryBusy runs fn again, a few times with growing, jittered pauses,
// while it fails at once because the file is busy. busy_timeout makes
// SQLite wait for another process's lock itself; what comes back busy
// without that wait (a process recovering the WAL, for one) is retried
// here. A busy error after the timeout is returned.
func (s *Store) retryBusy(ctx context.Context, op string, fn func() error) error {
	delay := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := fn()
		if err == nil || !isBusy(err) || attempt == 4 || ctx.Err() != nil || time.Since(start) >= s.busy/2 {
			return err
		}
		s.log.Debug("sqlitestore: file busy; retrying", "op", op, "attempt", attempt, "err", err)
		t := time.NewTimer(delay/2 + rand.N(delay))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		delay *= 4
	}
}

// sqliteCode returns the (extended) result code of a driver error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isBusy(err error) bool {
	c := sqliteCode(err) & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// isUnique reports whether err is a violated UNIQUE or PRIMARY KEY
// constraint.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// fail returns an error naming op and path that matches sentinel.
func fail(op, path string, sentinel error, format string, args ...any) error {
	return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// mapErr names op and path on err, and maps driver errors to the
// sentinels of package connections. Errors already mapped pass through.
func mapErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connections.Error
	if errors.As(err, &ce) {
		return err
	}
	if connections.IsContextError(err) {
		return connections.Wrap(op, path, err)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return connections.Wrap(op, path, fmt.Errorf("%w: %v", connections.ErrNotFound, err))
	}
	code := sqliteCode(err)
	var sentinel error
	msg := ""
	switch code & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		switch code {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			sentinel = connections.ErrAlreadyExists
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			sentinel = connections.ErrConflict
		default:
			sentinel = connections.ErrInvalidInput
		}
	case sqlite3.SQLITE_NOTADB:
		sentinel, msg = ErrForeignFile, "the file is not an SQLite database"
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		sentinel, msg = connections.ErrPermissionDenied, "the store file cannot be written"
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		msg = "another process held the store file's write lock for longer than the busy timeout"
	case sqlite3.SQLITE_CORRUPT:
		msg = "the store file is corrupt"
	case sqlite3.SQLITE_FULL:
		msg = "the disk is full"
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		msg = "the store file cannot be read or written"
	}
	switch {
	case sentinel != nil && msg != "":
		err = fmt.Errorf("%w: %s (%v)", sentinel, msg, err)
	case sentinel != nil:
		err = fmt.Errorf("%w: %v", sentinel, err)
	case msg != "":
		err = fmt.Errorf("%s: %w", msg, err)
	}
	return connections.Wrap(op, path, err)
}

// stamp returns t, or now if t is zero.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t
}
