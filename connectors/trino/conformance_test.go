package trino_test

import (
	"context"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/connectors/trino"
	"github.com/govkit/connections/hierarchy"
)

// trinoTypes are the type texts Trino's information_schema.columns reports
// for the fixture's column types (TIMESTAMP defaults to precision 3).
var trinoTypes = map[string]string{
	connectortest.TypeInteger:   "integer",
	connectortest.TypeVarchar10: "varchar(10)",
	connectortest.TypeVarchar:   "varchar(100)",
	connectortest.TypeDecimal:   "decimal(12,2)",
	connectortest.TypeBoolean:   "boolean",
	connectortest.TypeDate:      "date",
	connectortest.TypeTimestamp: "timestamp(3)",
}

// fixtureCatalogs turns the suite's fixture into the fake's.
func fixtureCatalogs(f connectortest.Fixture) []fxCatalog {
	kinds := map[string]string{
		hierarchy.TypeTable:            "BASE TABLE",
		hierarchy.TypeView:             "VIEW",
		hierarchy.TypeMaterializedView: "MATERIALIZED VIEW",
	}
	var out []fxCatalog
	for _, d := range f.Databases {
		cat := fxCatalog{name: d.Name, schemas: []fxSchema{{name: "information_schema"}}}
		for _, s := range d.Schemas {
			sch := fxSchema{name: s.Name}
			for _, t := range s.Tables {
				tb := fxTable{name: t.Name, typ: kinds[t.Type], comment: t.Comment}
				for _, c := range t.Columns {
					tb.columns = append(tb.columns, fxColumn{name: c.Name, typ: c.Type, nullable: c.Nullable, comment: c.Comment})
				}
				sch.tables = append(sch.tables, tb)
			}
			cat.schemas = append(cat.schemas, sch)
		}
		out = append(out, cat)
	}
	// A catalog outside the fixture, as every cluster has.
	return append(out, fxCatalog{name: "system", schemas: []fxSchema{{name: "runtime"}}})
}

// TestConformance runs the connectortest suite against the fake
// coordinator over TLS with password authentication, serving the fixture
// with Trino's lower-case names and type texts.
func TestConformance(t *testing.T) {
	const password, wrong = `c0nf"orm@nce pw`, "wr0ng-pw"
	var (
		parent = t
		once   sync.Once
		fake   *fakeTrino
	)
	// The platform is built once, from the fixture the first Open gets,
	// and outlives the subtests: it reports to and is closed by the parent.
	platform := func(f connectortest.Fixture) *fakeTrino {
		once.Do(func() {
			fake = newTLSFake(parent, fixtureCatalogs(f)...)
			fake.password = password
		})
		return fake
	}
	openWith := func(t *testing.T, f connectortest.Fixture, pw string) connectors.Connector {
		fk := platform(f)
		cfg := connectors.Config{
			trino.ConfigServer:  fk.srv.URL,
			trino.ConfigUser:    fk.user,
			trino.ConfigSSLCert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fk.srv.Certificate().Raw})),
		}
		c, err := trino.Technology().Open(context.Background(), cfg, connectors.Credentials{trino.CredentialPassword: pw})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return c
	}
	connectortest.Run(t, connectortest.Harness{
		Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector { return openWith(t, f, password) },
		OpenBadCredentials: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			return openWith(t, f, wrong)
		},
		HostName:   "test-env",
		Name:       func(_ hierarchy.Kind, name string) string { return strings.ToLower(name) },
		ColumnType: func(typ string) string { return trinoTypes[typ] },
		// Trino keeps no comments on catalogs and schemas.
		NoDatabaseComments: true,
		NoSchemaComments:   true,
		Secrets:            []string{password, wrong},
	})
}
