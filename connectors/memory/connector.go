package memory

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// Technology returns the technology "memory" (display name "Memory",
// levels Platform, Database, Schema, Table; impersonation supported,
// project workspaces not), whose Open ignores the Config and returns a
// connector on p opened with the credentials given.
func (p *Platform) Technology() connectors.Technology {
	return connectors.Technology{
		Name:          "memory",
		DisplayName:   "Memory",
		Levels:        [4]string{"Platform", "Database", "Schema", "Table"},
		Impersonation: true,
		Open: func(ctx context.Context, _ connectors.Config, creds connectors.Credentials) (connectors.Connector, error) {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("memory: open connector on platform %q: %w", p.name, err)
			}
			return p.Connector(creds), nil
		},
	}
}

// Connector reads a [Platform]. It implements [connectors.Connector],
// [connectors.TagReader] and [connectors.DatabaseLister], and is safe for
// concurrent use. Calls after Close fail with an error matching
// [ErrClosed].
type Connector struct {
	p      *Platform
	creds  connectors.Credentials
	closed atomic.Bool
}

var (
	_ connectors.Connector      = (*Connector)(nil)
	_ connectors.TagReader      = (*Connector)(nil)
	_ connectors.DatabaseLister = (*Connector)(nil)
)

// Connector returns a connector on p opened with creds, which it copies;
// nil is no credentials.
func (p *Platform) Connector(creds connectors.Credentials) *Connector {
	return &Connector{p: p, creds: maps.Clone(creds)}
}

// String describes the connector by its platform's name, never by its
// credentials (B7).
func (c *Connector) String() string {
	if c == nil || c.p == nil {
		return "memory.Connector{}"
	}
	return fmt.Sprintf("memory.Connector{platform: %q}", c.p.name)
}

// Format implements fmt.Formatter so that every verb, and loggers that
// print values with fmt (such as slog's text handler), print String and
// never the credentials the connector holds (B7).
func (c *Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// Close closes the connector. It always returns nil, also when called
// again.
func (c *Connector) Close() error {
	c.closed.Store(true)
	return nil
}

// callError wraps err with the call: "memory: Tables("db", "s"): err".
func callError(call Call, err error) error {
	return fmt.Errorf("memory: %s: %w", call, err)
}

// begin runs the steps every call goes through before it reads data.
func (c *Connector) begin(ctx context.Context, call Call) error {
	return c.enter(ctx, call, false)
}

func (c *Connector) enter(ctx context.Context, call Call, step bool) error {
	p := c.p
	latency, hook := p.control(call, step)
	if c.closed.Load() {
		return callError(call, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return callError(call, err)
	}
	if err := sleep(ctx, latency); err != nil {
		return callError(call, err)
	}
	if hook != nil {
		if err := hook(ctx, call); err != nil {
			return callError(call, err)
		}
	}
	if err := p.fault(call, step); err != nil {
		return callError(call, err)
	}
	if !step {
		if err := p.authorize(call.Method, c.creds); err != nil {
			return callError(call, err)
		}
	}
	return nil
}

// Host returns the platform's name, with Type [HostType].
func (c *Connector) Host(ctx context.Context) (connectors.Host, error) {
	if err := c.begin(ctx, Call{Method: MethodHost}); err != nil {
		return connectors.Host{}, err
	}
	return connectors.Host{Name: c.p.name, Type: HostType}, nil
}

// Check succeeds when the platform accepts the connector's credentials.
func (c *Connector) Check(ctx context.Context) error {
	return c.begin(ctx, Call{Method: MethodCheck})
}

// Databases lists the databases, ordered by name, with Type
// hierarchy.TypeDatabase.
func (c *Connector) Databases(ctx context.Context) ([]connectors.Database, error) {
	if err := c.begin(ctx, Call{Method: MethodDatabases}); err != nil {
		return nil, err
	}
	p := c.p
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]connectors.Database, len(p.databases))
	for i, d := range p.databases {
		out[i] = connectors.Database{Name: d.name, Type: hierarchy.TypeDatabase, Comment: d.comment}
	}
	return out, nil
}

// Schemas lists the schemas of a database, ordered by name. A missing
// database gives an error matching connections.ErrNotFound.
func (c *Connector) Schemas(ctx context.Context, database string) ([]connectors.Schema, error) {
	call := Call{Method: MethodSchemas, Database: database}
	if err := c.begin(ctx, call); err != nil {
		return nil, err
	}
	p := c.p
	p.mu.RLock()
	defer p.mu.RUnlock()
	d, err := p.database(database)
	if err != nil {
		return nil, callError(call, err)
	}
	out := make([]connectors.Schema, len(d.schemas))
	for i, s := range d.schemas {
		out[i] = connectors.Schema{Name: s.name, Comment: s.comment}
	}
	return out, nil
}

// Tables lists the tables of a schema, ordered by name, each with its
// columns ordered by position. A missing database or schema gives an
// error matching connections.ErrNotFound.
func (c *Connector) Tables(ctx context.Context, database, schema string) ([]connectors.Table, error) {
	call := Call{Method: MethodTables, Database: database, Schema: schema}
	if err := c.begin(ctx, call); err != nil {
		return nil, err
	}
	tables, err := c.p.tables(database, schema)
	if err != nil {
		return nil, callError(call, err)
	}
	return tables, nil
}

// tables lists a schema's tables: copies of scripted ones, or the output
// of a generated schema's function, which runs without the lock held.
func (p *Platform) tables(database, schema string) ([]connectors.Table, error) {
	p.mu.RLock()
	s, err := p.schema(database, schema)
	if err != nil {
		p.mu.RUnlock()
		return nil, err
	}
	if gen := s.gen; gen != nil {
		p.mu.RUnlock()
		tables := gen()
		if !slices.IsSortedFunc(tables, byTableName) {
			slices.SortStableFunc(tables, byTableName)
		}
		return tables, nil
	}
	defer p.mu.RUnlock()
	return s.export(), nil
}

func byTableName(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) }

// export copies a scripted schema's tables, their columns in one
// allocation, each table's slice capped so that appending to it copies.
func (s *schema) export() []connectors.Table {
	n := 0
	for _, t := range s.tables {
		n += len(t.columns)
	}
	cols := make([]hierarchy.Column, n)
	out := make([]connectors.Table, len(s.tables))
	off := 0
	for i, t := range s.tables {
		tc := cols[off : off+len(t.columns) : off+len(t.columns)]
		off += len(t.columns)
		for j, c := range t.columns {
			tc[j] = hierarchy.Column{Name: c.name, Type: c.typ, Position: j + 1, Nullable: c.nullable, Comment: c.comment}
		}
		out[i] = connectors.Table{Name: t.name, Type: t.typ, Comment: t.comment, Columns: tc}
	}
	return out
}

// Tags lists the platform tags on the tables of a schema and on their
// columns: table by table in listing order, a table's own tags first, then
// its columns' in position order, each object's tags ordered by name.
// Generated schemas have none. A missing database or schema gives an
// error matching connections.ErrNotFound. It checks the credentials of
// RequireTagCredentials when they are set.
func (c *Connector) Tags(ctx context.Context, database, schema string) ([]connectors.TagAssignment, error) {
	call := Call{Method: MethodTags, Database: database, Schema: schema}
	if err := c.begin(ctx, call); err != nil {
		return nil, err
	}
	p := c.p
	p.mu.RLock()
	defer p.mu.RUnlock()
	s, err := p.schema(database, schema)
	if err != nil {
		return nil, callError(call, err)
	}
	var out []connectors.TagAssignment
	for _, t := range s.tables {
		for _, g := range t.tags {
			out = append(out, connectors.TagAssignment{Table: t.name, Name: g.name, Value: g.value})
		}
		for _, col := range t.columns {
			for _, g := range col.tags {
				out = append(out, connectors.TagAssignment{Table: t.name, Column: col.name, Name: g.name, Value: g.value})
			}
		}
	}
	return out, nil
}

// DatabaseTables calls fn with the tables of each schema of the database
// that has any, schemas in name order, as Tables lists them; see [Call]
// for how faults, latency and the hook apply to its steps. A schema
// dropped while the listing runs is skipped. A missing database gives an
// error matching connections.ErrNotFound; an error from fn is returned as
// it is.
func (c *Connector) DatabaseTables(ctx context.Context, database string, fn func(schema string, tables []connectors.Table) error) error {
	call := Call{Method: MethodDatabaseTables, Database: database}
	if err := c.begin(ctx, call); err != nil {
		return err
	}
	p := c.p
	p.mu.RLock()
	d, err := p.database(database)
	var names []string
	if err == nil {
		names = make([]string, len(d.schemas))
		for i, s := range d.schemas {
			names[i] = s.name
		}
	}
	p.mu.RUnlock()
	if err != nil {
		return callError(call, err)
	}
	for _, name := range names {
		step := Call{Method: MethodDatabaseTables, Database: database, Schema: name}
		if err := c.enter(ctx, step, true); err != nil {
			return err
		}
		tables, err := p.tables(database, name)
		if err != nil || len(tables) == 0 {
			continue // dropped meanwhile, or empty
		}
		if err := fn(name, tables); err != nil {
			return err
		}
	}
	return nil
}
