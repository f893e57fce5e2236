package connectortest

import (
	"slices"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// Fixture is the content the suite expects a platform to hold: a few
// databases, schemas and tables with their columns and tags. The platform
// may hold more databases than these; the schemas and tables of a fixture
// database must be exactly these (with [Harness.ExtraSchemas]).
type Fixture struct {
	Databases []Database
}

// Database is a fixture database.
type Database struct {
	Name    string
	Comment string
	Schemas []Schema
}

// Schema is a fixture schema with its tables, each with its columns in
// position order (Positions 1..n), and the platform tags on its tables and
// columns.
type Schema struct {
	Name    string
	Comment string
	Tables  []connectors.Table
	Tags    []connectors.TagAssignment
}

// Column types the fixture uses, before [Harness.ColumnType] maps them.
const (
	TypeInteger   = "INTEGER"
	TypeVarchar10 = "VARCHAR(10)"
	TypeVarchar   = "VARCHAR(100)"
	TypeDecimal   = "DECIMAL(12,2)"
	TypeBoolean   = "BOOLEAN"
	TypeDate      = "DATE"
	TypeTimestamp = "TIMESTAMP"
)

// NewFixture returns a new copy of the standard fixture, before a
// harness's mappings:
//
//	ct_sales                      "Sales data"
//	  crm                         "Customer relationship management"
//	    customers                 TABLE "One row per customer"
//	    active_customers          VIEW
//	    customer_totals           MATERIALIZED_VIEW
//	  Mixed Case.Schema           `It's "hostile"`
//	    quote"double              TABLE
//	    CamelCase Table           TABLE
//	  empty                       (no tables)
//	ct.Hostile 'db'               (no comment)
//	  ünïcödé                     "Unicode names"
//	    日本語テーブル            TABLE
//
// Names carry periods, double and single quotes, spaces, mixed case,
// unicode and a backslash, but no two differ only in case, so that a
// case-folding platform can hold them. The columns of views are nullable
// and have no comments, as views on most platforms report them.
func NewFixture() Fixture {
	col := func(name, typ string, nullable bool, comment string) hierarchy.Column {
		return hierarchy.Column{Name: name, Type: typ, Nullable: nullable, Comment: comment}
	}
	return Fixture{Databases: []Database{
		{
			Name: "ct_sales", Comment: "Sales data",
			Schemas: []Schema{
				{
					Name: "crm", Comment: "Customer relationship management",
					Tables: numbered([]connectors.Table{
						{Name: "customers", Type: hierarchy.TypeTable, Comment: "One row per customer", Columns: []hierarchy.Column{
							col("id", TypeInteger, false, "Surrogate key"),
							col("name", TypeVarchar, true, ""),
							col("Email Address", TypeVarchar, true, "Contact e-mail"),
							col("created_at", TypeTimestamp, false, ""),
						}},
						{Name: "active_customers", Type: hierarchy.TypeView, Columns: []hierarchy.Column{
							col("id", TypeInteger, true, ""),
							col("name", TypeVarchar, true, ""),
						}},
						{Name: "customer_totals", Type: hierarchy.TypeMaterializedView, Columns: []hierarchy.Column{
							col("id", TypeInteger, true, ""),
							col("total", TypeDecimal, true, ""),
						}},
					}),
					Tags: []connectors.TagAssignment{
						{Table: "customers", Name: "owner", Value: "sales"},
						{Table: "customers", Column: "name", Name: "pii", Value: "name"},
						{Table: "customers", Column: "Email Address", Name: "pii", Value: "email"},
						{Table: "active_customers", Name: "certified"},
					},
				},
				{
					Name: "Mixed Case.Schema", Comment: `It's "hostile"`,
					Tables: numbered([]connectors.Table{
						{Name: `quote"double`, Type: hierarchy.TypeTable, Comment: `Has a " and a '`, Columns: []hierarchy.Column{
							col("it's", TypeVarchar10, true, "single quote"),
							col(`back\slash`, TypeInteger, false, ""),
							col("dot.col", TypeBoolean, true, ""),
						}},
						{Name: "CamelCase Table", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{
							col("ID", TypeInteger, false, ""),
							col("Value", TypeDecimal, true, "Amount, in EUR"),
						}},
					}),
					Tags: []connectors.TagAssignment{
						{Table: `quote"double`, Column: "it's", Name: "classification", Value: "internal"},
					},
				},
				{Name: "empty"},
			},
		},
		{
			Name: "ct.Hostile 'db'",
			Schemas: []Schema{
				{
					Name: "ünïcödé", Comment: "Unicode names",
					Tables: numbered([]connectors.Table{
						{Name: "日本語テーブル", Type: hierarchy.TypeTable, Comment: "テーブル", Columns: []hierarchy.Column{
							col("名前", TypeVarchar, false, "氏名"),
							col("straße", TypeDate, true, ""),
							col("emoji_🙂", TypeBoolean, true, ""),
						}},
					}),
				},
			},
		},
	}}
}

// numbered sets the columns' Positions to 1..n.
func numbered(tables []connectors.Table) []connectors.Table {
	for _, t := range tables {
		for i := range t.Columns {
			t.Columns[i].Position = i + 1
		}
	}
	return tables
}

// Clone returns a deep copy of f.
func (f Fixture) Clone() Fixture {
	out := Fixture{Databases: slices.Clone(f.Databases)}
	for i, d := range out.Databases {
		d.Schemas = slices.Clone(d.Schemas)
		for j, s := range d.Schemas {
			s.Tables = cloneTables(s.Tables)
			s.Tags = slices.Clone(s.Tags)
			d.Schemas[j] = s
		}
		out.Databases[i] = d
	}
	return out
}

func cloneTables(tables []connectors.Table) []connectors.Table {
	out := slices.Clone(tables)
	for i := range out {
		out[i].Columns = slices.Clone(out[i].Columns)
	}
	return out
}
