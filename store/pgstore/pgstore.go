package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

var (
	_ store.Store  = (*Store)(nil)
	_ store.Locker = (*Store)(nil)
)

// DefaultSchema is the PostgreSQL schema that holds the store's tables
// when Options.Schema is empty.
const DefaultSchema = "govkit"

// Options configure a Store. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Schema is the PostgreSQL schema (namespace) that holds the store's
	// tables; empty means DefaultSchema. Several stores may share one
	// database in different schemas. The schema is created if it does not
	// exist; an existing schema that holds tables of something else is
	// refused (ErrForeignSchema).
	Schema string
	// Logger receives the store's logs (migrations applied, leases lost,
	// transactions retried); nil discards them. Logs never hold the DSN's
	// password.
	Logger *slog.Logger
	// SkipMigrate turns off migrating on open, which is on by default:
	// with it set, Open and NewWithPool only check that the schema is at
	// SchemaVersion (ErrMigrationNeeded otherwise) and leave migrating to
	// Store.Migrate, for hosts that roll out schema changes separately.
	SkipMigrate bool
}

// Store is a store.Store and store.Locker over PostgreSQL. It is safe for
// concurrent use by many goroutines, and many processes may share one
// database and schema. The zero value is not usable; call Open or
// NewWithPool.
type Store struct {
	pool   *pgxpool.Pool
	own    bool // Close closes pool
	schema string
	q      *queries
	log    *slog.Logger

	// mu guards closed and the renewers of leases held.
	mu       sync.Mutex
	closed   bool
	stop     chan struct{} // closed by Close: renewers stop
	renewers sync.WaitGroup
}

// Open connects to the PostgreSQL database the DSN names (a URL such as
// postgres://user:password@host:5432/db?sslmode=disable, or key=value
// pairs; pgxpool settings such as pool_max_conns are honoured), migrates
// the schema unless opts.SkipMigrate, and returns a Store that owns its
// connection pool: Close closes it.
//
// A DSN that cannot be parsed gives ErrInvalidInput; a server that
// cannot be reached or refuses the login gives an error saying so
// (ErrPermissionDenied for a refused login). Errors never hold the
// password.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	const op = "pgstore.Open"
	if err := ctx.Err(); err != nil {
		return nil, connections.Wrap(op, "", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fail(op, "", connections.ErrInvalidInput, "cannot parse the DSN: %s", parseErrorReason(err))
	}
	// JIT compilation costs a few hundred milliseconds per statement whose
	// estimated cost passes jit_above_cost, which the store's short
	// statements do on tables without statistics; they never gain from it.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connections.Wrap(op, "", redact(fmt.Errorf("create the connection pool: %w", err), cfg.ConnConfig.Password))
	}
	s, err := newStore(ctx, op, pool, true, opts)
	if err != nil {
		pool.Close()
		var ce *connections.Error
		if errors.As(err, &ce) {
			ce.Err = redact(ce.Err, cfg.ConnConfig.Password)
			return nil, ce
		}
		return nil, redact(err, cfg.ConnConfig.Password)
	}
	return s, nil
}

// NewWithPool returns a Store over the host's own pool, after migrating
// the schema unless opts.SkipMigrate. The host keeps the pool: Close does
// not close it. The pool's connections must use the default query exec
// mode or another one that supports the binary format (COPY needs it).
//
// Open turns JIT compilation off for its connections; a host pool should
// too (RuntimeParams["jit"] = "off", or ALTER ROLE ... SET jit = off): it
// adds hundreds of milliseconds to statements that take one. The store
// logs a warning when the pool's connections have it on.
func NewWithPool(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	const op = "pgstore.NewWithPool"
	if err := ctx.Err(); err != nil {
		return nil, connections.Wrap(op, "", err)
	}
	if pool == nil {
		return nil, fail(op, "", connections.ErrInvalidInput, "nil pool")
	}
	return newStore(ctx, op, pool, false, opts)
}

func newStore(ctx context.Context, op string, pool *pgxpool.Pool, own bool, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	if err := checkSchemaName(o.Schema); err != nil {
		return nil, fail(op, o.Schema, connections.ErrInvalidInput, "%v", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		pool: pool, own: own, schema: o.Schema, q: newQueries(o.Schema),
		log: log, stop: make(chan struct{}),
	}
	if !own {
		var jit string
		if err := pool.QueryRow(ctx, `SELECT current_setting('jit')`).Scan(&jit); err == nil && jit == "on" {
			log.Warn("pgstore: the pool's connections have JIT compilation on, which slows the store's statements; set jit=off in their RuntimeParams")
		}
	}
	if o.SkipMigrate {
		if err := s.check(ctx); err != nil {
			return nil, connections.Wrap(op, o.Schema, err)
		}
	} else if err := s.migrate(ctx); err != nil {
		return nil, connections.Wrap(op, o.Schema, err)
	}
	return s, nil
}

// checkSchemaName accepts any name PostgreSQL accepts as a quoted
// identifier: 1 to 63 bytes of valid UTF-8 without NUL.
func checkSchemaName(name string) error {
	switch {
	case len(name) > 63:
		return fmt.Errorf("schema name %q is longer than 63 bytes", name)
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return fmt.Errorf("schema name %q is not valid UTF-8 without NUL", name)
	case strings.HasPrefix(strings.ToLower(name), "pg_"):
		return fmt.Errorf("schema name %q is reserved by PostgreSQL (pg_ prefix)", name)
	}
	return nil
}

// Schema returns the PostgreSQL schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }

// Pool returns the store's connection pool, for hosts that want to run
// their own statements alongside (in their own tables).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops renewing the leases this store holds (they lapse within
// their ttl) and, if the store opened its pool (Open), closes the pool.
// A store must not be used after Close. It always returns nil; a second
// call does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.renewers.Wait()
	if s.own {
		s.pool.Close()
	}
	return nil
}

// quoteIdent quotes a name as a PostgreSQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
