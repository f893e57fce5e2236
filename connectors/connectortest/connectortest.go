package connectortest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// Harness connects the suite to one connector. Open is required; the other
// fields declare how the platform differs from the fixture and what it
// cannot express, so that the suite checks the rest instead of skipping
// silently. The zero value of each means: no difference.
type Harness struct {
	// Open builds a platform holding at least f and returns a connector on
	// it, opened with credentials that can read it. f is the expected
	// content: the fixture after the mappings below, so the harness
	// creates exactly what it is given. Open is called once per subtest
	// and the suite closes the connector it returns; the harness may build
	// the platform once and return a new connector on it each time. Open
	// reports its own failures with t.Fatal.
	Open func(t *testing.T, f Fixture) connectors.Connector

	// OpenBadCredentials, if set, returns a connector on the same platform
	// opened with credentials the platform refuses; its Check and
	// Databases must fail with errors matching
	// connections.ErrPermissionDenied. Without it that check is skipped,
	// with a message.
	OpenBadCredentials func(t *testing.T, f Fixture) connectors.Connector

	// HostName is the Name Host must return; empty accepts any name that
	// is not empty.
	HostName string

	// Name maps a fixture name of a database, schema, table or column
	// (kind says which) to the one the platform reports: its case folding,
	// or a substitute for a name it cannot hold. The mapped names of one
	// container must stay distinct. nil keeps names as they are.
	Name func(kind hierarchy.Kind, name string) string
	// TableType maps a fixture table type (TABLE, VIEW,
	// MATERIALIZED_VIEW) to the type the connector reports; a harness
	// whose platform cannot make one creates another and maps to it. nil
	// keeps types as they are.
	TableType func(fixtureType string) string
	// ColumnType maps a fixture column type (the Type constants of this
	// package) to the platform's type text, as the connector reports it.
	// nil keeps types as they are.
	ColumnType func(fixtureType string) string

	// ExtraSchemas names schemas the platform may list in every fixture
	// database besides the fixture's (after Name), such as "public" or
	// "information_schema". Any other schema fails the suite.
	ExtraSchemas []string

	// NoDatabaseComments, NoSchemaComments, NoTableComments and
	// NoColumnComments declare that the platform keeps no comments at that
	// level: the fixture's comments there are dropped, and the connector
	// must report none.
	NoDatabaseComments, NoSchemaComments, NoTableComments, NoColumnComments bool

	// MissingIsEmpty declares that the platform cannot tell a missing
	// database or schema from an empty one: listing one gives no error
	// and nothing. Otherwise the error must match connections.ErrNotFound.
	MissingIsEmpty bool

	// Tags declares that the harness put the fixture's tags on the
	// platform: the connector must implement connectors.TagReader and
	// return exactly them. Otherwise a TagReader is only checked to answer
	// without error.
	Tags bool

	// Secrets are credential values the harness used. No error the suite
	// sees may contain one (B7).
	Secrets []string
}

// Names of a database and a schema the fixture does not have, before
// Harness.Name maps them.
const (
	MissingDatabase = "connectortest_missing_database"
	MissingSchema   = "connectortest_missing_schema"
)

// Run runs the conformance suite: one subtest per behaviour of the
// connectors.Connector contract and its optional abilities. Run it with
// -race: one subtest lists concurrently.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Open == nil {
		t.Fatal("connectortest: Harness.Open is nil")
	}
	s := &suite{h: h, want: h.expected(t)}
	t.Run("Host", s.testHost)
	t.Run("Check", s.testCheck)
	t.Run("Databases", s.testDatabases)
	t.Run("Schemas", s.testSchemas)
	t.Run("Tables", s.testTables)
	t.Run("Missing", s.testMissing)
	t.Run("Canceled", s.testCanceled)
	t.Run("CloseTwice", s.testCloseTwice)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("ResultsAreOwned", s.testResultsAreOwned)
	t.Run("TagReader", s.testTagReader)
	t.Run("DatabaseLister", s.testDatabaseLister)
	t.Run("BadCredentials", s.testBadCredentials)
}

type suite struct {
	h    Harness
	want Fixture
}

// expected returns the fixture after the harness's mappings, and fails if
// the mappings make two names of one container equal.
func (h Harness) expected(t *testing.T) Fixture {
	t.Helper()
	f := NewFixture()
	name := func(k hierarchy.Kind, n string) string {
		if h.Name == nil {
			return n
		}
		return h.Name(k, n)
	}
	mapType := func(fn func(string) string, typ string) string {
		if fn == nil {
			return typ
		}
		return fn(typ)
	}
	var problems []string
	distinct := func(where string, kind hierarchy.Kind, names []string) {
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" {
				problems = append(problems, fmt.Sprintf("Harness.Name maps a %s name of %s to an empty name", kind, where))
			} else if seen[n] {
				problems = append(problems, fmt.Sprintf("Harness.Name maps two %s names of %s to %q", kind, where, n))
			}
			seen[n] = true
		}
	}
	var dbNames []string
	for i := range f.Databases {
		d := &f.Databases[i]
		d.Name = name(hierarchy.KindDatabase, d.Name)
		dbNames = append(dbNames, d.Name)
		if h.NoDatabaseComments {
			d.Comment = ""
		}
		var schemaNames []string
		for j := range d.Schemas {
			s := &d.Schemas[j]
			s.Name = name(hierarchy.KindSchema, s.Name)
			schemaNames = append(schemaNames, s.Name)
			if h.NoSchemaComments {
				s.Comment = ""
			}
			var tableNames []string
			for k := range s.Tables {
				tb := &s.Tables[k]
				tb.Name = name(hierarchy.KindTable, tb.Name)
				tableNames = append(tableNames, tb.Name)
				tb.Type = mapType(h.TableType, tb.Type)
				if h.NoTableComments {
					tb.Comment = ""
				}
				var colNames []string
				for c := range tb.Columns {
					col := &tb.Columns[c]
					col.Name = name(hierarchy.KindColumn, col.Name)
					colNames = append(colNames, col.Name)
					col.Type = mapType(h.ColumnType, col.Type)
					if h.NoColumnComments {
						col.Comment = ""
					}
				}
				distinct("table "+strconv.Quote(tb.Name), hierarchy.KindColumn, colNames)
			}
			for k := range s.Tags {
				g := &s.Tags[k]
				g.Table = name(hierarchy.KindTable, g.Table)
				if g.Column != "" {
					g.Column = name(hierarchy.KindColumn, g.Column)
				}
			}
			distinct("schema "+strconv.Quote(s.Name), hierarchy.KindTable, tableNames)
		}
		distinct("database "+strconv.Quote(d.Name), hierarchy.KindSchema, schemaNames)
	}
	distinct("the fixture", hierarchy.KindDatabase, dbNames)
	if len(problems) > 0 {
		t.Fatalf("connectortest: invalid harness:\n\t%s", strings.Join(problems, "\n\t"))
	}
	return f
}

func (s *suite) name(k hierarchy.Kind, n string) string {
	if s.h.Name == nil {
		return n
	}
	return s.h.Name(k, n)
}

// open returns a connector from the harness, closed when the test ends.
func (s *suite) open(t *testing.T) connectors.Connector {
	t.Helper()
	c := s.h.Open(t, s.want.Clone())
	if c == nil {
		t.Fatal("Harness.Open returned a nil connector")
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// check reports err as a failure of call, unless it is nil, and returns
// whether it was nil. It also checks that err reveals no secret.
func (s *suite) check(t *testing.T, call string, err error) bool {
	t.Helper()
	s.noSecrets(t, call, err)
	if err != nil {
		t.Errorf("%s: unexpected error: %v", call, err)
		return false
	}
	return true
}

// noSecrets fails the test if err's message contains a Harness.Secret. It
// never prints the secret.
func (s *suite) noSecrets(t *testing.T, call string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for i, secret := range s.h.Secrets {
		if secret != "" && strings.Contains(msg, secret) {
			t.Errorf("%s: the error message contains the credential value Harness.Secrets[%d] (B7: errors never contain credentials)", call, i)
		}
	}
}

// wantError checks that err matches target.
func (s *suite) wantError(t *testing.T, call string, err, target error, targetName string) {
	t.Helper()
	s.noSecrets(t, call, err)
	switch {
	case err == nil:
		t.Errorf("%s: no error; want one matching %s", call, targetName)
	case !errors.Is(err, target):
		t.Errorf("%s: error %q (%T) does not match %s (errors.Is); wrap it with %%w", call, err, err, targetName)
	}
}

func (s *suite) testHost(t *testing.T) {
	c := s.open(t)
	host, err := c.Host(t.Context())
	if !s.check(t, "Host()", err) {
		return
	}
	switch {
	case host.Name == "":
		t.Errorf("Host() = %+v: Name is empty; want the platform's name for itself", host)
	case s.h.HostName != "" && host.Name != s.h.HostName:
		t.Errorf("Host().Name = %q, want %q (Harness.HostName)", host.Name, s.h.HostName)
	}
}

func (s *suite) testCheck(t *testing.T) {
	c := s.open(t)
	s.check(t, "Check()", c.Check(t.Context()))
}

func (s *suite) testDatabases(t *testing.T) {
	c := s.open(t)
	got, err := c.Databases(t.Context())
	if !s.check(t, "Databases()", err) {
		return
	}
	for _, p := range diffDatabases(s.want.Databases, got) {
		t.Errorf("Databases(): %s", p)
	}
}

func diffDatabases(want []Database, got []connectors.Database) []string {
	var problems []string
	count := map[string]int{}
	byName := map[string]connectors.Database{}
	for _, d := range got {
		if d.Name == "" {
			problems = append(problems, "a database has an empty name")
		}
		count[d.Name]++
		byName[d.Name] = d
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("fixture database %q is missing (got %s)", w.Name, quoteNames(got, func(d connectors.Database) string { return d.Name })))
		case count[w.Name] > 1:
			problems = append(problems, fmt.Sprintf("database %q is listed %d times", w.Name, count[w.Name]))
		case g.Comment != w.Comment:
			problems = append(problems, fmt.Sprintf("database %q: Comment = %q, want %q", w.Name, g.Comment, w.Comment))
		}
	}
	return problems
}

func (s *suite) testSchemas(t *testing.T) {
	c := s.open(t)
	for _, d := range s.want.Databases {
		call := fmt.Sprintf("Schemas(%q)", d.Name)
		got, err := c.Schemas(t.Context(), d.Name)
		if !s.check(t, call, err) {
			continue
		}
		for _, p := range s.diffSchemas(d.Schemas, got) {
			t.Errorf("%s: %s", call, p)
		}
	}
}

func (s *suite) diffSchemas(want []Schema, got []connectors.Schema) []string {
	var problems []string
	count := map[string]int{}
	for _, g := range got {
		count[g.Name]++
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.Name] = true
		n := count[w.Name]
		if n == 0 {
			problems = append(problems, fmt.Sprintf("fixture schema %q is missing (got %s)", w.Name, quoteNames(got, func(s connectors.Schema) string { return s.Name })))
		} else if n > 1 {
			problems = append(problems, fmt.Sprintf("schema %q is listed %d times", w.Name, n))
		}
	}
	for _, g := range got {
		switch {
		case wanted[g.Name]:
			i := slices.IndexFunc(want, func(w Schema) bool { return w.Name == g.Name })
			if g.Comment != want[i].Comment {
				problems = append(problems, fmt.Sprintf("schema %q: Comment = %q, want %q", g.Name, g.Comment, want[i].Comment))
			}
		case slices.Contains(s.h.ExtraSchemas, g.Name):
		default:
			problems = append(problems, fmt.Sprintf("unexpected schema %q: not in the fixture nor in Harness.ExtraSchemas", g.Name))
		}
	}
	return problems
}

func (s *suite) testTables(t *testing.T) {
	c := s.open(t)
	for _, d := range s.want.Databases {
		for _, sc := range d.Schemas {
			call := fmt.Sprintf("Tables(%q, %q)", d.Name, sc.Name)
			got, err := c.Tables(t.Context(), d.Name, sc.Name)
			if !s.check(t, call, err) {
				continue
			}
			reportDiff(t, call, diffTables(sc.Tables, got))
		}
	}
}

func reportDiff(t *testing.T, call string, problems []string) {
	t.Helper()
	if len(problems) > 0 {
		t.Errorf("%s:\n\t%s", call, strings.Join(problems, "\n\t"))
	}
}

// diffTables compares two listings of a schema's tables, in any order,
// each with its columns in position order, and describes every difference.
func diffTables(want, got []connectors.Table) []string {
	var problems []string
	count := map[string]int{}
	byName := map[string]connectors.Table{}
	for _, g := range got {
		if g.Name == "" {
			problems = append(problems, "a table has an empty name")
		}
		count[g.Name]++
		byName[g.Name] = g
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("table %q is missing (got %s)", w.Name, quoteNames(got, func(t connectors.Table) string { return t.Name })))
			continue
		}
		if n := count[w.Name]; n > 1 {
			problems = append(problems, fmt.Sprintf("table %q is listed %d times", w.Name, n))
			continue
		}
		where := fmt.Sprintf("table %q", w.Name)
		if g.Type != w.Type {
			problems = append(problems, fmt.Sprintf("%s: Type = %q, want %q", where, g.Type, w.Type))
		}
		if g.Comment != w.Comment {
			problems = append(problems, fmt.Sprintf("%s: Comment = %q, want %q", where, g.Comment, w.Comment))
		}
		problems = append(problems, diffColumns(where, w.Columns, g.Columns)...)
	}
	for _, g := range got {
		if !slices.ContainsFunc(want, func(w connectors.Table) bool { return w.Name == g.Name }) {
			problems = append(problems, fmt.Sprintf("unexpected table %q", g.Name))
		}
	}
	return problems
}

func diffColumns(where string, want, got []hierarchy.Column) []string {
	var problems []string
	if !slices.IsSortedFunc(got, func(a, b hierarchy.Column) int { return cmp.Compare(a.Position, b.Position) }) {
		pos := make([]string, len(got))
		for i, c := range got {
			pos[i] = strconv.Itoa(c.Position)
		}
		problems = append(problems, fmt.Sprintf("%s: columns are not ordered by Position: positions %s", where, strings.Join(pos, ", ")))
	}
	if len(got) != len(want) {
		names := func(cs []hierarchy.Column) string {
			return quoteNames(cs, func(c hierarchy.Column) string { return c.Name })
		}
		return append(problems, fmt.Sprintf("%s: %d columns %s, want %d %s", where, len(got), names(got), len(want), names(want)))
	}
	for i, w := range want {
		g := got[i]
		at := fmt.Sprintf("%s: column %d", where, i+1)
		if g.Name != w.Name {
			problems = append(problems, fmt.Sprintf("%s: Name = %q, want %q", at, g.Name, w.Name))
			continue
		}
		at += fmt.Sprintf(" %q", w.Name)
		if g.Type != w.Type {
			problems = append(problems, fmt.Sprintf("%s: Type = %q, want %q", at, g.Type, w.Type))
		}
		if g.Position != w.Position {
			problems = append(problems, fmt.Sprintf("%s: Position = %d, want %d", at, g.Position, w.Position))
		}
		if g.Nullable != w.Nullable {
			problems = append(problems, fmt.Sprintf("%s: Nullable = %t, want %t", at, g.Nullable, w.Nullable))
		}
		if g.Comment != w.Comment {
			problems = append(problems, fmt.Sprintf("%s: Comment = %q, want %q", at, g.Comment, w.Comment))
		}
	}
	return problems
}

func quoteNames[T any](items []T, name func(T) string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = strconv.Quote(name(it))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (s *suite) testMissing(t *testing.T) {
	c := s.open(t)
	ctx := t.Context()
	db, sc := s.want.Databases[0].Name, s.want.Databases[0].Schemas[0].Name
	missingDB := s.name(hierarchy.KindDatabase, MissingDatabase)
	missingSchema := s.name(hierarchy.KindSchema, MissingSchema)

	schemas, err := c.Schemas(ctx, missingDB)
	s.wantMissing(t, fmt.Sprintf("Schemas(%q)", missingDB), err, len(schemas))
	tables, err := c.Tables(ctx, missingDB, sc)
	s.wantMissing(t, fmt.Sprintf("Tables(%q, %q)", missingDB, sc), err, len(tables))
	tables, err = c.Tables(ctx, db, missingSchema)
	s.wantMissing(t, fmt.Sprintf("Tables(%q, %q)", db, missingSchema), err, len(tables))
	if tr, ok := c.(connectors.TagReader); ok {
		tags, err := tr.Tags(ctx, db, missingSchema)
		s.wantMissing(t, fmt.Sprintf("Tags(%q, %q)", db, missingSchema), err, len(tags))
	}
	if dl, ok := c.(connectors.DatabaseLister); ok {
		calls := 0
		err := dl.DatabaseTables(ctx, missingDB, func(string, []connectors.Table) error { calls++; return nil })
		s.wantMissing(t, fmt.Sprintf("DatabaseTables(%q)", missingDB), err, calls)
	}
}

func (s *suite) wantMissing(t *testing.T, call string, err error, n int) {
	t.Helper()
	if s.h.MissingIsEmpty {
		if s.check(t, call+" (Harness.MissingIsEmpty)", err) && n != 0 {
			t.Errorf("%s: %d results for something that does not exist; want none", call, n)
		}
		return
	}
	s.wantError(t, call, err, connections.ErrNotFound, "connections.ErrNotFound (or declare Harness.MissingIsEmpty)")
	if err != nil && n != 0 {
		t.Errorf("%s: %d results with the error; want none", call, n)
	}
}

func (s *suite) testCanceled(t *testing.T) {
	c := s.open(t)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		ctx    context.Context
		target error
		name   string
		with   string
	}{
		{canceled, context.Canceled, "context.Canceled", "with a cancelled context"},
		{expired, context.DeadlineExceeded, "context.DeadlineExceeded", "with an expired context"},
	} {
		d, sc := s.want.Databases[0].Name, s.want.Databases[0].Schemas[0].Name
		s.wantError(t, "Check() "+tc.with, c.Check(tc.ctx), tc.target, tc.name)
		_, err := c.Databases(tc.ctx)
		s.wantError(t, "Databases() "+tc.with, err, tc.target, tc.name)
		_, err = c.Schemas(tc.ctx, d)
		s.wantError(t, fmt.Sprintf("Schemas(%q) %s", d, tc.with), err, tc.target, tc.name)
		_, err = c.Tables(tc.ctx, d, sc)
		s.wantError(t, fmt.Sprintf("Tables(%q, %q) %s", d, sc, tc.with), err, tc.target, tc.name)
		if tr, ok := c.(connectors.TagReader); ok {
			_, err = tr.Tags(tc.ctx, d, sc)
			s.wantError(t, fmt.Sprintf("Tags(%q, %q) %s", d, sc, tc.with), err, tc.target, tc.name)
		}
		if dl, ok := c.(connectors.DatabaseLister); ok {
			called := false
			err = dl.DatabaseTables(tc.ctx, d, func(string, []connectors.Table) error { called = true; return nil })
			call := fmt.Sprintf("DatabaseTables(%q) %s", d, tc.with)
			s.wantError(t, call, err, tc.target, tc.name)
			if called {
				t.Errorf("%s: fn was called", call)
			}
		}
	}
}

func (s *suite) testCloseTwice(t *testing.T) {
	c := s.h.Open(t, s.want.Clone())
	if c == nil {
		t.Fatal("Harness.Open returned a nil connector")
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close(): %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close(): %v; want nil, as Close is safe to call more than once", err)
	}
}

// crawl lists the whole fixture through c, as a sync would, and returns
// every difference from the expected content.
func (s *suite) crawl(ctx context.Context, c connectors.Connector) []string {
	var problems []string
	add := func(call string, err error, diffs []string) {
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", call, err))
		}
		for _, d := range diffs {
			problems = append(problems, call+": "+d)
		}
	}
	dbs, err := c.Databases(ctx)
	add("Databases()", err, diffDatabases(s.want.Databases, dbs))
	tr, _ := c.(connectors.TagReader)
	for _, d := range s.want.Databases {
		schemas, err := c.Schemas(ctx, d.Name)
		add(fmt.Sprintf("Schemas(%q)", d.Name), err, s.diffSchemas(d.Schemas, schemas))
		for _, sc := range d.Schemas {
			tables, err := c.Tables(ctx, d.Name, sc.Name)
			add(fmt.Sprintf("Tables(%q, %q)", d.Name, sc.Name), err, diffTables(sc.Tables, tables))
			if tr != nil {
				tags, err := tr.Tags(ctx, d.Name, sc.Name)
				var diffs []string
				if s.h.Tags {
					diffs = diffTags(sc.Tags, tags)
				}
				add(fmt.Sprintf("Tags(%q, %q)", d.Name, sc.Name), err, diffs)
			}
		}
	}
	return problems
}

func (s *suite) testConcurrent(t *testing.T) {
	c := s.open(t)
	const workers = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []string
	)
	for range workers {
		wg.Go(func() {
			p := s.crawl(t.Context(), c)
			if dl, ok := c.(connectors.DatabaseLister); ok {
				for _, d := range s.want.Databases {
					err := dl.DatabaseTables(t.Context(), d.Name, func(string, []connectors.Table) error { return nil })
					if err != nil {
						p = append(p, fmt.Sprintf("DatabaseTables(%q): %v", d.Name, err))
					}
				}
			}
			mu.Lock()
			problems = append(problems, p...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(problems)
	problems = slices.Compact(problems)
	reportDiff(t, fmt.Sprintf("%d goroutines listing at once", workers), problems)
}

func (s *suite) testResultsAreOwned(t *testing.T) {
	c := s.open(t)
	ctx := t.Context()
	// Crawl once for reference (other subtests report what is wrong with
	// it), then change everything a second crawl returns, as a caller may,
	// and crawl a third time: it must not see the changes.
	before := s.crawl(ctx, c)
	if dbs, err := c.Databases(ctx); err == nil {
		for i := range dbs {
			dbs[i].Name += "·changed"
			dbs[i].Comment = "changed"
		}
	}
	for _, d := range s.want.Databases {
		if schemas, err := c.Schemas(ctx, d.Name); err == nil {
			for i := range schemas {
				schemas[i].Name += "·changed"
				schemas[i].Comment = "changed"
			}
		}
		for _, sc := range d.Schemas {
			tables, err := c.Tables(ctx, d.Name, sc.Name)
			if err != nil {
				continue
			}
			for i := range tables {
				tables[i].Name += "·changed"
				tables[i].Type = "changed"
				for j := range tables[i].Columns {
					tables[i].Columns[j].Name += "·changed"
					tables[i].Columns[j].Position += 100
				}
				tables[i].Columns = append(tables[i].Columns, hierarchy.Column{Name: "appended"})
			}
		}
	}
	var changed []string
	for _, p := range s.crawl(ctx, c) {
		if !slices.Contains(before, p) {
			changed = append(changed, p)
		}
	}
	reportDiff(t, "after the caller changed the values of an earlier listing, a later listing differs (a connector must return values the caller owns)", changed)
}

func (s *suite) testTagReader(t *testing.T) {
	c := s.open(t)
	tr, ok := c.(connectors.TagReader)
	switch {
	case !ok && s.h.Tags:
		t.Fatalf("Harness.Tags is set, but %T does not implement connectors.TagReader", c)
	case !ok:
		t.Skipf("%T does not implement connectors.TagReader", c)
	}
	for _, d := range s.want.Databases {
		for _, sc := range d.Schemas {
			call := fmt.Sprintf("Tags(%q, %q)", d.Name, sc.Name)
			got, err := tr.Tags(t.Context(), d.Name, sc.Name)
			if !s.check(t, call, err) || !s.h.Tags {
				continue
			}
			reportDiff(t, call, diffTags(sc.Tags, got))
		}
	}
	if !s.h.Tags {
		t.Log("Harness.Tags is not set: tags were listed without error but not compared with the fixture's")
	}
}

func tagString(a connectors.TagAssignment) string {
	where := fmt.Sprintf("table %q", a.Table)
	if a.Column != "" {
		where += fmt.Sprintf(" column %q", a.Column)
	}
	return fmt.Sprintf("%s: %q = %q", where, a.Name, a.Value)
}

func diffTags(want, got []connectors.TagAssignment) []string {
	count := func(as []connectors.TagAssignment) map[connectors.TagAssignment]int {
		m := map[connectors.TagAssignment]int{}
		for _, a := range as {
			m[a]++
		}
		return m
	}
	w, g := count(want), count(got)
	var problems []string
	for a, n := range w {
		if g[a] < n {
			problems = append(problems, "missing tag "+tagString(a))
		}
	}
	for a, n := range g {
		switch {
		case w[a] == 0:
			problems = append(problems, "unexpected tag "+tagString(a))
		case n > w[a]:
			problems = append(problems, fmt.Sprintf("tag %s is listed %d times", tagString(a), n))
		}
	}
	slices.Sort(problems)
	return problems
}

func (s *suite) testDatabaseLister(t *testing.T) {
	c := s.open(t)
	dl, ok := c.(connectors.DatabaseLister)
	if !ok {
		t.Skipf("%T does not implement connectors.DatabaseLister", c)
	}
	ctx := t.Context()
	for _, d := range s.want.Databases {
		call := fmt.Sprintf("DatabaseTables(%q)", d.Name)
		got := map[string][]connectors.Table{}
		var order []string
		err := dl.DatabaseTables(ctx, d.Name, func(schema string, tables []connectors.Table) error {
			if _, dup := got[schema]; dup {
				t.Errorf("%s: fn called twice for schema %q", call, schema)
			}
			got[schema] = tables
			order = append(order, schema)
			return nil
		})
		if !s.check(t, call, err) {
			continue
		}
		if !slices.IsSorted(order) {
			t.Errorf("%s: schemas in the order %s; want name order (byte-wise, as strings.Compare orders them)", call, quoteNames(order, func(s string) string { return s }))
		}
		// Compare with one Tables call per schema.
		schemas, err := c.Schemas(ctx, d.Name)
		if !s.check(t, fmt.Sprintf("Schemas(%q)", d.Name), err) {
			continue
		}
		listed := map[string]bool{}
		for _, sc := range schemas {
			listed[sc.Name] = true
			tcall := fmt.Sprintf("Tables(%q, %q)", d.Name, sc.Name)
			tables, err := c.Tables(ctx, d.Name, sc.Name)
			if !s.check(t, tcall, err) {
				continue
			}
			g, called := got[sc.Name]
			switch {
			case len(tables) == 0 && called:
				t.Errorf("%s: fn called for schema %q, which has no tables", call, sc.Name)
			case len(tables) > 0 && !called:
				t.Errorf("%s: fn not called for schema %q, which has %d tables", call, sc.Name, len(tables))
			case called:
				reportDiff(t, fmt.Sprintf("%s for schema %q differs from %s (want) ", call, sc.Name, tcall), diffTables(tables, g))
			}
		}
		for _, name := range order {
			if !listed[name] {
				t.Errorf("%s: fn called for schema %q, which Schemas(%q) does not list", call, name, d.Name)
			}
		}
	}

	// An error from fn stops the listing and is returned.
	for _, d := range s.want.Databases {
		withTables := 0
		for _, sc := range d.Schemas {
			if len(sc.Tables) > 0 {
				withTables++
			}
		}
		if withTables < 2 {
			continue
		}
		call := fmt.Sprintf("DatabaseTables(%q) with fn failing", d.Name)
		stop := errors.New("connectortest: stop")
		calls := 0
		err := dl.DatabaseTables(ctx, d.Name, func(string, []connectors.Table) error { calls++; return stop })
		s.wantError(t, call, err, stop, "the error fn returned")
		if calls != 1 {
			t.Errorf("%s: fn called %d times; want 1, as its error stops the listing", call, calls)
		}
		break
	}
}

func (s *suite) testBadCredentials(t *testing.T) {
	if s.h.OpenBadCredentials == nil {
		t.Skip("Harness.OpenBadCredentials is nil: refused credentials are not checked")
	}
	c := s.h.OpenBadCredentials(t, s.want.Clone())
	if c == nil {
		t.Fatal("Harness.OpenBadCredentials returned a nil connector")
	}
	t.Cleanup(func() { _ = c.Close() })
	const target = "connections.ErrPermissionDenied"
	s.wantError(t, "Check() with refused credentials", c.Check(t.Context()), connections.ErrPermissionDenied, target)
	_, err := c.Databases(t.Context())
	s.wantError(t, "Databases() with refused credentials", err, connections.ErrPermissionDenied, target)
}
