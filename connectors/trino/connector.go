package trino

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/retry"
	"github.com/govkit/connections/internal/sqlmeta"
)

// HostType is the Host.Type of every Trino host.
const HostType = "CLUSTER"

// DatabaseType is the Database.Type of every catalog.
const DatabaseType = "CATALOG"

// Options tune a connector. A nil *Options means the defaults.
type Options struct {
	// Logger receives debug records of the queries run and warnings of
	// retries; nil means silent. Records never hold credentials.
	Logger *slog.Logger
	// HTTPClient, for Open only, sends every request to the cluster, for
	// a custom transport or proxy; nil means one the driver builds from
	// the ssl_* configuration, which cannot be combined with it.
	HTTPClient *http.Client
	// RetryAttempts is how many times a query is sent when it fails for a
	// passing reason, the first time included; 0 means 4, 1 no retry.
	RetryAttempts int
	// Catalogs, when not empty, are the only catalogs listed; the
	// "catalogs" configuration key overrides it in Open.
	Catalogs []string
	// ExcludeCatalogs are catalogs never listed; the "exclude_catalogs"
	// configuration key overrides it in Open.
	ExcludeCatalogs []string
	// SkipTableComments leaves system.metadata.table_comments unread;
	// "table_comments=false" in the configuration sets it in Open.
	SkipTableComments bool
}

// Connector reads a Trino cluster's hierarchy through database/sql. It is
// safe for concurrent use. Make one with Open or New.
type Connector struct {
	db         *sql.DB
	ownsDB     bool
	closeOnce  sync.Once
	closeErr   error
	log        *slog.Logger
	policy     retry.Policy
	include    map[string]bool // nil: every catalog
	exclude    map[string]bool
	noComments bool
	// retryHTTP says the connector retries HTTP statuses and refused
	// connections itself: true when Open turned the driver's retries off.
	retryHTTP bool
	// serverHost is the host of the server URI when Open made the
	// connector; the host's name when the cluster reports none.
	serverHost string
	// secrets are removed from every error message.
	secrets []string
}

var _ connectors.Connector = (*Connector)(nil)

// New returns a connector over db, a *sql.DB opened with the trino driver
// (sql.Open("trino", dsn) or sql.OpenDB(trino.NewConnector(...))). The host
// keeps ownership of db: Close does not close it.
func New(db *sql.DB, opts *Options) (*Connector, error) {
	if db == nil {
		return nil, connections.Wrap("trino: new connector", "", fmt.Errorf("%w: nil *sql.DB", connections.ErrInvalidInput))
	}
	return newConnector(db, false, opts), nil
}

func newConnector(db *sql.DB, owns bool, opts *Options) *Connector {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Connector{
		db:         db,
		ownsDB:     owns,
		log:        o.Logger,
		policy:     retry.Policy{Attempts: o.RetryAttempts},
		exclude:    set(o.ExcludeCatalogs),
		noComments: o.SkipTableComments,
	}
	if c.policy.Attempts <= 0 {
		c.policy.Attempts = 4
	}
	if len(o.Catalogs) > 0 {
		c.include = set(o.Catalogs)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Close releases the connector's resources: the *sql.DB when Open made it,
// nothing when the host passed its own to New. It is safe to call more
// than once.
func (c *Connector) Close() error {
	c.closeOnce.Do(func() {
		if c.ownsDB {
			c.closeErr = c.db.Close()
		}
	})
	return c.closeErr
}

// Host describes the cluster: its name is the environment the coordinator
// reports at /v1/info (node.environment), or the server's host name when it
// reports none; Version is the coordinator's version.
func (c *Connector) Host(ctx context.Context) (connectors.Host, error) {
	const op = "trino: describe cluster"
	h := connectors.Host{Type: HostType}
	var info trinodrv.ServerInfo
	err := c.retry(ctx, func(ctx context.Context) error {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			tc, ok := dc.(*trinodrv.Conn)
			if !ok {
				return errNotTrinoConn
			}
			var err error
			info, err = tc.ServerInfo(ctx)
			return err
		})
	})
	switch {
	case err == nil:
		h.Name, h.Version = info.Environment, info.NodeVersion
	case errors.Is(err, errNotTrinoConn):
		// A database/sql driver that is not trino-go-client (a proxy, a
		// mock): ask in SQL.
		rows, qerr := collect(ctx, c, op, "", sqlCoordinatorVersion, func(r sqlmeta.Record) (string, bool) {
			return r.String("node_version"), true
		})
		if qerr != nil {
			return connectors.Host{}, qerr
		}
		if len(rows) > 0 {
			h.Version = rows[0]
		}
	default:
		return connectors.Host{}, c.fail(ctx, op, "", err)
	}
	if h.Name == "" {
		h.Name = c.serverHost
	}
	if h.Name == "" {
		h.Name = "trino"
	}
	return h, nil
}

var errNotTrinoConn = errors.New("driver connection is not a trino-go-client connection")

// Check runs a trivial metadata query, which verifies that the cluster
// answers and accepts the credentials. Rejected credentials (HTTP 401)
// match connections.ErrPermissionDenied.
func (c *Connector) Check(ctx context.Context) error {
	_, err := collect(ctx, c, "trino: check", "", sqlCheck, func(sqlmeta.Record) (struct{}, bool) {
		return struct{}{}, false
	})
	return err
}

// Databases lists the catalogs of the cluster, by name, without those the
// configuration leaves out.
func (c *Connector) Databases(ctx context.Context) ([]connectors.Database, error) {
	dbs, err := collect(ctx, c, "trino: list catalogs", "", sqlCatalogs, func(r sqlmeta.Record) (connectors.Database, bool) {
		name := r.String("catalog_name")
		return connectors.Database{Name: name, Type: DatabaseType}, c.catalogListed(name)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(dbs, func(a, b connectors.Database) int { return strings.Compare(a.Name, b.Name) })
	return dbs, nil
}

func (c *Connector) catalogListed(name string) bool {
	if c.exclude[name] {
		return false
	}
	return c.include == nil || c.include[name]
}

func (c *Connector) checkCatalog(op, catalog string, path hierarchy.Path) error {
	if catalog == "" {
		return connections.Wrap(op, path.String(), fmt.Errorf("%w: empty catalog name", connections.ErrInvalidInput))
	}
	if !c.catalogListed(catalog) {
		return connections.Wrap(op, path.String(), fmt.Errorf("%w: catalog %q is left out by the configuration", connections.ErrNotFound, catalog))
	}
	return nil
}

// Schemas lists the schemas of a catalog, by name, without
// information_schema. A catalog that does not exist gives an error matching
// connections.ErrNotFound.
func (c *Connector) Schemas(ctx context.Context, database string) ([]connectors.Schema, error) {
	const op = "trino: list schemas"
	path := hierarchy.Path{database}
	if err := c.checkCatalog(op, database, path); err != nil {
		return nil, err
	}
	schemas, err := collect(ctx, c, op, path.String(), sqlSchemas(database), func(r sqlmeta.Record) (connectors.Schema, bool) {
		name := r.String("schema_name")
		return connectors.Schema{Name: name}, name != informationSchema
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(schemas, func(a, b connectors.Schema) int { return strings.Compare(a.Name, b.Name) })
	return schemas, nil
}

// Tables lists the tables, views and materialized views of a schema with
// their columns, in at most five queries whatever the number of tables. A
// schema or catalog that does not exist gives an error matching
// connections.ErrNotFound.
func (c *Connector) Tables(ctx context.Context, database, schema string) ([]connectors.Table, error) {
	const op = "trino: list tables"
	path := hierarchy.Path{database, schema}
	p := path.String()
	if err := c.checkCatalog(op, database, path); err != nil {
		return nil, err
	}
	if schema == "" {
		return nil, connections.Wrap(op, p, fmt.Errorf("%w: empty schema name", connections.ErrInvalidInput))
	}
	if schema == informationSchema {
		return nil, connections.Wrap(op, p, fmt.Errorf("%w: information_schema is not listed", connections.ErrNotFound))
	}
	tables, err := collect(ctx, c, op, p, sqlTables(database, schema), func(r sqlmeta.Record) (connectors.Table, bool) {
		return connectors.Table{Name: r.String("table_name"), Type: tableType(r.String("table_type"))}, true
	})
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		// Trino lists no tables, rather than failing, for a schema that
		// does not exist.
		found, err := collect(ctx, c, "trino: look up schema", p, sqlSchemaExists(database, schema), func(sqlmeta.Record) (struct{}, bool) {
			return struct{}{}, true
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, connections.Wrap(op, p, fmt.Errorf("%w: schema %q of catalog %q", connections.ErrNotFound, schema, database))
		}
		return []connectors.Table{}, nil
	}

	cols, err := collect(ctx, c, "trino: list columns", p, sqlColumns(database, schema), func(r sqlmeta.Record) (sqlmeta.ColumnRow, bool) {
		pos, _ := r.Int("ordinal_position")
		return sqlmeta.ColumnRow{Table: r.String("table_name"), Column: hierarchy.Column{
			Name:     r.String("column_name"),
			Type:     r.String("data_type"),
			Position: int(pos),
			Nullable: r.Bool("is_nullable"),
			Comment:  r.String("comment"),
		}}, true
	})
	if err != nil {
		return nil, err
	}

	mvs, err := collect(ctx, c, "trino: list materialized views", p, sqlMaterializedViews(database, schema), func(r sqlmeta.Record) (string, bool) {
		return r.String("name"), true
	})
	if err != nil {
		return nil, err
	}
	if len(mvs) > 0 {
		isMV := set(mvs)
		for i := range tables {
			if isMV[tables[i].Name] {
				tables[i].Type = hierarchy.TypeMaterializedView
			}
		}
	}

	if !c.noComments {
		type comment struct{ table, text string }
		comments, err := collect(ctx, c, "trino: read table comments", p, sqlTableComments(database, schema), func(r sqlmeta.Record) (comment, bool) {
			cm := comment{r.String("table_name"), r.String("comment")}
			return cm, cm.text != ""
		})
		if err != nil {
			return nil, err
		}
		if len(comments) > 0 {
			byName := make(map[string]string, len(comments))
			for _, cm := range comments {
				byName[cm.table] = cm.text
			}
			for i := range tables {
				tables[i].Comment = byName[tables[i].Name]
			}
		}
	}
	return sqlmeta.Assemble(tables, cols), nil
}

// tableType maps information_schema.tables.table_type to the hierarchy's
// types, keeping any other value as Trino reports it.
func tableType(t string) string {
	switch t {
	case "BASE TABLE":
		return hierarchy.TypeTable
	case "VIEW":
		return hierarchy.TypeView
	case "MATERIALIZED VIEW":
		return hierarchy.TypeMaterializedView
	}
	return t
}

// collect runs q, retrying it as the policy allows, and returns read's
// value for every row it keeps. Each attempt starts from an empty result.
func collect[T any](ctx context.Context, c *Connector, op, path, q string, read func(sqlmeta.Record) (T, bool)) ([]T, error) {
	var out []T
	start := time.Now()
	err := c.retry(ctx, func(ctx context.Context) error {
		out = out[:0]
		return c.scan(ctx, q, func(r sqlmeta.Record) error {
			if v, keep := read(r); keep {
				out = append(out, v)
			}
			return nil
		})
	})
	if err != nil {
		return nil, c.fail(ctx, op, path, err)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "trino: query", slog.String("step", op), slog.String("object", path),
		slog.Int("rows", len(out)), slog.Duration("elapsed", time.Since(start)))
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// scan runs one query. A driver that panics on a malformed response (a
// row shorter than its columns, say) gives an error instead.
func (c *Connector) scan(ctx context.Context, q string, fn func(sqlmeta.Record) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("trino: malformed response from the server: %v", p)
		}
	}()
	rows, err := c.db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	return sqlmeta.Scan(rows, fn)
}

// retry calls fn under the connector's retry policy, marking as transient
// the failures worth another attempt, and logs each retry.
func (c *Connector) retry(ctx context.Context, fn func(context.Context) error) error {
	attempt := 0
	return retry.Do(ctx, c.policy, func(ctx context.Context) error {
		attempt++
		err := fn(ctx)
		if err == nil || ctx.Err() != nil || !transient(err, c.retryHTTP) {
			return err
		}
		if attempt < c.policy.Attempts {
			c.log.LogAttrs(ctx, slog.LevelWarn, "trino: retrying query", slog.Int("attempt", attempt),
				slog.String("error", c.redact(err.Error())))
		}
		return retry.Transient(err)
	})
}
