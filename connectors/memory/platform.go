package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// HostType is the Type of the [connectors.Host] a memory connector reports.
const HostType = "PLATFORM"

// Platform is an in-memory data platform. Create one with [NewPlatform];
// the zero value is an empty platform with an empty name. Every method is
// safe for concurrent use, also while connectors list the platform.
//
// Scripting methods name objects by database, schema, table and column
// name. A name that does not exist gives an error matching
// connections.ErrNotFound, a name already taken one matching
// connections.ErrAlreadyExists, an empty name one matching
// connections.ErrInvalidInput, and a change to the tables of a generated
// schema one matching connections.ErrUnsupported. A failed call changes
// nothing. When a schema holds several tables of one name (see
// [Platform.AddDuplicate]), [Platform.DropTable] drops them all and the
// other methods change the first one added.
type Platform struct {
	name string

	mu        sync.RWMutex
	databases []*database // ordered by name

	ctl       sync.Mutex // guards the fields below
	creds     connectors.Credentials
	tagCreds  connectors.Credentials
	needCreds bool
	needTag   bool
	faults    []*fault
	latency   time.Duration
	latencies map[scope]time.Duration
	hook      func(ctx context.Context, c Call) error
	calls     map[Method]int
}

type database struct {
	name, comment string
	schemas       []*schema // ordered by name
}

type schema struct {
	name, comment string
	tables        []*table // ordered by name; equal names in the order added
	gen           func() []connectors.Table
}

type table struct {
	name, typ, comment string
	columns            []*column
	tags               []tag // ordered by name
}

type column struct {
	name, typ, comment string
	nullable           bool
	tags               []tag // ordered by name
}

type tag struct{ name, value string }

// NewPlatform returns an empty platform whose host is called name.
func NewPlatform(name string) *Platform {
	return &Platform{name: name}
}

// Name returns the platform's name, the Name of its [connectors.Host].
func (p *Platform) Name() string { return p.name }

// fail returns an error "<detail>: <sentinel>".
func fail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)
}

// wrapOp returns err as "memory: <op>: <err>", or nil.
func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("memory: %s: %w", op, err)
}

func checkName(what, name string) error {
	if name == "" {
		return fail(connections.ErrInvalidInput, "%s name is empty", what)
	}
	return nil
}

// findByName returns the index of the first element named name in a slice
// ordered by name, and whether there is one.
func findByName[T any](s []T, name string, nameOf func(T) string) (int, bool) {
	i := sort.Search(len(s), func(i int) bool { return nameOf(s[i]) >= name })
	return i, i < len(s) && nameOf(s[i]) == name
}

func dbName(d *database) string   { return d.name }
func schemaName(s *schema) string { return s.name }
func tableName(t *table) string   { return t.name }

// database returns the database named name; p.mu must be held.
func (p *Platform) database(name string) (*database, error) {
	if i, ok := findByName(p.databases, name, dbName); ok {
		return p.databases[i], nil
	}
	return nil, fail(connections.ErrNotFound, "database %q does not exist", name)
}

// schema returns the schema; p.mu must be held.
func (p *Platform) schema(db, name string) (*schema, error) {
	d, err := p.database(db)
	if err != nil {
		return nil, err
	}
	if i, ok := findByName(d.schemas, name, schemaName); ok {
		return d.schemas[i], nil
	}
	return nil, fail(connections.ErrNotFound, "database %q has no schema %q", db, name)
}

// scripted returns a schema whose tables may be scripted; p.mu must be held.
func (p *Platform) scripted(db, name string) (*schema, error) {
	s, err := p.schema(db, name)
	if err != nil {
		return nil, err
	}
	if s.gen != nil {
		return nil, fail(connections.ErrUnsupported, "schema %q of database %q is generated; its tables cannot be scripted", name, db)
	}
	return s, nil
}

// table returns the schema and the index of its first table named name;
// p.mu must be held.
func (p *Platform) table(db, sc, name string) (*schema, int, error) {
	s, err := p.scripted(db, sc)
	if err != nil {
		return nil, 0, err
	}
	i, ok := findByName(s.tables, name, tableName)
	if !ok {
		return nil, 0, fail(connections.ErrNotFound, "schema %q of database %q has no table %q", sc, db, name)
	}
	return s, i, nil
}

// AddDatabase adds an empty database.
func (p *Platform) AddDatabase(name, comment string) error {
	return wrapOp("add database", p.addDatabase(name, comment))
}

func (p *Platform) addDatabase(name, comment string) error {
	if err := checkName("database", name); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok := findByName(p.databases, name, dbName)
	if ok {
		return fail(connections.ErrAlreadyExists, "database %q exists", name)
	}
	p.databases = slices.Insert(p.databases, i, &database{name: name, comment: comment})
	return nil
}

// DropDatabase drops a database and everything in it.
func (p *Platform) DropDatabase(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok := findByName(p.databases, name, dbName)
	if !ok {
		return wrapOp("drop database", fail(connections.ErrNotFound, "database %q does not exist", name))
	}
	p.databases = slices.Delete(p.databases, i, i+1)
	return nil
}

// SetDatabaseComment replaces a database's comment.
func (p *Platform) SetDatabaseComment(name, comment string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.database(name)
	if err != nil {
		return wrapOp("set database comment", err)
	}
	d.comment = comment
	return nil
}

// AddSchema adds an empty schema to a database.
func (p *Platform) AddSchema(db, name, comment string) error {
	return wrapOp("add schema", p.addSchema(db, &schema{name: name, comment: comment}))
}

// AddGeneratedSchema adds a schema whose tables gen produces on every
// listing, for platforms too large to hold in memory. gen must be safe for
// concurrent use and return fresh values it does not keep, ordered by name
// (the listing sorts them otherwise, which costs time) with columns
// ordered by position. The tables of a generated schema cannot be
// scripted, and carry no tags.
func (p *Platform) AddGeneratedSchema(db, name string, gen func() []connectors.Table) error {
	if gen == nil {
		return wrapOp("add generated schema", fail(connections.ErrInvalidInput, "schema %q of database %q: gen is nil", name, db))
	}
	return wrapOp("add generated schema", p.addSchema(db, &schema{name: name, gen: gen}))
}

func (p *Platform) addSchema(db string, s *schema) error {
	if err := checkName("schema", s.name); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.database(db)
	if err != nil {
		return err
	}
	i, ok := findByName(d.schemas, s.name, schemaName)
	if ok {
		return fail(connections.ErrAlreadyExists, "database %q already has a schema %q", db, s.name)
	}
	d.schemas = slices.Insert(d.schemas, i, s)
	return nil
}

// DropSchema drops a schema and its tables.
func (p *Platform) DropSchema(db, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, err := p.database(db)
	if err != nil {
		return wrapOp("drop schema", err)
	}
	i, ok := findByName(d.schemas, name, schemaName)
	if !ok {
		return wrapOp("drop schema", fail(connections.ErrNotFound, "database %q has no schema %q", db, name))
	}
	d.schemas = slices.Delete(d.schemas, i, i+1)
	return nil
}

// SetSchemaComment replaces a schema's comment.
func (p *Platform) SetSchemaComment(db, name, comment string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.schema(db, name)
	if err != nil {
		return wrapOp("set schema comment", err)
	}
	s.comment = comment
	return nil
}

// AddTable adds a table to a schema. An empty Type means
// hierarchy.TypeTable. Columns are taken in the order of their Position
// when any is set, in slice order otherwise, and numbered 1..n; their Tags
// are ignored (see [Platform.SetColumnTag]). A name taken in the schema
// gives an error matching connections.ErrAlreadyExists.
func (p *Platform) AddTable(db, sc string, t connectors.Table) error {
	return wrapOp("add table", p.addTable(db, sc, t, false))
}

// AddDuplicate adds a table as AddTable does, even if the schema already
// has a table of that name: real platforms can list two objects of one
// name (a table and a view, or names that differ only in case read through
// a case-folding interface), and a sync must report them. Listings give
// tables of one name in the order they were added.
func (p *Platform) AddDuplicate(db, sc string, t connectors.Table) error {
	return wrapOp("add duplicate", p.addTable(db, sc, t, true))
}

func (p *Platform) addTable(db, sc string, t connectors.Table, dup bool) error {
	if err := checkName("table", t.Name); err != nil {
		return err
	}
	nt, err := newTable(t)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.scripted(db, sc)
	if err != nil {
		return err
	}
	if _, ok := findByName(s.tables, t.Name, tableName); ok && !dup {
		return fail(connections.ErrAlreadyExists, "schema %q of database %q already has a table %q (AddDuplicate adds a second one)", sc, db, t.Name)
	}
	s.insert(nt)
	return nil
}

// insert adds t after every table of its name or a smaller one.
func (s *schema) insert(t *table) {
	i := sort.Search(len(s.tables), func(i int) bool { return s.tables[i].name > t.name })
	s.tables = slices.Insert(s.tables, i, t)
}

func newTable(t connectors.Table) (*table, error) {
	typ := t.Type
	if typ == "" {
		typ = hierarchy.TypeTable
	}
	cols := slices.Clone(t.Columns)
	if slices.ContainsFunc(cols, func(c hierarchy.Column) bool { return c.Position != 0 }) {
		slices.SortStableFunc(cols, func(a, b hierarchy.Column) int { return cmp.Compare(a.Position, b.Position) })
	}
	nt := &table{name: t.Name, typ: typ, comment: t.Comment, columns: make([]*column, len(cols))}
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return nil, fail(connections.ErrInvalidInput, "table %q: column %d has an empty name", t.Name, i+1)
		}
		if seen[c.Name] {
			return nil, fail(connections.ErrInvalidInput, "table %q: column %q appears twice", t.Name, c.Name)
		}
		seen[c.Name] = true
		nt.columns[i] = &column{name: c.Name, typ: c.Type, comment: c.Comment, nullable: c.Nullable}
	}
	return nt, nil
}

// DropTable drops every table of the name from a schema.
func (p *Platform) DropTable(db, sc, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, i, err := p.table(db, sc, name)
	if err != nil {
		return wrapOp("drop table", err)
	}
	j := i
	for j < len(s.tables) && s.tables[j].name == name {
		j++
	}
	s.tables = slices.Delete(s.tables, i, j)
	return nil
}

// RenameTable renames a table. A new name already taken in the schema
// gives an error matching connections.ErrAlreadyExists.
func (p *Platform) RenameTable(db, sc, name, newName string) error {
	return wrapOp("rename table", p.renameTable(db, sc, name, newName))
}

func (p *Platform) renameTable(db, sc, name, newName string) error {
	if err := checkName("new table", newName); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, i, err := p.table(db, sc, name)
	if err != nil {
		return err
	}
	if newName == name {
		return nil
	}
	if _, ok := findByName(s.tables, newName, tableName); ok {
		return fail(connections.ErrAlreadyExists, "schema %q of database %q already has a table %q", sc, db, newName)
	}
	t := s.tables[i]
	s.tables = slices.Delete(s.tables, i, i+1)
	t.name = newName
	s.insert(t)
	return nil
}

// SetTableType changes a table's type, such as hierarchy.TypeView; empty
// means hierarchy.TypeTable.
func (p *Platform) SetTableType(db, sc, name, typ string) error {
	if typ == "" {
		typ = hierarchy.TypeTable
	}
	return p.updateTable("set table type", db, sc, name, func(t *table) error { t.typ = typ; return nil })
}

// SetTableComment replaces a table's comment.
func (p *Platform) SetTableComment(db, sc, name, comment string) error {
	return p.updateTable("set table comment", db, sc, name, func(t *table) error { t.comment = comment; return nil })
}

// updateTable runs fn on the first table of the name under the lock, and
// wraps any error with op.
func (p *Platform) updateTable(op, db, sc, name string, fn func(*table) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, i, err := p.table(db, sc, name)
	if err == nil {
		err = fn(s.tables[i])
	}
	return wrapOp(op, err)
}

// updateColumn runs fn on a column under the lock, and wraps any error
// with op.
func (p *Platform) updateColumn(op, db, sc, tbl, name string, fn func(t *table, i int) error) error {
	return p.updateTable(op, db, sc, tbl, func(t *table) error {
		i := slices.IndexFunc(t.columns, func(c *column) bool { return c.name == name })
		if i < 0 {
			return fail(connections.ErrNotFound, "table %q of schema %q of database %q has no column %q", tbl, sc, db, name)
		}
		return fn(t, i)
	})
}

// AddColumn adds a column to a table. A Position of 0 appends it; 1 to
// n+1 inserts it there, moving the columns from that position one down.
// Its Tags are ignored.
func (p *Platform) AddColumn(db, sc, tbl string, c hierarchy.Column) error {
	const op = "add column"
	if err := checkName("column", c.Name); err != nil {
		return wrapOp(op, err)
	}
	return p.updateTable(op, db, sc, tbl, func(t *table) error {
		if slices.ContainsFunc(t.columns, func(x *column) bool { return x.name == c.Name }) {
			return fail(connections.ErrAlreadyExists, "table %q already has a column %q", tbl, c.Name)
		}
		at := c.Position - 1
		if c.Position == 0 {
			at = len(t.columns)
		}
		if at < 0 || at > len(t.columns) {
			return fail(connections.ErrInvalidInput, "column %q: position %d is outside 1..%d of table %q", c.Name, c.Position, len(t.columns)+1, tbl)
		}
		t.columns = slices.Insert(t.columns, at, &column{name: c.Name, typ: c.Type, comment: c.Comment, nullable: c.Nullable})
		return nil
	})
}

// DropColumn drops a column; the columns after it move up.
func (p *Platform) DropColumn(db, sc, tbl, name string) error {
	return p.updateColumn("drop column", db, sc, tbl, name, func(t *table, i int) error {
		t.columns = slices.Delete(t.columns, i, i+1)
		return nil
	})
}

// RenameColumn renames a column. A new name the table already has gives
// an error matching connections.ErrAlreadyExists.
func (p *Platform) RenameColumn(db, sc, tbl, name, newName string) error {
	const op = "rename column"
	if err := checkName("new column", newName); err != nil {
		return wrapOp(op, err)
	}
	return p.updateColumn(op, db, sc, tbl, name, func(t *table, i int) error {
		for j, c := range t.columns {
			if c.name == newName && j != i {
				return fail(connections.ErrAlreadyExists, "table %q already has a column %q", tbl, newName)
			}
		}
		t.columns[i].name = newName
		return nil
	})
}

// SetColumnType changes a column's type text.
func (p *Platform) SetColumnType(db, sc, tbl, name, typ string) error {
	return p.updateColumn("set column type", db, sc, tbl, name, func(t *table, i int) error {
		t.columns[i].typ = typ
		return nil
	})
}

// SetColumnNullable changes whether a column accepts NULL.
func (p *Platform) SetColumnNullable(db, sc, tbl, name string, nullable bool) error {
	return p.updateColumn("set column nullable", db, sc, tbl, name, func(t *table, i int) error {
		t.columns[i].nullable = nullable
		return nil
	})
}

// SetColumnComment replaces a column's comment.
func (p *Platform) SetColumnComment(db, sc, tbl, name, comment string) error {
	return p.updateColumn("set column comment", db, sc, tbl, name, func(t *table, i int) error {
		t.columns[i].comment = comment
		return nil
	})
}

// ReorderColumns puts a table's columns in the order names gives, which
// must name every column of the table once.
func (p *Platform) ReorderColumns(db, sc, tbl string, names ...string) error {
	return p.updateTable("reorder columns", db, sc, tbl, func(t *table) error {
		if len(names) != len(t.columns) {
			return fail(connections.ErrInvalidInput, "table %q has %d columns, %d names given", tbl, len(t.columns), len(names))
		}
		byName := make(map[string]*column, len(t.columns))
		for _, c := range t.columns {
			byName[c.name] = c
		}
		cols := make([]*column, len(names))
		for i, n := range names {
			c, ok := byName[n]
			if !ok {
				return fail(connections.ErrInvalidInput, "table %q has no column %q, or it is named twice", tbl, n)
			}
			delete(byName, n)
			cols[i] = c
		}
		t.columns = cols
		return nil
	})
}

// SetTableTag sets a platform tag on a table, replacing the value of a tag
// of that name.
func (p *Platform) SetTableTag(db, sc, tbl, name, value string) error {
	const op = "set table tag"
	if err := checkName("tag", name); err != nil {
		return wrapOp(op, err)
	}
	return p.updateTable(op, db, sc, tbl, func(t *table) error {
		t.tags = setTag(t.tags, name, value)
		return nil
	})
}

// ClearTableTag removes a platform tag from a table.
func (p *Platform) ClearTableTag(db, sc, tbl, name string) error {
	return p.updateTable("clear table tag", db, sc, tbl, func(t *table) error {
		tags, ok := clearTag(t.tags, name)
		if !ok {
			return fail(connections.ErrNotFound, "table %q has no tag %q", tbl, name)
		}
		t.tags = tags
		return nil
	})
}

// SetColumnTag sets a platform tag on a column, replacing the value of a
// tag of that name.
func (p *Platform) SetColumnTag(db, sc, tbl, col, name, value string) error {
	const op = "set column tag"
	if err := checkName("tag", name); err != nil {
		return wrapOp(op, err)
	}
	return p.updateColumn(op, db, sc, tbl, col, func(t *table, i int) error {
		t.columns[i].tags = setTag(t.columns[i].tags, name, value)
		return nil
	})
}

// ClearColumnTag removes a platform tag from a column.
func (p *Platform) ClearColumnTag(db, sc, tbl, col, name string) error {
	return p.updateColumn("clear column tag", db, sc, tbl, col, func(t *table, i int) error {
		tags, ok := clearTag(t.columns[i].tags, name)
		if !ok {
			return fail(connections.ErrNotFound, "column %q of table %q has no tag %q", col, tbl, name)
		}
		t.columns[i].tags = tags
		return nil
	})
}

func tagName(t tag) string { return t.name }

func setTag(tags []tag, name, value string) []tag {
	i, ok := findByName(tags, name, tagName)
	if ok {
		tags[i].value = value
		return tags
	}
	return slices.Insert(tags, i, tag{name: name, value: value})
}

func clearTag(tags []tag, name string) ([]tag, bool) {
	i, ok := findByName(tags, name, tagName)
	if !ok {
		return tags, false
	}
	return slices.Delete(tags, i, i+1), true
}
