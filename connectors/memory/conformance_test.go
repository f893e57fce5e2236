package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
)

// load puts a fixture on a platform.
func load(t *testing.T, p *memory.Platform, f connectortest.Fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range f.Databases {
		must(p.AddDatabase(d.Name, d.Comment))
		for _, s := range d.Schemas {
			must(p.AddSchema(d.Name, s.Name, s.Comment))
			for _, tb := range s.Tables {
				must(p.AddTable(d.Name, s.Name, tb))
			}
			for _, g := range s.Tags {
				if g.Column == "" {
					must(p.SetTableTag(d.Name, s.Name, g.Table, g.Name, g.Value))
				} else {
					must(p.SetColumnTag(d.Name, s.Name, g.Table, g.Column, g.Name, g.Value))
				}
			}
		}
	}
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			p := memory.NewPlatform("conformance")
			load(t, p, f)
			return p.Connector(nil)
		},
		HostName: "conformance",
		Tags:     true,
	})
}

// TestConformanceDeclared runs the suite on a platform that differs from
// the fixture in every way a harness can declare: it folds names to lower
// case, has its own type names, keeps no schema or column comments, has
// an extra schema in every database, needs credentials, is slow, and has
// other databases.
func TestConformanceDeclared(t *testing.T) {
	creds := connectors.Credentials{"password": "s3cr3t-value"}
	types := map[string]string{connectortest.TypeInteger: "int4", connectortest.TypeVarchar: "text"}
	h := connectortest.Harness{
		Name: func(_ hierarchy.Kind, n string) string { return strings.ToLower(n) },
		TableType: func(typ string) string {
			if typ == hierarchy.TypeMaterializedView {
				return "MATVIEW"
			}
			return typ
		},
		ColumnType: func(typ string) string {
			if t, ok := types[typ]; ok {
				return t
			}
			return typ
		},
		ExtraSchemas:     []string{"public"},
		NoSchemaComments: true,
		NoColumnComments: true,
		Secrets:          []string{"s3cr3t-value"},
	}
	build := func(t *testing.T, f connectortest.Fixture) *memory.Platform {
		p := memory.NewPlatform("declared")
		p.RequireCredentials(creds)
		p.SetLatency(time.Millisecond)
		if err := p.AddDatabase("other", ""); err != nil {
			t.Fatal(err)
		}
		load(t, p, f)
		for _, d := range f.Databases {
			if err := p.AddSchema(d.Name, "public", "the default schema"); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	h.Open = func(t *testing.T, f connectortest.Fixture) connectors.Connector {
		// Hide the optional abilities: the suite must cope without them.
		return struct{ connectors.Connector }{build(t, f).Connector(creds)}
	}
	h.OpenBadCredentials = func(t *testing.T, f connectortest.Fixture) connectors.Connector {
		return build(t, f).Connector(connectors.Credentials{"password": "wrong"})
	}
	connectortest.Run(t, h)
}

// TestConformanceMissingIsEmpty runs the suite on a connector that lists a
// missing container as empty, as the harness declares.
func TestConformanceMissingIsEmpty(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			p := memory.NewPlatform("lenient")
			load(t, p, f)
			return lenient{p.Connector(nil)}
		},
		MissingIsEmpty: true,
	})
}

// lenient lists missing containers as empty.
type lenient struct{ *memory.Connector }

func (l lenient) Schemas(ctx context.Context, db string) ([]connectors.Schema, error) {
	s, err := l.Connector.Schemas(ctx, db)
	return s, forgive(err)
}

func (l lenient) Tables(ctx context.Context, db, schema string) ([]connectors.Table, error) {
	s, err := l.Connector.Tables(ctx, db, schema)
	return s, forgive(err)
}

func (l lenient) Tags(ctx context.Context, db, schema string) ([]connectors.TagAssignment, error) {
	s, err := l.Connector.Tags(ctx, db, schema)
	return s, forgive(err)
}

func (l lenient) DatabaseTables(ctx context.Context, db string, fn func(string, []connectors.Table) error) error {
	return forgive(l.Connector.DatabaseTables(ctx, db, fn))
}

func forgive(err error) error {
	if errors.Is(err, connections.ErrNotFound) {
		return nil
	}
	return err
}
