package databricks

import (
	"strings"
	"sync"
	"testing"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/hierarchy"
)

// Databricks type_text and type_name for the suite's column types.
var ucTypes = map[string][2]string{
	connectortest.TypeInteger:   {"int", "INT"},
	connectortest.TypeVarchar10: {"varchar(10)", "STRING"},
	connectortest.TypeVarchar:   {"varchar(100)", "STRING"},
	connectortest.TypeDecimal:   {"decimal(12,2)", "DECIMAL"},
	connectortest.TypeBoolean:   {"boolean", "BOOLEAN"},
	connectortest.TypeDate:      {"date", "DATE"},
	connectortest.TypeTimestamp: {"timestamp", "TIMESTAMP"},
}

// ucTableTypes maps the suite's table types to a table_type the fake
// serves.
var ucTableTypes = map[string]string{
	hierarchy.TypeTable:            "MANAGED",
	hierarchy.TypeView:             "VIEW",
	hierarchy.TypeMaterializedView: "MATERIALIZED_VIEW",
}

// specFromFixture lays the suite's fixture out as the Unity Catalog API
// would serve it, with what a real metastore adds: the system catalog,
// and a default schema and an information_schema in every catalog. (Real
// Unity Catalog also folds catalog, schema and table names to lower case
// and refuses periods, spaces and slashes in them; the fake keeps names as
// given, which the connector handles the same way.)
func specFromFixture(t *testing.T, f connectortest.Fixture) specFixture {
	t.Helper()
	out := specFixture{
		MetastoreSummary: specMetastoreSummary{MetastoreID: "ms-conformance", Name: "conformance-metastore", Cloud: "aws", Region: "eu-west-1"},
		Catalogs:         []specCatalogInfo{{Name: "system", CatalogType: catalogTypeSystem}},
	}
	full := func(names ...string) string { return strings.Join(names, ".") }
	for _, d := range f.Databases {
		out.Catalogs = append(out.Catalogs, specCatalogInfo{Name: d.Name, Comment: d.Comment, CatalogType: "MANAGED_CATALOG", FullName: d.Name})
		out.Schemas = append(out.Schemas,
			specSchemaInfo{Name: "default", CatalogName: d.Name, FullName: full(d.Name, "default")},
			specSchemaInfo{Name: informationSchema, CatalogName: d.Name, FullName: full(d.Name, informationSchema)})
		for _, s := range d.Schemas {
			out.Schemas = append(out.Schemas, specSchemaInfo{Name: s.Name, CatalogName: d.Name, Comment: s.Comment, FullName: full(d.Name, s.Name)})
			for _, tb := range s.Tables {
				typ, ok := ucTableTypes[tb.Type]
				if !ok {
					t.Fatalf("no table_type for fixture type %q", tb.Type)
				}
				info := specTableInfo{Name: tb.Name, CatalogName: d.Name, SchemaName: s.Name, TableType: typ, Comment: tb.Comment,
					FullName: full(d.Name, s.Name, tb.Name), DataSourceFormat: "DELTA", Columns: []specColumnInfo{}}
				// Served in reverse order: the connector orders by
				// position.
				for i := len(tb.Columns) - 1; i >= 0; i-- {
					c := tb.Columns[i]
					nullable := c.Nullable
					info.Columns = append(info.Columns, specColumnInfo{Name: c.Name, TypeText: c.Type, TypeName: typeName(c.Type),
						Position: c.Position - 1, Nullable: &nullable, Comment: c.Comment})
				}
				out.Tables = append(out.Tables, info)
			}
			for _, a := range s.Tags {
				typ, name := "tables", full(d.Name, s.Name, a.Table)
				if a.Column != "" {
					typ, name = "columns", full(name, a.Column)
				}
				out.TagAssignments = append(out.TagAssignments, specTagAssignment{EntityName: name, EntityType: typ, TagKey: a.Name, TagValue: a.Value})
			}
		}
	}
	return out
}

func typeName(typeText string) string {
	for _, v := range ucTypes {
		if v[0] == typeText {
			return v[1]
		}
	}
	return ""
}

// lazyFake builds the fake from the first fixture the suite hands over,
// tied to the whole test rather than to the first subtest.
func lazyFake(outer *testing.T, setup func(*fakeUC)) func(t *testing.T, f connectortest.Fixture) *fakeUC {
	var (
		once sync.Once
		fake *fakeUC
	)
	return func(t *testing.T, f connectortest.Fixture) *fakeUC {
		once.Do(func() {
			fake = newFakeUC(outer, specFromFixture(t, f))
			setup(fake)
		})
		return fake
	}
}

func openOrFail(t *testing.T, cfg connectors.Config, creds connectors.Credentials) connectors.Connector {
	t.Helper()
	c, err := Technology().Open(t.Context(), cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	columnType := func(typ string) string { return ucTypes[typ][0] }

	t.Run("PAT with tags and small pages", func(t *testing.T) {
		fake := lazyFake(t, func(f *fakeUC) {
			f.pat = testPAT
			f.pageSize = 2
			f.empty = true
		})
		connectortest.Run(t, connectortest.Harness{
			Open: func(t *testing.T, fx connectortest.Fixture) connectors.Connector {
				f := fake(t, fx)
				return openOrFail(t, connectors.Config{"host": f.URL(), "tags": "columns"}, connectors.Credentials{"token": testPAT})
			},
			OpenBadCredentials: func(t *testing.T, fx connectortest.Fixture) connectors.Connector {
				f := fake(t, fx)
				return openOrFail(t, connectors.Config{"host": f.URL()}, connectors.Credentials{"token": "refused-" + testPAT[:8]})
			},
			HostName:     "conformance-metastore",
			ColumnType:   columnType,
			ExtraSchemas: []string{"default"},
			Tags:         true,
			Secrets:      []string{testPAT},
		})
	})

	t.Run("OAuth M2M", func(t *testing.T) {
		fake := lazyFake(t, func(f *fakeUC) { f.clientID, f.clientSecret = testClientID, testClientSecret })
		cfg := func(f *fakeUC) connectors.Config {
			return connectors.Config{"host": f.URL(), "auth_type": "oauth-m2m", "client_id": testClientID, "concurrency": "3"}
		}
		connectortest.Run(t, connectortest.Harness{
			Open: func(t *testing.T, fx connectortest.Fixture) connectors.Connector {
				return openOrFail(t, cfg(fake(t, fx)), connectors.Credentials{"client_secret": testClientSecret})
			},
			OpenBadCredentials: func(t *testing.T, fx connectortest.Fixture) connectors.Connector {
				return openOrFail(t, cfg(fake(t, fx)), connectors.Credentials{"client_secret": "refused-secret"})
			},
			HostName:     "conformance-metastore",
			ColumnType:   columnType,
			ExtraSchemas: []string{"default"},
			Secrets:      []string{testClientSecret},
		})
	})
}
