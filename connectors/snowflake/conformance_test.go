package snowflake_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/connectors/snowflake"
	"github.com/govkit/connections/hierarchy"
)

// Fixture column types as Snowflake's INFORMATION_SCHEMA reports them, and
// as the connector renders them.
var snowflakeTypes = map[string]struct {
	column   fakeColumn
	rendered string
}{
	connectortest.TypeInteger:   {fakeColumn{dataType: "NUMBER", precision: int64(38), scale: int64(0)}, "NUMBER(38,0)"},
	connectortest.TypeVarchar10: {fakeColumn{dataType: "TEXT", length: int64(10)}, "TEXT(10)"},
	connectortest.TypeVarchar:   {fakeColumn{dataType: "TEXT", length: int64(100)}, "TEXT(100)"},
	connectortest.TypeDecimal:   {fakeColumn{dataType: "NUMBER", precision: int64(12), scale: int64(2)}, "NUMBER(12,2)"},
	connectortest.TypeBoolean:   {fakeColumn{dataType: "BOOLEAN"}, "BOOLEAN"},
	connectortest.TypeDate:      {fakeColumn{dataType: "DATE"}, "DATE"},
	connectortest.TypeTimestamp: {fakeColumn{dataType: "TIMESTAMP_NTZ", dtPrecison: int64(9)}, "TIMESTAMP_NTZ(9)"},
}

// Tags of the fixture live in one tag schema, as Snowflake tags are
// schema objects; the connector qualifies their names with it.
const tagPrefix = "GOVERNANCE.TAGS."

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// byRendered returns the INFORMATION_SCHEMA column of a rendered type:
// the harness gets the fixture after its ColumnType mapping.
func byRendered(rendered string) (fakeColumn, bool) {
	for _, st := range snowflakeTypes {
		if st.rendered == rendered {
			return st.column, true
		}
	}
	return fakeColumn{}, false
}

// loadFixture builds a fake account holding f, plus what every Snowflake
// account and database has: the imported SNOWFLAKE database (skipped),
// PUBLIC and INFORMATION_SCHEMA schemas (the latter skipped).
func loadFixture(t *testing.T, f connectortest.Fixture) *fakeAccount {
	t.Helper()
	a := &fakeAccount{org: "MYORG", account: "CONFORMANCE", warehouse: "COMPUTE_WH", password: "conformance-Pa55"}
	a.databases = append(a.databases, &fakeDatabase{name: "SNOWFLAKE", kind: "IMPORTED DATABASE"})
	for _, d := range f.Databases {
		fd := &fakeDatabase{name: d.Name, comment: nullable(d.Comment), schemas: []*fakeSchema{
			{name: "INFORMATION_SCHEMA", comment: "Views describing the contents of schemas in this database",
				objects: []fakeObject{{name: "COLUMNS", view: true, columns: []fakeColumn{{name: "TABLE_NAME", dataType: "TEXT"}}}}},
			{name: "PUBLIC"},
		}}
		for _, s := range d.Schemas {
			fs := &fakeSchema{name: s.Name, comment: nullable(s.Comment)}
			for _, tb := range s.Tables {
				o := fakeObject{name: tb.Name, comment: nullable(tb.Comment)}
				switch tb.Type {
				case hierarchy.TypeTable:
				case hierarchy.TypeView:
					o.view = true
				case hierarchy.TypeMaterializedView:
					o.view, o.materialized = true, true
				default:
					t.Fatalf("fixture table type %q", tb.Type)
				}
				for _, c := range tb.Columns {
					fc, ok := byRendered(c.Type)
					if !ok {
						t.Fatalf("fixture column type %q", c.Type)
					}
					fc.name, fc.nullable, fc.comment = c.Name, c.Nullable, nullable(c.Comment)
					o.columns = append(o.columns, fc)
				}
				fs.objects = append(fs.objects, o)
			}
			for _, g := range s.Tags {
				fs.tags = append(fs.tags, fakeTag{tagDatabase: "GOVERNANCE", tagSchema: "TAGS", name: g.Name, value: nullable(g.Value), object: g.Table, column: g.Column})
			}
			fd.schemas = append(fd.schemas, fs)
		}
		a.databases = append(a.databases, fd)
	}
	return a
}

// unqualified maps the connector's qualified tag names back to the
// fixture's, the harness's side of the tag schema it chose.
type unqualified struct{ *snowflake.Connector }

func (u unqualified) Tags(ctx context.Context, database, schema string) ([]connectors.TagAssignment, error) {
	tags, err := u.Connector.Tags(ctx, database, schema)
	for i := range tags {
		name, ok := strings.CutPrefix(tags[i].Name, tagPrefix)
		if !ok {
			return nil, fmt.Errorf("tag name %q is not qualified with %s", tags[i].Name, tagPrefix)
		}
		tags[i].Name = name
	}
	return tags, err
}

func TestConformance(t *testing.T) {
	open := func(password string) func(t *testing.T, f connectortest.Fixture) connectors.Connector {
		return func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			a := loadFixture(t, f)
			db := a.db(password)
			t.Cleanup(func() { _ = db.Close() })
			// Pages of two rows exercise paging on every level.
			c, err := snowflake.New(db, &snowflake.Options{PageSize: 2, Redact: []string{password}})
			if err != nil {
				t.Fatal(err)
			}
			return unqualified{c}
		}
	}
	connectortest.Run(t, connectortest.Harness{
		Open:               open("conformance-Pa55"),
		OpenBadCredentials: open("wrong-Pa55-word"),
		HostName:           "MYORG-CONFORMANCE",
		ColumnType:         func(typ string) string { return snowflakeTypes[typ].rendered },
		ExtraSchemas:       []string{"PUBLIC"},
		Tags:               true,
		Secrets:            []string{"conformance-Pa55", "wrong-Pa55-word"},
	})
}
