package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/retry"
	"github.com/govkit/connections/internal/sqlmeta"
)

// Defaults of [Options].
const (
	DefaultMaxConnsPerDatabase = 4
	DefaultMaxOpenDatabases    = 8
	DefaultRetryAttempts       = 4
	DefaultRetryDelay          = 200 * time.Millisecond
	// DefaultMaintenanceDatabase is the database that lists the others
	// when the configuration names none.
	DefaultMaintenanceDatabase = "postgres"
)

// Options tune a [Connector]. A nil *Options, and every zero field, means
// the defaults.
type Options struct {
	// Logger receives the connector's logs: retries at warning level,
	// pools opened and closed at debug level. Nil means silent.
	Logger *slog.Logger
	// MaxConnsPerDatabase bounds each database's pool. Zero keeps the
	// MaxConns of the *pgxpool.Config given to New, and means
	// DefaultMaxConnsPerDatabase for Technology.
	MaxConnsPerDatabase int
	// MaxOpenDatabases is how many databases' pools stay open while no
	// call uses them; the least recently used ones beyond it are closed.
	// The maintenance database's pool stays open until Close. Zero means
	// DefaultMaxOpenDatabases.
	MaxOpenDatabases int
	// Databases, when not empty, is the allow-list of the databases the
	// connector lists; any other database is not found.
	Databases []string
	// ExcludeDatabases are databases the connector never lists.
	ExcludeDatabases []string
	// IncludePartitions lists partitions of partitioned tables as
	// relations of their own; by default only their parent is listed.
	IncludePartitions bool
	// RetryAttempts is how many times a call that fails for a passing
	// reason is tried in all; 1 means no retry. Zero means
	// DefaultRetryAttempts.
	RetryAttempts int
	// RetryDelay is the wait before the first retry; it doubles on each
	// one. Zero means DefaultRetryDelay.
	RetryDelay time.Duration
}

// Connector is the PostgreSQL [connectors.Connector]. It also implements
// [connectors.DatabaseLister]. Its methods are safe for concurrent use.
type Connector struct {
	base     *pgxpool.Config // the maintenance database's configuration
	maint    string          // the maintenance database
	hostName string
	partOK   bool
	allow    map[string]bool // nil: every database
	deny     map[string]bool
	maxOpen  int
	policy   retry.Policy
	log      *slog.Logger
	secrets  *scrubber

	mu     sync.Mutex
	closed bool
	tick   uint64
	pools  map[string]*dbPool
	boot   *dbPool // the maintenance database's pool, also in pools
}

// dbPool is one database's pool. refs counts the calls using it; a pool
// is only closed when no call uses it.
type dbPool struct {
	name     string
	pool     *pgxpool.Pool
	refs     int
	lastUsed uint64
	checked  bool // the database was found listed
	pinned   bool // the maintenance database's pool: closed by Close only
}

var (
	_ connectors.Connector      = (*Connector)(nil)
	_ connectors.DatabaseLister = (*Connector)(nil)
)

// New returns a connector that reaches the server with cfg, whose
// ConnConfig.Database is the maintenance database that lists the others
// ("postgres" when empty). Each database gets a pool of its own, made
// from a copy of cfg; cfg itself is not kept, and may be reused. Pools
// connect on first use, so New does no I/O: call Check to verify the
// settings. The connector must be closed.
func New(ctx context.Context, cfg *pgxpool.Config, opts *Options) (*Connector, error) {
	if cfg == nil || cfg.ConnConfig == nil {
		return nil, fmt.Errorf("postgres: new connector: %w: nil config (use pgxpool.ParseConfig)", connections.ErrInvalidInput)
	}
	if opts == nil {
		opts = &Options{}
	}
	base := cfg.Copy()
	if base.ConnConfig.Database == "" {
		base.ConnConfig.Database = DefaultMaintenanceDatabase
	}
	if opts.MaxConnsPerDatabase < 0 || opts.MaxConnsPerDatabase > 1<<20 {
		return nil, fmt.Errorf("postgres: new connector: %w: MaxConnsPerDatabase %d out of range", connections.ErrInvalidInput, opts.MaxConnsPerDatabase)
	}
	if opts.MaxConnsPerDatabase > 0 {
		base.MaxConns = int32(opts.MaxConnsPerDatabase)
	}
	if base.MinConns > base.MaxConns {
		base.MinConns = base.MaxConns
	}
	c := &Connector{
		base:     base,
		maint:    base.ConnConfig.Database,
		hostName: hostName(base.ConnConfig.Host, base.ConnConfig.Port),
		partOK:   opts.IncludePartitions,
		maxOpen:  cmp.Or(max(opts.MaxOpenDatabases, 0), DefaultMaxOpenDatabases),
		policy: retry.Policy{
			Attempts: cmp.Or(max(opts.RetryAttempts, 0), DefaultRetryAttempts),
			Base:     cmp.Or(max(opts.RetryDelay, 0), DefaultRetryDelay),
			Max:      5 * time.Second,
		},
		log:     opts.Logger,
		secrets: newScrubber(base.ConnConfig.Password),
		pools:   make(map[string]*dbPool),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if len(opts.Databases) > 0 {
		c.allow = make(map[string]bool, len(opts.Databases))
		for _, d := range opts.Databases {
			c.allow[d] = true
		}
	}
	c.deny = make(map[string]bool, len(opts.ExcludeDatabases))
	for _, d := range opts.ExcludeDatabases {
		c.deny[d] = true
	}
	pool, err := newPool(ctx, base.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: new connector: open pool of database %q: %w", c.maint, err)
	}
	c.boot = &dbPool{name: c.maint, pool: pool, pinned: true}
	c.pools[c.maint] = c.boot
	return c, nil
}

// newPool is pgxpool.NewWithConfig, with its panic on a config that
// pgxpool.ParseConfig did not make turned into an error.
func newPool(ctx context.Context, cfg *pgxpool.Config) (p *pgxpool.Pool, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: config not made by pgxpool.ParseConfig: %v", connections.ErrInvalidInput, r)
		}
	}()
	return pgxpool.NewWithConfig(ctx, cfg)
}

// hostName is the server's name: host and port as configured.
func hostName(host string, port uint16) string {
	if strings.HasPrefix(host, "/") { // Unix socket directory
		return host + ":" + strconv.Itoa(int(port))
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// String names the connector and its server, never its credentials.
func (c *Connector) String() string { return "postgres.Connector(" + c.hostName + ")" }

// GoString is String, so that %#v shows no credentials either.
func (c *Connector) GoString() string { return c.String() }

// Close closes the pools. Calls still running finish first, and their
// pools close when they return. Close is safe to call more than once.
func (c *Connector) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var idle []*dbPool
	for name, p := range c.pools {
		if p.refs == 0 {
			idle = append(idle, p)
			delete(c.pools, name)
		}
	}
	c.mu.Unlock()
	c.closePools(idle)
	return nil
}

func (c *Connector) closePools(ps []*dbPool) {
	for _, p := range ps {
		c.log.Debug("postgres: closing pool", slog.String("database", p.name))
		p.pool.Close()
	}
}

// acquire returns the pool of a database and the function that gives it
// back. A pool opens on first use; unless boot is set, its database is
// first checked through the maintenance database.
func (c *Connector) acquire(ctx context.Context, database string, boot bool) (*dbPool, func(), error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, nil, ErrClosed
		}
		p := c.pools[database]
		if boot {
			p = c.boot
		}
		if p != nil && (boot || p.checked) {
			p.refs++
			c.tick++
			p.lastUsed = c.tick
			c.mu.Unlock()
			return p, func() { c.release(p) }, nil
		}
		c.mu.Unlock()

		if err := c.checkDatabase(ctx, database); err != nil {
			return nil, nil, err
		}

		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, nil, ErrClosed
		}
		if p := c.pools[database]; p != nil {
			p.checked = true
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()

		cfg := c.base.Copy()
		cfg.ConnConfig.Database = database
		pool, err := newPool(ctx, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("open pool of database %q: %w", database, err)
		}
		c.mu.Lock()
		if c.closed || c.pools[database] != nil {
			c.mu.Unlock()
			pool.Close() // lost a race: use the other pool, or none
			continue
		}
		c.pools[database] = &dbPool{name: database, pool: pool, checked: true}
		c.mu.Unlock()
		c.log.Debug("postgres: opened pool", slog.String("database", database))
	}
}

// release gives a pool back, and closes the idle pools beyond
// maxOpen, least recently used first, or all of them once closed.
func (c *Connector) release(p *dbPool) {
	c.mu.Lock()
	p.refs--
	var idle []*dbPool
	if c.closed {
		if p.refs == 0 && c.pools[p.name] == p {
			delete(c.pools, p.name)
			idle = append(idle, p)
		}
	} else if len(c.pools)-1 > c.maxOpen { // the maintenance pool does not count
		var candidates []*dbPool
		for _, q := range c.pools {
			if q.refs == 0 && !q.pinned {
				candidates = append(candidates, q)
			}
		}
		slices.SortFunc(candidates, func(a, b *dbPool) int { return cmp.Compare(a.lastUsed, b.lastUsed) })
		for _, q := range candidates {
			if len(c.pools)-1 <= c.maxOpen {
				break
			}
			delete(c.pools, q.name)
			idle = append(idle, q)
		}
	}
	c.mu.Unlock()
	c.closePools(idle)
}

// checkName rejects names that no database or schema can have.
func checkName(what, name string) error {
	switch {
	case name == "":
		return errorf(fmt.Sprintf("%s name is empty", what), connections.ErrNotFound)
	case !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0:
		return errorf(fmt.Sprintf("%s name %q is not valid text", what, name), connections.ErrNotFound)
	}
	return nil
}

// listed reports whether the options let the connector list a database.
func (c *Connector) listed(database string) bool {
	return (c.allow == nil || c.allow[database]) && !c.deny[database]
}

// checkDatabase verifies, through the maintenance database, that a
// database exists, is listed, and accepts the user.
func (c *Connector) checkDatabase(ctx context.Context, database string) error {
	if err := checkName("database", database); err != nil {
		return err
	}
	if !c.listed(database) {
		return errorf(fmt.Sprintf("database %q is not listed by the connector's options", database), connections.ErrNotFound)
	}
	var listed, canConnect bool
	err := c.do(ctx, "", true, func(ctx context.Context, conn *pgxpool.Conn) error {
		err := conn.QueryRow(ctx, databaseSQL, database).Scan(&listed, &canConnect)
		if errors.Is(err, pgx.ErrNoRows) {
			return errorf(fmt.Sprintf("database %q does not exist", database), connections.ErrNotFound)
		}
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("look up database %q: %w", database, err)
	case !listed:
		return errorf(fmt.Sprintf("database %q is a template or does not allow connections", database), connections.ErrNotFound)
	case !canConnect:
		return errorf(fmt.Sprintf("no CONNECT privilege on database %q", database), connections.ErrPermissionDenied)
	}
	return nil
}

// do runs fn with a connection to a database (the maintenance database
// if boot is set), retrying transient failures. fn's driver errors are
// scrubbed and mapped; its errors made with errorf and the context's
// errors are returned as they are.
func (c *Connector) do(ctx context.Context, database string, boot bool, fn func(ctx context.Context, conn *pgxpool.Conn) error) error {
	p, release, err := c.acquire(ctx, database, boot)
	if err != nil {
		return err
	}
	defer release()
	attempt := 0
	return retry.Do(ctx, c.policy, func(ctx context.Context) error {
		attempt++
		conn, err := p.pool.Acquire(ctx)
		if err != nil {
			return c.failed(ctx, p.name, attempt, fmt.Sprintf("connect to database %q at %s", p.name, c.hostName), err)
		}
		defer conn.Release()
		if err := fn(ctx, conn); err != nil {
			var stop *stopError
			if errors.As(err, &stop) {
				return err
			}
			return c.failed(ctx, p.name, attempt, "", err)
		}
		return nil
	})
}

// failed wraps a driver error, prefixed with step when not empty, and
// marks it for retry when it is transient.
func (c *Connector) failed(ctx context.Context, database string, attempt int, step string, err error) error {
	tr := transient(err) && ctx.Err() == nil
	err = c.secrets.wrap(ctx, err)
	if step != "" {
		err = fmt.Errorf("%s: %w", step, err)
	}
	if !tr {
		return err
	}
	if attempt < c.policy.Attempts {
		c.log.Warn("postgres: retrying", slog.String("server", c.hostName), slog.String("database", database),
			slog.Int("attempt", attempt), slog.String("error", err.Error()))
	}
	return retry.Transient(err)
}

// stopError carries an error that ends a call as it is: one from the
// caller's function, or one after results were handed over.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// Host describes the server: its name is "host:port" as configured, its
// type "SERVER", its version what the server says.
func (c *Connector) Host(ctx context.Context) (connectors.Host, error) {
	var version string
	err := c.do(ctx, "", true, func(ctx context.Context, conn *pgxpool.Conn) error {
		return conn.QueryRow(ctx, versionSQL).Scan(&version)
	})
	if err != nil {
		return connectors.Host{}, fmt.Errorf("postgres: describe server %s: %w", c.hostName, err)
	}
	return connectors.Host{Name: c.hostName, Type: "SERVER", Version: version}, nil
}

// Check connects to the maintenance database and runs a catalog query.
func (c *Connector) Check(ctx context.Context) error {
	err := c.do(ctx, "", true, func(ctx context.Context, conn *pgxpool.Conn) error {
		var n int64
		return conn.QueryRow(ctx, checkSQL).Scan(&n)
	})
	if err != nil {
		return fmt.Errorf("postgres: check server %s: %w", c.hostName, err)
	}
	return nil
}

// Databases lists the databases the user can connect to, except
// templates and those the options leave out, in name order.
func (c *Connector) Databases(ctx context.Context) ([]connectors.Database, error) {
	var out []connectors.Database
	err := c.do(ctx, "", true, func(ctx context.Context, conn *pgxpool.Conn) error {
		out = out[:0]
		rows, err := conn.Query(ctx, databasesSQL)
		if err != nil {
			return err
		}
		var name, comment string
		_, err = pgx.ForEachRow(rows, []any{&name, &comment}, func() error {
			if c.listed(name) {
				out = append(out, connectors.Database{Name: name, Type: hierarchy.TypeDatabase, Comment: comment})
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list databases of %s: %w", c.hostName, err)
	}
	slices.SortFunc(out, func(a, b connectors.Database) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []connectors.Database{}
	}
	return out, nil
}

// Schemas lists the schemas of a database, without information_schema
// and the pg_ system schemas, in name order.
func (c *Connector) Schemas(ctx context.Context, database string) ([]connectors.Schema, error) {
	var out []connectors.Schema
	err := c.do(ctx, database, false, func(ctx context.Context, conn *pgxpool.Conn) error {
		out = out[:0]
		rows, err := conn.Query(ctx, schemasSQL)
		if err != nil {
			return err
		}
		var name, comment string
		_, err = pgx.ForEachRow(rows, []any{&name, &comment}, func() error {
			out = append(out, connectors.Schema{Name: name, Comment: comment})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list schemas of database %q: %w", database, err)
	}
	slices.SortFunc(out, func(a, b connectors.Schema) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []connectors.Schema{}
	}
	return out, nil
}

// Tables lists the relations of a schema with their columns, in name
// order, from one snapshot: two queries sent in one batch.
func (c *Connector) Tables(ctx context.Context, database, schema string) ([]connectors.Table, error) {
	fail := func(err error) error {
		return fmt.Errorf("postgres: list tables of schema %q in database %q: %w", schema, database, err)
	}
	if err := checkName("schema", schema); err != nil {
		return nil, fail(err)
	}
	var out []connectors.Table
	err := c.do(ctx, database, false, func(ctx context.Context, conn *pgxpool.Conn) (err error) {
		b := &pgx.Batch{}
		b.Queue(beginSQL)
		b.Queue(schemaTablesSQL, c.partOK, schema)
		b.Queue(schemaColumnsSQL, c.partOK, schema)
		b.Queue(commitSQL)
		br := conn.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		found := false
		var tables []connectors.Table
		var name *string
		var kind, comment string
		if _, err := pgx.ForEachRow(rows, []any{&name, &kind, &comment}, func() error {
			found = true
			if name != nil {
				tables = append(tables, connectors.Table{Name: *name, Type: relationType(kind), Comment: comment})
			}
			return nil
		}); err != nil {
			return err
		}
		var cols []sqlmeta.ColumnRow
		if err := readColumns(br, func(_ string, c []sqlmeta.ColumnRow) error {
			cols = append(cols, c...)
			return nil
		}); err != nil {
			return err
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
		if !found {
			return errorf(fmt.Sprintf("schema %q does not exist in database %q", schema, database), connections.ErrNotFound)
		}
		out = sqlmeta.Assemble(tables, cols)
		return nil
	})
	if err != nil {
		return nil, fail(err)
	}
	if out == nil {
		out = []connectors.Table{}
	}
	return out, nil
}

// readColumns reads the next result of br, rows of columnsSelect grouped
// by schema, and calls emit with each schema's rows as soon as the next
// schema's start, and with the last schema's at the end.
func readColumns(br pgx.BatchResults, emit func(schema string, cols []sqlmeta.ColumnRow) error) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	var (
		cur, schema, table, name, typ, comment string
		pos                                    int64
		nullable                               bool
		group                                  []sqlmeta.ColumnRow
		started                                bool
	)
	_, err = pgx.ForEachRow(rows, []any{&schema, &table, &name, &typ, &pos, &nullable, &comment}, func() error {
		if started && schema != cur {
			if err := emit(cur, group); err != nil {
				return err
			}
			group = nil
		}
		cur, started = schema, true
		group = append(group, sqlmeta.ColumnRow{Table: table, Column: hierarchy.Column{
			Name: name, Type: typ, Position: int(pos), Nullable: nullable, Comment: comment,
		}})
		return nil
	})
	if err != nil {
		return err
	}
	if started {
		return emit(cur, group)
	}
	return nil
}

// DatabaseTables lists every relation of a database with its columns,
// from one snapshot with two queries, and calls fn once per schema that
// has relations, in name order, with that schema's relations in name
// order. The relations of the whole database (without their columns) are
// held in memory; the columns are read one schema at a time. The
// connection and its read-only transaction stay open while fn runs.
func (c *Connector) DatabaseTables(ctx context.Context, database string, fn func(schema string, tables []connectors.Table) error) error {
	delivered := false
	err := c.do(ctx, database, false, func(ctx context.Context, conn *pgxpool.Conn) (err error) {
		b := &pgx.Batch{}
		b.Queue(beginSQL)
		b.Queue(databaseTablesSQL, c.partOK)
		b.Queue(databaseColumnsSQL, c.partOK)
		b.Queue(commitSQL)
		br := conn.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
			var stop *stopError
			if err != nil && delivered && !errors.As(err, &stop) {
				err = &stopError{err: c.secrets.wrap(ctx, err)}
			}
		}()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		bySchema := map[string][]connectors.Table{}
		var schema, name, kind, comment string
		if _, err := pgx.ForEachRow(rows, []any{&schema, &name, &kind, &comment}, func() error {
			bySchema[schema] = append(bySchema[schema], connectors.Table{Name: name, Type: relationType(kind), Comment: comment})
			return nil
		}); err != nil {
			return err
		}
		schemas := slices.Sorted(func(yield func(string) bool) {
			for s := range bySchema {
				if !yield(s) {
					return
				}
			}
		})
		next := 0
		// flush hands over the schemas up to and including upTo, the
		// last one with the columns read for it.
		flush := func(upTo string, cols []sqlmeta.ColumnRow) error {
			for next < len(schemas) && schemas[next] <= upTo {
				s := schemas[next]
				next++
				var sc []sqlmeta.ColumnRow
				if s == upTo {
					sc = cols
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				tables := sqlmeta.Assemble(bySchema[s], sc)
				delete(bySchema, s)
				delivered = true
				if err := fn(s, tables); err != nil {
					return &stopError{err: err}
				}
			}
			return nil
		}
		if err := readColumns(br, flush); err != nil {
			return err
		}
		if len(schemas) > 0 {
			if err := flush(schemas[len(schemas)-1], nil); err != nil {
				return err
			}
		}
		_, err = br.Exec()
		return err
	})
	if err == nil {
		return nil
	}
	var stop *stopError
	if errors.As(err, &stop) {
		var de *driverError
		if !errors.As(stop.err, &de) && !connections.IsContextError(stop.err) {
			return stop.err // the caller's own error, as it is
		}
		err = stop.err
	}
	return fmt.Errorf("postgres: list tables of database %q: %w", database, err)
}
