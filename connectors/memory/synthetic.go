package memory

import (
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// Spec describes a synthetic platform: Databases databases of Schemas
// schemas of Tables tables of Columns columns each. Names are upper case
// and zero-padded so that name order is number order: databases
// "<Prefix>_DB_<n>", schemas "SCHEMA_<n>", tables "TABLE_<n>", columns
// "COL_<n>", counted from 0. Every tenth table (n ending in 9) is a view;
// the first column is NOT NULL, the others nullable; types cycle through
// a few Snowflake-like ones. Nothing has comments or tags.
type Spec struct {
	// Prefix starts every database name; empty means "SYN".
	Prefix    string
	Databases int
	Schemas   int // per database
	Tables    int // per schema, before churn
	Columns   int // per table, before churn
	// Seed selects which tables churn changes, and how.
	Seed uint64
}

// Limits of a Spec, so that a mistyped one fails instead of exhausting
// memory.
const (
	MaxSyntheticSchemas = 10_000_000 // Databases × Schemas
	MaxSyntheticTables  = 10_000_000 // Tables per schema
	MaxSyntheticColumns = 10_000     // Columns per table
)

// churnPeriod is the number of version steps between two changes of one
// table: each step changes about one table in churnPeriod.
const churnPeriod = 100

// Synthetic is the generated content [Platform.AddSynthetic] added to a
// platform. Its tables are produced on every listing, never stored: a
// platform of a million tables of ten columns costs a few kilobytes.
//
// # Churn
//
// The version (0 at first) changes the content deterministically. Each
// table is changed at one version step in every hundred (which ones
// depend on the Seed), so going from version v-1 to v changes about 1% of
// the tables, each in one of five ways, chosen at random with the same
// odds:
//
//   - the table is dropped;
//   - a column "COL_ADDED_V<v>" (VARCHAR(64), nullable) is added last;
//   - one column is dropped, the columns after it moving up;
//   - one column's type becomes "VARCHAR(<1000+v>)";
//   - a new table "<table>_V<v>", a copy of it, is added.
//
// A table's change replaces its previous one: a dropped table comes back,
// a new table of an earlier step disappears. Version 0 is the Spec as
// described, and any version can be set at any time: the content depends
// only on the Spec and the version.
type Synthetic struct {
	spec       Spec
	version    atomic.Int64
	tableNames []string
	template   []hierarchy.Column
}

// AddSynthetic adds the synthetic databases a Spec describes to p. A
// negative count or one above the limits gives an error matching
// connections.ErrInvalidInput; a database name p already has, one matching
// connections.ErrAlreadyExists. On error nothing is added.
func (p *Platform) AddSynthetic(spec Spec) (*Synthetic, error) {
	const op = "add synthetic"
	switch {
	case spec.Databases < 0 || spec.Schemas < 0 || spec.Tables < 0 || spec.Columns < 0:
		return nil, wrapOp(op, fail(connections.ErrInvalidInput, "spec has a negative count: %+v", spec))
	case spec.Databases > 0 && spec.Schemas > MaxSyntheticSchemas/spec.Databases:
		return nil, wrapOp(op, fail(connections.ErrInvalidInput, "%d databases × %d schemas is more than %d", spec.Databases, spec.Schemas, MaxSyntheticSchemas))
	case spec.Tables > MaxSyntheticTables:
		return nil, wrapOp(op, fail(connections.ErrInvalidInput, "%d tables per schema is more than %d", spec.Tables, MaxSyntheticTables))
	case spec.Columns > MaxSyntheticColumns:
		return nil, wrapOp(op, fail(connections.ErrInvalidInput, "%d columns per table is more than %d", spec.Columns, MaxSyntheticColumns))
	}
	if spec.Prefix == "" {
		spec.Prefix = "SYN"
	}
	s := &Synthetic{
		spec:       spec,
		tableNames: numbered("TABLE_", spec.Tables),
		template:   make([]hierarchy.Column, spec.Columns),
	}
	types := [...]string{"NUMBER(38,0)", "VARCHAR(256)", "TIMESTAMP_NTZ(9)", "BOOLEAN", "FLOAT", "DATE", "NUMBER(12,2)", "VARIANT"}
	for j, name := range numbered("COL_", spec.Columns) {
		s.template[j] = hierarchy.Column{Name: name, Type: types[j%len(types)], Position: j + 1, Nullable: j > 0}
	}
	dbNames := numbered(spec.Prefix+"_DB_", spec.Databases)
	schemaNames := numbered("SCHEMA_", spec.Schemas)

	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range dbNames {
		if _, ok := findByName(p.databases, n, dbName); ok {
			return nil, wrapOp(op, fail(connections.ErrAlreadyExists, "database %q exists", n))
		}
	}
	for d, n := range dbNames {
		db := &database{name: n, schemas: make([]*schema, len(schemaNames))}
		for i, sn := range schemaNames {
			base := mix(mix(spec.Seed^0x5eed) ^ uint64(d)<<32 ^ uint64(i))
			db.schemas[i] = &schema{name: sn, gen: func() []connectors.Table { return s.list(base) }}
		}
		i, _ := findByName(p.databases, n, dbName)
		p.databases = slices.Insert(p.databases, i, db)
	}
	return s, nil
}

// Spec returns the Spec, with the default Prefix filled in.
func (s *Synthetic) Spec() Spec { return s.spec }

// Version returns the churn version.
func (s *Synthetic) Version() int { return int(s.version.Load()) }

// SetVersion sets the churn version; listings from then on show it. A
// negative v means 0.
func (s *Synthetic) SetVersion(v int) { s.version.Store(int64(max(v, 0))) }

// numbered returns prefix+"0".."n-1", zero-padded to one width.
func numbered(prefix string, n int) []string {
	width := len(strconv.Itoa(max(n-1, 0)))
	out := make([]string, n)
	buf := make([]byte, 0, len(prefix)+width)
	for i := range out {
		buf = append(buf[:0], prefix...)
		for k := len(strconv.Itoa(i)); k < width; k++ {
			buf = append(buf, '0')
		}
		buf = strconv.AppendInt(buf, int64(i), 10)
		out[i] = string(buf)
	}
	return out
}

// mix is the splitmix64 finalizer: a cheap, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// The kinds of churn change of a table.
const (
	churnNone = iota
	churnDropTable
	churnAddColumn
	churnDropColumn
	churnRetype
	churnAddTable
	churnKinds = churnAddTable
)

// change returns how table i of the schema with hash base differs at
// version v: the kind, the version step that made it, and a hash to pick
// a column.
func (s *Synthetic) change(base uint64, i, v int) (kind, step int, h uint64) {
	if v <= 0 {
		return churnNone, 0, 0
	}
	key := mix(base + uint64(i))
	bucket := int(key % churnPeriod)
	step = v - ((v-bucket)%churnPeriod+churnPeriod)%churnPeriod // last step ≤ v in the bucket
	if step < 1 {
		return churnNone, 0, 0
	}
	h = mix(key ^ uint64(step)*0x9e3779b97f4a7c15)
	kind = 1 + int(h%churnKinds)
	if s.spec.Columns == 0 && (kind == churnDropColumn || kind == churnRetype) {
		kind = churnNone
	}
	return kind, step, h >> 8
}

// list produces a schema's tables at the current version in two passes:
// one to size the allocations, one to fill them. Columns of all tables
// share one backing array; each table's slice is capped so that appending
// to it copies.
func (s *Synthetic) list(base uint64) []connectors.Table {
	v := s.Version()
	nc := len(s.template)
	nTables, nCols := 0, 0
	for i := range s.tableNames {
		switch kind, _, _ := s.change(base, i, v); kind {
		case churnNone, churnRetype:
			nTables, nCols = nTables+1, nCols+nc
		case churnAddColumn:
			nTables, nCols = nTables+1, nCols+nc+1
		case churnDropColumn:
			nTables, nCols = nTables+1, nCols+nc-1
		case churnAddTable:
			nTables, nCols = nTables+2, nCols+2*nc
		}
	}
	tables := make([]connectors.Table, 0, nTables)
	cols := make([]hierarchy.Column, nCols)
	off := 0
	take := func(n int) []hierarchy.Column {
		c := cols[off : off+n : off+n]
		off += n
		return c
	}
	for i, name := range s.tableNames {
		kind, step, h := s.change(base, i, v)
		if kind == churnDropTable {
			continue
		}
		typ := hierarchy.TypeTable
		if i%10 == 9 {
			typ = hierarchy.TypeView
		}
		var c []hierarchy.Column
		switch kind {
		case churnAddColumn:
			c = take(nc + 1)
			copy(c, s.template)
			c[nc] = hierarchy.Column{Name: "COL_ADDED_V" + strconv.Itoa(step), Type: "VARCHAR(64)", Position: nc + 1, Nullable: true}
		case churnDropColumn:
			c = take(nc - 1)
			j := int(h % uint64(nc))
			copy(c, s.template[:j])
			copy(c[j:], s.template[j+1:])
			for k := j; k < len(c); k++ {
				c[k].Position = k + 1
			}
		default:
			c = take(nc)
			copy(c, s.template)
			if kind == churnRetype {
				c[h%uint64(nc)].Type = "VARCHAR(" + strconv.Itoa(1000+step) + ")"
			}
		}
		tables = append(tables, connectors.Table{Name: name, Type: typ, Columns: c})
		if kind == churnAddTable {
			c := take(nc)
			copy(c, s.template)
			tables = append(tables, connectors.Table{Name: name + "_V" + strconv.Itoa(step), Type: hierarchy.TypeTable, Columns: c})
		}
	}
	return tables
}
