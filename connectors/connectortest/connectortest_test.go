package connectortest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/connectors/memory"
)

const mutantEnv = "CONNECTORTEST_MUTANT"

// platform returns a memory platform holding f.
func platform(t *testing.T, f connectortest.Fixture) *memory.Platform {
	t.Helper()
	p := memory.NewPlatform("suite")
	for _, d := range f.Databases {
		must(t, p.AddDatabase(d.Name, d.Comment))
		for _, s := range d.Schemas {
			must(t, p.AddSchema(d.Name, s.Name, s.Comment))
			for _, tb := range s.Tables {
				must(t, p.AddTable(d.Name, s.Name, tb))
			}
			for _, g := range s.Tags {
				if g.Column == "" {
					must(t, p.SetTableTag(d.Name, s.Name, g.Table, g.Name, g.Value))
				} else {
					must(t, p.SetColumnTag(d.Name, s.Name, g.Table, g.Column, g.Name, g.Value))
				}
			}
		}
	}
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mutant is a memory connector with one bug, which the suite must find.
type mutant struct {
	*memory.Connector
	bug string

	mu    sync.Mutex
	cache map[string][]connectors.Table
	close int
}

var mutants = map[string]string{
	// bug: what the suite's output must say
	"column-order":   `columns are not ordered by Position`,
	"nullable":       `table "customers": column 1 "id": Nullable = true, want false`,
	"table-type":     `table "active_customers": Type = "TABLE", want "VIEW"`,
	"no-not-found":   `Schemas("connectortest_missing_database"): no error; want one matching connections.ErrNotFound`,
	"ignore-ctx":     `Databases() with a cancelled context: no error; want one matching context.Canceled`,
	"shared-results": `a connector must return values the caller owns`,
	"lister-order":   `want name order`,
	"lister-extra":   `fn called for schema "empty", which has no tables`,
	"leak-secret":    `the error message contains the credential value Harness.Secrets[0]`,
	"close-twice":    `second Close(): closed twice; want nil`,
	"missing-tag":    `missing tag table "customers": "owner" = "sales"`,
	"extra-schema":   `unexpected schema "scratch": not in the fixture nor in Harness.ExtraSchemas`,
	"unicode-folded": `fixture database "ct.Hostile 'db'" is missing`,
}

func (m *mutant) Databases(ctx context.Context) ([]connectors.Database, error) {
	if m.bug == "ignore-ctx" {
		ctx = context.Background()
	}
	dbs, err := m.Connector.Databases(ctx)
	if m.bug == "unicode-folded" {
		for i := range dbs {
			dbs[i].Name = strings.ToLower(dbs[i].Name)
		}
	}
	if m.bug == "leak-secret" && err != nil {
		err = fmt.Errorf("login as bob/hunter2 failed: %w", err)
	}
	return dbs, err
}

func (m *mutant) Check(ctx context.Context) error {
	err := m.Connector.Check(ctx)
	if m.bug == "leak-secret" && err != nil {
		err = fmt.Errorf("login as bob/hunter2 failed: %w", err)
	}
	return err
}

func (m *mutant) Schemas(ctx context.Context, db string) ([]connectors.Schema, error) {
	s, err := m.Connector.Schemas(ctx, db)
	if m.bug == "no-not-found" && err != nil && !errors.Is(err, context.Canceled) {
		return nil, nil
	}
	if m.bug == "extra-schema" && err == nil {
		s = append(s, connectors.Schema{Name: "scratch"})
	}
	return s, err
}

func (m *mutant) Tables(ctx context.Context, db, schema string) ([]connectors.Table, error) {
	if m.bug == "shared-results" {
		m.mu.Lock()
		defer m.mu.Unlock()
		if t, ok := m.cache[db+"\x00"+schema]; ok {
			return t, nil
		}
	}
	tables, err := m.Connector.Tables(ctx, db, schema)
	for _, t := range tables {
		switch m.bug {
		case "column-order":
			slices.Reverse(t.Columns)
		case "nullable":
			if t.Name == "customers" {
				t.Columns[0].Nullable = true
			}
		}
	}
	if m.bug == "table-type" {
		for i := range tables {
			tables[i].Type = "TABLE"
		}
	}
	if m.bug == "shared-results" && err == nil {
		if m.cache == nil {
			m.cache = map[string][]connectors.Table{}
		}
		m.cache[db+"\x00"+schema] = tables
	}
	return tables, err
}

func (m *mutant) Tags(ctx context.Context, db, schema string) ([]connectors.TagAssignment, error) {
	tags, err := m.Connector.Tags(ctx, db, schema)
	if m.bug == "missing-tag" {
		tags = slices.DeleteFunc(tags, func(a connectors.TagAssignment) bool { return a.Name == "owner" })
	}
	return tags, err
}

func (m *mutant) DatabaseTables(ctx context.Context, db string, fn func(string, []connectors.Table) error) error {
	switch m.bug {
	case "lister-order":
		type listing struct {
			schema string
			tables []connectors.Table
		}
		var all []listing
		err := m.Connector.DatabaseTables(ctx, db, func(s string, t []connectors.Table) error {
			all = append(all, listing{s, t})
			return nil
		})
		slices.Reverse(all)
		for _, l := range all {
			if err := fn(l.schema, l.tables); err != nil {
				return err
			}
		}
		return err
	case "lister-extra":
		if err := m.Connector.DatabaseTables(ctx, db, fn); err != nil {
			return err
		}
		if db == "ct_sales" {
			return fn("empty", nil)
		}
		return nil
	}
	return m.Connector.DatabaseTables(ctx, db, fn)
}

func (m *mutant) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.close++
	if m.bug == "close-twice" && m.close > 1 {
		return errors.New("closed twice")
	}
	return m.Connector.Close()
}

// TestMutant runs the suite on the mutant named by $CONNECTORTEST_MUTANT;
// TestSuiteFindsBugs runs it in a subprocess and expects it to fail.
func TestMutant(t *testing.T) {
	bug := os.Getenv(mutantEnv)
	if bug == "" {
		t.Skip("run by TestSuiteFindsBugs")
	}
	creds := connectors.Credentials{"user": "bob", "password": "hunter2"}
	connectortest.Run(t, connectortest.Harness{
		Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			return &mutant{Connector: platform(t, f).Connector(nil), bug: bug}
		},
		OpenBadCredentials: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			p := platform(t, f)
			p.RequireCredentials(creds)
			return &mutant{Connector: p.Connector(connectors.Credentials{"user": "bob"}), bug: bug}
		},
		Tags:    true,
		Secrets: []string{"hunter2"},
	})
}

func TestSuiteFindsBugs(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("inside a mutant run")
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	for bug, want := range mutants {
		t.Run(bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+bug)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite passed a connector with the bug %q (err %v); output:\n%s", bug, err, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the suite failed on the bug %q, but its output does not say %q; output:\n%s", bug, want, out)
			}
			if strings.Contains(string(out), "panic") {
				t.Errorf("the suite panicked on the bug %q:\n%s", bug, out)
			}
		})
	}
}

// TestFixture checks the fixture itself: positions, distinct names, and
// that Clone is deep.
func TestFixture(t *testing.T) {
	f := connectortest.NewFixture()
	tables := 0
	for _, d := range f.Databases {
		for _, s := range d.Schemas {
			for _, tb := range s.Tables {
				tables++
				for i, c := range tb.Columns {
					if c.Position != i+1 {
						t.Errorf("%s.%s.%s column %q: Position %d, want %d", d.Name, s.Name, tb.Name, c.Name, c.Position, i+1)
					}
				}
			}
		}
	}
	if tables < 5 || tables > 10 {
		t.Errorf("the fixture has %d tables; keep it small but varied (5..10)", tables)
	}
	g := f.Clone()
	g.Databases[0].Schemas[0].Tables[0].Columns[0].Name = "changed"
	g.Databases[0].Schemas[0].Tags[0].Name = "changed"
	if f.Databases[0].Schemas[0].Tables[0].Columns[0].Name == "changed" || f.Databases[0].Schemas[0].Tags[0].Name == "changed" {
		t.Error("Clone shares columns or tags with the original")
	}
}
