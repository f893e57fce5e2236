package snowflake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/retry"
	"github.com/govkit/connections/internal/sqlmeta"
)

// MaxPageSize is the most rows Snowflake returns from one SHOW command,
// and the default page size.
const MaxPageSize = 10000

// Table types Snowflake has beyond the hierarchy.Type constants: the kind
// SHOW TABLES reports for transient and temporary tables.
const (
	TypeTransient = "TRANSIENT_TABLE"
	TypeTemporary = "TEMPORARY_TABLE"
)

// Options are the optional settings of a Connector; nil means defaults.
type Options struct {
	// PageSize is the LIMIT of each SHOW command, 1 to MaxPageSize; zero
	// means MaxPageSize. Tests use small pages to exercise paging.
	PageSize int
	// IncludeImported lists imported databases (shares, including the
	// SNOWFLAKE database) and application databases too. By default they
	// are skipped: their metadata belongs to another account or to an
	// application, and cannot be governed here.
	IncludeImported bool
	// MaxAttempts is how many times a query is sent when it fails for a
	// passing reason (throttling, an unavailable service, a network
	// error), the first included; zero means 5, one means no retry.
	MaxAttempts int
	// RetryDelay is the first backoff between attempts, doubled each
	// time up to 10 s; zero means 200 ms.
	RetryDelay time.Duration
	// Redact lists secret values (the password, token or key the host
	// opened db with) to remove from error text and log records, in case
	// the driver quotes them. Open fills it from the credentials.
	Redact []string
	// Logger receives debug records of each query (its step, object,
	// rows and duration) and warnings of retries; nil means silent.
	// Records never hold credentials.
	Logger *slog.Logger
}

// Connector reads a Snowflake account's hierarchy: account, database,
// schema, object (tables, views and the other table-like objects), with
// each object's columns. It implements connectors.Connector and
// connectors.TagReader. Its methods are safe for concurrent use.
type Connector struct {
	db              *sql.DB
	ownsDB          bool
	pageSize        int
	includeImported bool
	policy          retry.Policy
	log             *slog.Logger
	redact          redactor
	closeOnce       sync.Once
	closeErr        error
}

var (
	_ connectors.Connector = (*Connector)(nil)
	_ connectors.TagReader = (*Connector)(nil)
)

// New returns a Connector that queries db, a database/sql handle on the
// gosnowflake driver (or any driver that answers Snowflake's SQL, such as
// a test double). The caller keeps ownership of db: Close does not close
// it. opts may be nil.
func New(db *sql.DB, opts *Options) (*Connector, error) {
	if db == nil {
		return nil, fmt.Errorf("snowflake: new connector: %w: nil *sql.DB", connections.ErrInvalidInput)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return nil, fmt.Errorf("snowflake: new connector: %w: page size %d is not between 1 and %d", connections.ErrInvalidInput, o.PageSize, MaxPageSize)
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize
	}
	if o.MaxAttempts < 0 || o.RetryDelay < 0 {
		return nil, fmt.Errorf("snowflake: new connector: %w: negative retry setting", connections.ErrInvalidInput)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Connector{
		db:              db,
		pageSize:        o.PageSize,
		includeImported: o.IncludeImported,
		policy:          retry.Policy{Attempts: o.MaxAttempts, Base: o.RetryDelay},
		log:             log,
		redact:          newRedactor(o.Redact...),
	}, nil
}

// SQL the connector sends. Identifiers are quoted exactly as SHOW output
// spells them; values are bound as parameters where Snowflake allows it.
const (
	queryContext = "SELECT CURRENT_ORGANIZATION_NAME() AS ORGANIZATION_NAME, CURRENT_ACCOUNT_NAME() AS ACCOUNT_NAME, CURRENT_VERSION() AS VERSION, CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE"
	queryCheck   = "SHOW DATABASES LIMIT 1"

	columnList    = "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, COMMENT, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION FROM %s.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ?"
	columnsOrder  = " ORDER BY TABLE_NAME, ORDINAL_POSITION"
	columnsTable  = " AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
	queryTags     = "SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, DOMAIN, OBJECT_NAME, COLUMN_NAME FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES WHERE OBJECT_DELETED IS NULL AND OBJECT_DATABASE = ? AND OBJECT_SCHEMA = ? AND DOMAIN IN ('TABLE', 'COLUMN') ORDER BY OBJECT_NAME, COLUMN_NAME, TAG_DATABASE, TAG_SCHEMA, TAG_NAME"
	infoSchema    = "INFORMATION_SCHEMA"
	kindStandard  = "STANDARD"
	kindImported  = "IMPORTED DATABASE"
	kindApp       = "APPLICATION"
	kindTransient = "TRANSIENT"
	kindTemporary = "TEMPORARY"
)

// columnsQuery returns the query reading a schema's columns from the
// database's INFORMATION_SCHEMA, bound to the schema name.
func columnsQuery(database string) string {
	return fmt.Sprintf(columnList, sqlmeta.QuoteIdent(database)) + columnsOrder
}

// columnsTableQuery returns the per-table fallback query, bound to the
// schema and table names.
func columnsTableQuery(database string) string {
	return fmt.Sprintf(columnList, sqlmeta.QuoteIdent(database)) + columnsTable
}

// pathText is the text form of the object path a step concerns.
func pathText(parts ...string) string { return hierarchy.Path(parts).String() }

type contextRow struct {
	org, account, version, role, warehouse string
}

func (c *Connector) context(ctx context.Context, op string) (contextRow, error) {
	rows, err := collect(ctx, c, op, "", queryContext, nil, func(r sqlmeta.Record) (contextRow, error) {
		return contextRow{
			org:       r.String("ORGANIZATION_NAME"),
			account:   r.String("ACCOUNT_NAME"),
			version:   r.String("VERSION"),
			role:      r.String("ROLE"),
			warehouse: r.String("WAREHOUSE"),
		}, nil
	})
	if err != nil {
		return contextRow{}, c.fail(ctx, op, "", err)
	}
	if len(rows) != 1 {
		return contextRow{}, c.fail(ctx, op, "", fmt.Errorf("session context query returned %d rows, want 1", len(rows)))
	}
	return rows[0], nil
}

// Host describes the account: Name is "ORGNAME-ACCOUNTNAME" (the account
// identifier), Type "ACCOUNT", Version the Snowflake release.
func (c *Connector) Host(ctx context.Context) (connectors.Host, error) {
	row, err := c.context(ctx, "describe account")
	if err != nil {
		return connectors.Host{}, err
	}
	name := row.account
	if row.org != "" && name != "" {
		name = row.org + "-" + name
	}
	if name == "" {
		return connectors.Host{}, c.fail(ctx, "describe account", "", errors.New("the session has no current account name"))
	}
	return connectors.Host{Name: name, Type: "ACCOUNT", Version: row.version}, nil
}

// Check signs in, verifies that the session has a warehouse (columns are
// read from INFORMATION_SCHEMA, which needs one) and that SHOW DATABASES
// works. A missing warehouse wraps connections.ErrInvalidInput; refused
// credentials wrap connections.ErrPermissionDenied.
func (c *Connector) Check(ctx context.Context) error {
	const op = "check"
	row, err := c.context(ctx, op)
	if err != nil {
		return err
	}
	if row.warehouse == "" {
		return c.fail(ctx, op, "", fmt.Errorf("%w: the session has no warehouse (role %q): set the warehouse config key or a default warehouse for the user; columns are read from INFORMATION_SCHEMA, which needs one", connections.ErrInvalidInput, row.role))
	}
	if _, err := collect(ctx, c, op, "", queryCheck, nil, func(r sqlmeta.Record) (struct{}, error) { return struct{}{}, nil }); err != nil {
		return c.fail(ctx, op, "", err)
	}
	return nil
}

// Databases lists the account's databases the role can see, paged with
// SHOW DATABASES. Imported (shared) and application databases are
// skipped unless Options.IncludeImported is set.
func (c *Connector) Databases(ctx context.Context) ([]connectors.Database, error) {
	const op = "list databases"
	out, err := show(ctx, c, op, "", "SHOW DATABASES", func(r sqlmeta.Record, name string) (connectors.Database, bool, error) {
		kind := strings.ToUpper(strings.TrimSpace(r.String("kind")))
		if !c.includeImported && (kind == kindImported || kind == kindApp) {
			return connectors.Database{}, false, nil
		}
		typ := hierarchy.TypeDatabase
		if kind != "" && kind != kindStandard {
			typ = kind
		}
		return connectors.Database{Name: name, Type: typ, Comment: r.String("comment")}, true, nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []connectors.Database{}
	}
	return out, nil
}

// Schemas lists the schemas of a database, paged with SHOW SCHEMAS.
// INFORMATION_SCHEMA, a read-only view of metadata, is skipped.
func (c *Connector) Schemas(ctx context.Context, database string) ([]connectors.Schema, error) {
	const op = "list schemas"
	path := pathText(database)
	if database == "" {
		return nil, c.fail(ctx, op, path, fmt.Errorf("%w: empty database name", connections.ErrInvalidInput))
	}
	stmt := "SHOW SCHEMAS IN DATABASE " + sqlmeta.QuoteIdent(database)
	out, err := show(ctx, c, op, path, stmt, func(r sqlmeta.Record, name string) (connectors.Schema, bool, error) {
		return connectors.Schema{Name: name, Comment: r.String("comment")}, name != infoSchema, nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []connectors.Schema{}
	}
	return out, nil
}

// Tables lists the tables and views of a schema with their columns: SHOW
// TABLES and SHOW VIEWS (paged), then one INFORMATION_SCHEMA.COLUMNS query
// for the whole schema. When Snowflake answers that query with error
// 090030 (too much data), the columns are read one table at a time.
func (c *Connector) Tables(ctx context.Context, database, schema string) ([]connectors.Table, error) {
	const op = "list tables"
	path := pathText(database, schema)
	if database == "" || schema == "" {
		return nil, c.fail(ctx, op, path, fmt.Errorf("%w: empty database or schema name", connections.ErrInvalidInput))
	}
	in := sqlmeta.QualifiedName(database, schema)
	tables, err := show(ctx, c, op, path, "SHOW TABLES IN SCHEMA "+in, func(r sqlmeta.Record, name string) (connectors.Table, bool, error) {
		return connectors.Table{Name: name, Type: tableType(r), Comment: r.String("comment")}, true, nil
	})
	if err != nil {
		return nil, err
	}
	views, err := show(ctx, c, "list views", path, "SHOW VIEWS IN SCHEMA "+in, func(r sqlmeta.Record, name string) (connectors.Table, bool, error) {
		typ := hierarchy.TypeView
		if r.Bool("is_materialized") {
			typ = hierarchy.TypeMaterializedView
		}
		return connectors.Table{Name: name, Type: typ, Comment: r.String("comment")}, true, nil
	})
	if err != nil {
		return nil, err
	}
	tables = append(tables, views...)
	if len(tables) == 0 {
		return []connectors.Table{}, nil
	}
	cols, err := c.columns(ctx, database, schema, tables)
	if err != nil {
		return nil, err
	}
	return sqlmeta.Assemble(tables, cols), nil
}

// tableType maps the flags of a SHOW TABLES row to a table type (B2).
func tableType(r sqlmeta.Record) string {
	switch {
	case r.Bool("is_dynamic"):
		return hierarchy.TypeDynamic
	case r.Bool("is_iceberg"):
		return hierarchy.TypeIceberg
	case r.Bool("is_hybrid"):
		return hierarchy.TypeHybrid
	case r.Bool("is_event"):
		return hierarchy.TypeEvent
	case r.Bool("is_external"):
		return hierarchy.TypeExternal
	}
	switch strings.ToUpper(strings.TrimSpace(r.String("kind"))) {
	case kindTransient:
		return TypeTransient
	case kindTemporary, "LOCAL TEMPORARY", "GLOBAL TEMPORARY":
		return TypeTemporary
	}
	return hierarchy.TypeTable
}

// columns reads the columns of a schema in one query, or table by table
// after error 090030.
func (c *Connector) columns(ctx context.Context, database, schema string, tables []connectors.Table) ([]sqlmeta.ColumnRow, error) {
	const op = "list columns"
	cols, err := collect(ctx, c, op, pathText(database, schema), columnsQuery(database), []any{schema}, columnRow)
	if err == nil {
		return cols, nil
	}
	if !isNumber(err, errInfoSchemaTooMuchData) {
		return nil, c.fail(ctx, op, pathText(database, schema), err)
	}
	c.log.WarnContext(ctx, "snowflake: schema too large for one INFORMATION_SCHEMA query; reading columns table by table",
		"database", database, "schema", schema, "tables", len(tables))
	q := columnsTableQuery(database)
	cols = cols[:0]
	seen := make(map[string]bool, len(tables))
	for _, t := range tables {
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		tc, err := collect(ctx, c, op, pathText(database, schema, t.Name), q, []any{schema, t.Name}, columnRow)
		if err != nil {
			return nil, c.fail(ctx, op, pathText(database, schema, t.Name), err)
		}
		cols = append(cols, tc...)
	}
	return cols, nil
}

// columnRow reads one INFORMATION_SCHEMA.COLUMNS row.
func columnRow(r sqlmeta.Record) (sqlmeta.ColumnRow, error) {
	table, name := r.String("TABLE_NAME"), r.String("COLUMN_NAME")
	if table == "" || name == "" {
		return sqlmeta.ColumnRow{}, errors.New("INFORMATION_SCHEMA.COLUMNS row without TABLE_NAME or COLUMN_NAME")
	}
	pos, ok := r.Int("ORDINAL_POSITION")
	if !ok || pos < 1 {
		return sqlmeta.ColumnRow{}, fmt.Errorf("column %s.%s: invalid ORDINAL_POSITION %q", table, name, r.String("ORDINAL_POSITION"))
	}
	typ, err := dataType(r)
	if err != nil {
		return sqlmeta.ColumnRow{}, fmt.Errorf("column %s.%s: %w", table, name, err)
	}
	return sqlmeta.ColumnRow{Table: table, Column: hierarchy.Column{
		Name:     name,
		Type:     typ,
		Position: int(pos),
		Nullable: r.Bool("IS_NULLABLE"),
		Comment:  r.String("COMMENT"),
	}}, nil
}

// dataType renders a column's type as Snowflake writes it in DDL:
// NUMBER(38,0), TEXT(16777216), TIMESTAMP_NTZ(9), or the bare name.
func dataType(r sqlmeta.Record) (string, error) {
	base := strings.TrimSpace(r.String("DATA_TYPE"))
	if base == "" {
		return "", errors.New("empty DATA_TYPE")
	}
	num := func(col string) (int64, bool, error) {
		if r.String(col) == "" {
			return 0, false, nil
		}
		n, ok := r.Int(col)
		if !ok || n < 0 {
			return 0, false, fmt.Errorf("invalid %s %q", col, r.String(col))
		}
		return n, true, nil
	}
	switch strings.ToUpper(base) {
	case "NUMBER", "DECIMAL", "NUMERIC":
		p, okP, err := num("NUMERIC_PRECISION")
		if err != nil {
			return "", err
		}
		s, _, err := num("NUMERIC_SCALE")
		if err != nil {
			return "", err
		}
		if okP {
			return fmt.Sprintf("%s(%d,%d)", base, p, s), nil
		}
	case "TEXT", "VARCHAR", "CHAR", "CHARACTER", "STRING", "BINARY", "VARBINARY":
		n, ok, err := num("CHARACTER_MAXIMUM_LENGTH")
		if err != nil {
			return "", err
		}
		if ok {
			return fmt.Sprintf("%s(%d)", base, n), nil
		}
	case "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ":
		n, ok, err := num("DATETIME_PRECISION")
		if err != nil {
			return "", err
		}
		if ok {
			return fmt.Sprintf("%s(%d)", base, n), nil
		}
	}
	return base, nil
}

// Tags lists the tags set directly on the tables (views and other
// objects) of a schema and on their columns, from
// SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES (B20). A tag's Name is its
// qualified name TAG_DATABASE.TAG_SCHEMA.TAG_NAME in hierarchy path text
// form (a "." or "\" inside a part escaped with "\"). ACCOUNT_USAGE lags
// up to two hours and holds direct assignments only, not inherited ones.
// Reading it needs IMPORTED PRIVILEGES on the SNOWFLAKE database (or its
// GOVERNANCE_VIEWER database role) and a warehouse; without them the
// error wraps connections.ErrPermissionDenied. When no tag is found, one
// SHOW SCHEMAS ... STARTS WITH query tells an untagged schema (no tags, no
// error) from one that does not exist or that the role cannot see
// (connections.ErrNotFound).
func (c *Connector) Tags(ctx context.Context, database, schema string) ([]connectors.TagAssignment, error) {
	const op = "read tags"
	path := pathText(database, schema)
	if database == "" || schema == "" {
		return nil, c.fail(ctx, op, path, fmt.Errorf("%w: empty database or schema name", connections.ErrInvalidInput))
	}
	tags, err := collect(ctx, c, op, path, queryTags, []any{database, schema}, func(r sqlmeta.Record) (connectors.TagAssignment, error) {
		a := connectors.TagAssignment{Table: r.String("OBJECT_NAME"), Value: r.String("TAG_VALUE")}
		name := r.String("TAG_NAME")
		if a.Table == "" || name == "" {
			return a, errors.New("TAG_REFERENCES row without OBJECT_NAME or TAG_NAME")
		}
		a.Name = tagName(r.String("TAG_DATABASE"), r.String("TAG_SCHEMA"), name)
		if strings.EqualFold(r.String("DOMAIN"), "COLUMN") {
			if a.Column = r.String("COLUMN_NAME"); a.Column == "" {
				return a, fmt.Errorf("TAG_REFERENCES row for a column of %s without COLUMN_NAME", a.Table)
			}
		}
		return a, nil
	})
	if err != nil {
		if isNumber(err, errDoesNotExist) || isNumber(err, errObjectDoesNotExist) {
			// The filtered query cannot miss the object; Snowflake says the
			// role may not read SNOWFLAKE.ACCOUNT_USAGE.
			err = fmt.Errorf("%w: reading SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES needs IMPORTED PRIVILEGES on the SNOWFLAKE database or its GOVERNANCE_VIEWER database role: %w", connections.ErrPermissionDenied, err)
		}
		return nil, c.fail(ctx, op, path, err)
	}
	if len(tags) == 0 {
		// TAG_REFERENCES cannot tell an untagged schema from a missing
		// one; SHOW can, without a warehouse.
		if err := c.schemaExists(ctx, op, database, schema); err != nil {
			return nil, err
		}
		return []connectors.TagAssignment{}, nil
	}
	return tags, nil
}

// schemaExists returns an error matching connections.ErrNotFound unless
// the schema exists and the role can see it. STARTS WITH is
// case-sensitive, and the exact name sorts first among the names it
// starts.
func (c *Connector) schemaExists(ctx context.Context, op, database, schema string) error {
	path := pathText(database, schema)
	q := "SHOW SCHEMAS IN DATABASE " + sqlmeta.QuoteIdent(database) + " STARTS WITH " + showLiteral(schema) + " LIMIT 1"
	names, err := collect(ctx, c, op, path, q, nil, func(r sqlmeta.Record) (string, error) { return r.String("name"), nil })
	if err != nil {
		return c.fail(ctx, op, path, err)
	}
	if !slices.Contains(names, schema) {
		return c.fail(ctx, op, path, fmt.Errorf("%w: schema %s does not exist or is not visible to the role", connections.ErrNotFound, sqlmeta.QualifiedName(database, schema)))
	}
	return nil
}

// tagName qualifies a tag name with its database and schema.
func tagName(database, schema, name string) string {
	var p hierarchy.Path
	for _, s := range []string{database, schema, name} {
		if s != "" {
			p = append(p, s)
		}
	}
	return p.String()
}

// Close releases the connector. It closes the database handle only when
// the connector opened it (Technology's Open); a handle passed to New
// stays open. It is safe to call more than once.
func (c *Connector) Close() error {
	c.closeOnce.Do(func() {
		if c.ownsDB {
			c.closeErr = c.db.Close()
		}
	})
	return c.closeErr
}
