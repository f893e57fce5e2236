package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/postgres"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/sqlmeta"
)

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func TestHostAndCheck(t *testing.T) {
	c := newConnector(t, nil, nil)
	ctx := testCtx(t)
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := c.Host(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := pgxpool.ParseConfig(testDSN(t))
	if want := fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port); h.Name != want || h.Type != "SERVER" || h.Version == "" {
		t.Errorf("Host() = %+v, want name %q, type SERVER and a version", h, want)
	}
}

func TestDatabases(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)

	c := newConnector(t, &postgres.Options{Databases: []string{f.small, f.main, "no such database"}}, nil)
	got, err := c.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Databases with an allow-list", got, []connectors.Database{
		{Name: f.main, Type: hierarchy.TypeDatabase, Comment: "main test database"},
		{Name: f.small, Type: hierarchy.TypeDatabase},
	})

	all, err := newConnector(t, &postgres.Options{ExcludeDatabases: []string{f.small}}, nil).Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(all))
	for i, d := range all {
		names[i] = d.Name
	}
	if !slices.Contains(names, f.main) || slices.Contains(names, f.small) {
		t.Errorf("Databases excluding %q = %q", f.small, names)
	}
	for _, tmpl := range []string{"template0", "template1"} {
		if slices.Contains(names, tmpl) {
			t.Errorf("Databases lists the template %q", tmpl)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("Databases not in name order: %q", names)
	}
}

func TestSchemas(t *testing.T) {
	f := sharedFixture(t)
	c := newConnector(t, nil, nil)
	got, err := c.Schemas(testCtx(t), f.main)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Schemas", got, []connectors.Schema{
		{Name: oddSchema, Comment: "odd schema"},
		{Name: "Zeta"},
		{Name: "empty"},
		{Name: "many"},
		{Name: "one"},
	})
}

func TestTables(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	c := newConnector(t, nil, nil)

	got, err := c.Tables(ctx, f.main, oddSchema)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tables of the odd schema", got, wantOddTables())

	got, err = c.Tables(ctx, f.main, "many")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tables of many", got, manyTables())

	got, err = c.Tables(ctx, f.main, "empty")
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("Tables of an empty schema = %#v, want an empty list", got)
	}

	got, err = c.Tables(ctx, f.small, "public")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tables of the small database", got, []connectors.Table{{Name: "only", Type: hierarchy.TypeTable,
		Columns: []hierarchy.Column{{Name: "id", Type: "integer", Position: 1, Nullable: false}}}})
}

func TestTablesWithPartitions(t *testing.T) {
	f := sharedFixture(t)
	c := newConnector(t, &postgres.Options{IncludePartitions: true}, nil)
	got, err := c.Tables(testCtx(t), f.main, oddSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := append(wantOddTables(), wantPartition())
	sortTables(want)
	equal(t, "Tables with partitions", got, want)
}

func TestNotFound(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	c := newConnector(t, &postgres.Options{ExcludeDatabases: []string{f.small}}, nil)
	for _, db := range []string{"govkit_pgconn_no_such_db", "template1", "template0", f.small, "", "nul\x00byte", "bad\xffutf8",
		strings.Repeat("x", 200)} {
		if _, err := c.Schemas(ctx, db); !errors.Is(err, connections.ErrNotFound) {
			t.Errorf("Schemas(%q) = %v, want ErrNotFound", db, err)
		}
		if _, err := c.Tables(ctx, db, "public"); !errors.Is(err, connections.ErrNotFound) {
			t.Errorf("Tables(%q, public) = %v, want ErrNotFound", db, err)
		}
		if err := c.DatabaseTables(ctx, db, func(string, []connectors.Table) error { return nil }); !errors.Is(err, connections.ErrNotFound) {
			t.Errorf("DatabaseTables(%q) = %v, want ErrNotFound", db, err)
		}
	}
	for _, s := range []string{"no_such_schema", "pg_catalog", "information_schema", "pg_toast", "public", "", "\x00", "\xff", "EMPTY"} {
		_, err := c.Tables(ctx, f.main, s)
		if !errors.Is(err, connections.ErrNotFound) {
			t.Errorf("Tables(main, %q) = %v, want ErrNotFound", s, err)
		}
	}
	_, err := c.Tables(ctx, f.main, "no_such_schema")
	if want := fmt.Sprintf(`postgres: list tables of schema "no_such_schema" in database %q: schema "no_such_schema" does not exist`, f.main); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want it to start with %s", err, want)
	}
	_, err = c.Schemas(ctx, "govkit_pgconn_no_such_db")
	if want := `postgres: list schemas of database "govkit_pgconn_no_such_db": look up database "govkit_pgconn_no_such_db": database "govkit_pgconn_no_such_db" does not exist`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// A database dropped after its pool opened is not found either.
func TestDroppedDatabase(t *testing.T) {
	testDSN(t)
	name := prefix + unique() + "_dropped"
	ctx := testCtx(t)
	drop := createDatabase(ctx, t, name)
	t.Cleanup(drop)
	c := newConnector(t, &postgres.Options{RetryDelay: time.Millisecond}, nil)
	if _, err := c.Schemas(ctx, name); err != nil {
		t.Fatal(err)
	}
	drop()
	if _, err := c.Schemas(ctx, name); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("Schemas of a dropped database = %v, want ErrNotFound", err)
	}
}

func TestDatabaseTables(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	c := newConnector(t, nil, nil)
	type call struct {
		schema string
		tables []connectors.Table
	}
	var calls []call
	err := c.DatabaseTables(ctx, f.main, func(schema string, tables []connectors.Table) error {
		calls = append(calls, call{schema, tables})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	zeta := []connectors.Table{{Name: "A", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{{Name: "z", Type: "boolean", Position: 1, Nullable: true}}}}
	one := []connectors.Table{{Name: "t1", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{{Name: "a", Type: "integer", Position: 1, Nullable: true}}}}
	equal(t, "DatabaseTables", calls, []call{
		{oddSchema, wantOddTables()},
		{"Zeta", zeta},
		{"many", manyTables()},
		{"one", one},
	})

	// Each schema's listing is the one Tables gives.
	for _, cl := range calls {
		got, err := c.Tables(ctx, f.main, cl.schema)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Tables of "+cl.schema, got, cl.tables)
	}

	// An error from fn stops the listing and comes back as it is.
	stop := errors.New("stop here")
	n := 0
	err = c.DatabaseTables(ctx, f.main, func(string, []connectors.Table) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("DatabaseTables with a failing fn = %v after %d calls, want %v after 1", err, n, stop)
	}

	// The connection is usable again afterwards.
	if _, err := c.Tables(ctx, f.main, "one"); err != nil {
		t.Errorf("Tables after a stopped DatabaseTables: %v", err)
	}
}

// Round trips grow with the number of schemas, never with tables.
func TestQueryCounts(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	cnt := &counter{}
	c := newConnector(t, nil, cnt)
	// The first use of a database checks it through the maintenance
	// database once.
	measure := func(name string, fn func() error) (int64, int64) {
		t.Helper()
		s0, r0 := cnt.snapshot()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s1, r1 := cnt.snapshot()
		return s1 - s0, r1 - r0
	}
	if s, r := measure("first Schemas", func() error { _, err := c.Schemas(ctx, f.main); return err }); s != 2 || r != 2 {
		t.Errorf("first Schemas of a database: %d statements in %d round trips, want 2 in 2", s, r)
	}
	if s, r := measure("Schemas", func() error { _, err := c.Schemas(ctx, f.main); return err }); s != 1 || r != 1 {
		t.Errorf("Schemas: %d statements in %d round trips, want 1 in 1", s, r)
	}
	if s, r := measure("Databases", func() error { _, err := c.Databases(ctx); return err }); s != 1 || r != 1 {
		t.Errorf("Databases: %d statements in %d round trips, want 1 in 1", s, r)
	}
	// Tables: begin, relations, columns, commit in one batch.
	s1, r1 := measure("Tables of one", func() error { _, err := c.Tables(ctx, f.main, "one"); return err })
	sN, rN := measure("Tables of many", func() error { _, err := c.Tables(ctx, f.main, "many"); return err })
	if s1 != 4 || r1 != 1 || sN != s1 || rN != r1 {
		t.Errorf("Tables: %d statements in %d round trips for 1 table, %d in %d for %d tables; want 4 in 1 for both", s1, r1, sN, rN, manyN)
	}
	sD, rD := measure("DatabaseTables", func() error {
		return c.DatabaseTables(ctx, f.main, func(string, []connectors.Table) error { return nil })
	})
	sS, rS := measure("DatabaseTables small", func() error {
		return c.DatabaseTables(ctx, f.small, func(string, []connectors.Table) error { return nil })
	})
	sS2, rS2 := measure("DatabaseTables small again", func() error {
		return c.DatabaseTables(ctx, f.small, func(string, []connectors.Table) error { return nil })
	})
	if sD != 4 || rD != 1 || sS2 != 4 || rS2 != 1 || sS != 5 || rS != 2 {
		t.Errorf("DatabaseTables: %d/%d (4 schemas), %d/%d (1 schema, first use), %d/%d (again); want 4/1, 5/2, 4/1", sD, rD, sS, rS, sS2, rS2)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	c := newConnector(t, &postgres.Options{MaxConnsPerDatabase: 2}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 8 {
		wg.Go(func() {
			schema := []string{oddSchema, "many", "one", "Zeta"}[i%4]
			if _, err := c.Tables(ctx, f.main, schema); err != nil {
				errs <- err
			}
			if _, err := c.Schemas(ctx, f.small); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancellation(t *testing.T) {
	f := sharedFixture(t)
	c := newConnector(t, nil, nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", what, err)
		}
	}
	check("Check", c.Check(ctx))
	_, err := c.Host(ctx)
	check("Host", err)
	_, err = c.Databases(ctx)
	check("Databases", err)
	_, err = c.Schemas(ctx, f.main)
	check("Schemas", err)
	_, err = c.Tables(ctx, f.main, "one")
	check("Tables", err)
	check("DatabaseTables", c.DatabaseTables(ctx, f.main, func(string, []connectors.Table) error { return nil }))

	// Cancelled between two schemas: no further schema is handed over.
	ctx2, cancel2 := context.WithCancel(testCtx(t))
	defer cancel2()
	n := 0
	err = c.DatabaseTables(ctx2, f.main, func(string, []connectors.Table) error {
		n++
		cancel2()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("DatabaseTables cancelled in fn = %v after %d calls, want context.Canceled after 1", err, n)
	}
	if err == nil || !strings.Contains(err.Error(), "list tables of database") {
		t.Errorf("error does not name the step: %v", err)
	}
}

// A server that accepts connections and never answers: the context's
// deadline ends the call.
func TestDeadlineOnHangingServer(t *testing.T) {
	srv := startFakeServer(t, "hang")
	host, port := hostPort(t, srv.addr)
	c, err := postgres.Open(testCtx(t), connectors.Config{"host": host, "port": port, "user": "alice", "sslmode": "disable", "connect_timeout": "0"},
		connectors.Credentials{"password": "hang-secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.Check(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Check on a hanging server = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Check took %v after a 300ms deadline", d)
	}
	if err != nil {
		mustNotContain(t, err.Error(), "hang-secret")
	}
}

func TestBadPassword(t *testing.T) {
	srv := startFakeServer(t, "refuse")
	host, port := hostPort(t, srv.addr)
	const secret = "s3cr3t P@ss'wörd"
	var logs bytes.Buffer
	c, err := postgres.Open(testCtx(t), connectors.Config{"host": host, "port": port, "user": "alice", "sslmode": "prefer"},
		connectors.Credentials{"password": secret},
		&postgres.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Check(testCtx(t))
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("Check with a refused password = %v, want ErrPermissionDenied", err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28P01" {
		t.Errorf("error does not carry the server's PgError 28P01: %v", err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		t.Errorf("error unwraps to the driver's ConnectError, which holds the password")
	}
	if got := srv.passwords(); !slices.Equal(got, []string{secret}) {
		t.Errorf("server got passwords %q, want the one secret once (no retry of a refused password)", got)
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String(),
		fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		mustNotContain(t, text, secret, "s3cr3t")
	}
	if !strings.Contains(err.Error(), "check server "+srv.addr) || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("error does not name the step and the cause: %v", err)
	}
	if _, err := c.Databases(testCtx(t)); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Errorf("Databases = %v, want ErrPermissionDenied", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	host, port := hostPort(t, closedPort(t))
	const secret = "unreachable-Pa55"
	var logs bytes.Buffer
	c, err := postgres.Open(testCtx(t), connectors.Config{"host": host, "port": port, "user": "alice", "sslmode": "disable"},
		connectors.Credentials{"password": secret},
		&postgres.Options{RetryAttempts: 3, RetryDelay: time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Check(testCtx(t))
	if err == nil {
		t.Fatal("Check on a closed port succeeded")
	}
	text := err.Error()
	for _, want := range []string{"postgres: check server " + host + ":" + port, `connect to database "postgres"`, "connection refused"} {
		if !strings.Contains(text, want) {
			t.Errorf("error %q does not contain %q", text, want)
		}
	}
	mustNotContain(t, text+logs.String(), secret)
	if n := strings.Count(logs.String(), "retrying"); n != 2 {
		t.Errorf("logged %d retries, want 2 (3 attempts):\n%s", n, logs.String())
	}
	if errors.Is(err, connections.ErrPermissionDenied) || errors.Is(err, connections.ErrNotFound) {
		t.Errorf("a refused connection maps to a sentinel: %v", err)
	}
}

// Privileges refused by the real server: no CONNECT on a database, a role
// that may not log in, a role that does not exist.
func TestPermissionDenied(t *testing.T) {
	testDSN(t)
	ctx := testCtx(t)
	id := unique()
	db := prefix + id + "_noconnect"
	role := prefix + id + "_role"
	nologin := prefix + id + "_nologin"
	tempDatabase(t, db)
	exec(ctx, t, "",
		"CREATE ROLE "+sqlmeta.QuoteIdent(role)+" LOGIN",
		"CREATE ROLE "+sqlmeta.QuoteIdent(nologin)+" NOLOGIN",
		"REVOKE CONNECT ON DATABASE "+sqlmeta.QuoteIdent(db)+" FROM PUBLIC",
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn := connectTo(ctx, t, "")
		defer conn.Close(ctx)
		for _, r := range []string{role, nologin} {
			_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+sqlmeta.QuoteIdent(r))
		}
	})
	as := func(user string) *postgres.Connector {
		cfg, err := pgxpool.ParseConfig(testDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.User = user
		c, err := postgres.New(ctx, cfg, &postgres.Options{RetryAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	c := as(role)
	dbs, err := c.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbs {
		if d.Name == db {
			t.Errorf("Databases lists %q, which the role may not connect to", db)
		}
	}
	if _, err := c.Schemas(ctx, db); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Errorf("Schemas without CONNECT = %v, want ErrPermissionDenied", err)
	}

	for _, user := range []string{nologin, prefix + id + "_missing"} {
		err := as(user).Check(ctx)
		if !errors.Is(err, connections.ErrPermissionDenied) {
			t.Errorf("Check as %q = %v, want ErrPermissionDenied", user, err)
		}
	}
}

func TestPoolEviction(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	h := slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})
	c := newConnector(t, &postgres.Options{MaxOpenDatabases: 1, Logger: slog.New(h)}, nil)
	for _, db := range []string{f.main, f.small, f.main, f.main} {
		if _, err := c.Schemas(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if o, cl := strings.Count(out, "opened pool"), strings.Count(out, "closing pool"); o != 3 || cl != 2 {
		t.Errorf("opened %d pools and closed %d, want 3 and 2:\n%s", o, cl, out)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out = logs.String()
	mu.Unlock()
	if cl := strings.Count(out, "closing pool"); cl != 4 { // main again and the maintenance pool
		t.Errorf("closed %d pools in all, want 4:\n%s", cl, out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestClose(t *testing.T) {
	f := sharedFixture(t)
	c := newConnector(t, nil, nil)
	ctx := testCtx(t)
	if _, err := c.Schemas(ctx, f.small); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.Schemas(ctx, f.small); !errors.Is(err, postgres.ErrClosed) {
		t.Errorf("Schemas after Close = %v, want ErrClosed", err)
	}
	if err := c.Check(ctx); !errors.Is(err, postgres.ErrClosed) {
		t.Errorf("Check after Close = %v, want ErrClosed", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := postgres.New(context.Background(), nil, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("New(nil) = %v, want ErrInvalidInput", err)
	}
	if _, err := postgres.New(context.Background(), &pgxpool.Config{}, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("New(empty config) = %v, want ErrInvalidInput", err)
	}
	if _, err := postgres.New(context.Background(), &pgxpool.Config{ConnConfig: &pgx.ConnConfig{}}, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("New(config not made by ParseConfig) = %v, want ErrInvalidInput", err)
	}
	cfg, err := pgxpool.ParseConfig("host=127.0.0.1 user=x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.New(context.Background(), cfg, &postgres.Options{MaxConnsPerDatabase: -1}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("New with negative MaxConnsPerDatabase = %v, want ErrInvalidInput", err)
	}
}

// Hosts behind PgBouncer may turn prepared statements off: the batches
// work in every query mode.
func TestQueryExecModes(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeCacheDescribe} {
		cfg, err := pgxpool.ParseConfig(testDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.DefaultQueryExecMode = mode
		c, err := postgres.New(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Tables(ctx, f.main, oddSchema)
		if err != nil {
			t.Errorf("mode %v: %v", mode, err)
		} else {
			equal(t, fmt.Sprintf("Tables in mode %v", mode), got, wantOddTables())
		}
		n := 0
		if err := c.DatabaseTables(ctx, f.main, func(string, []connectors.Table) error { n++; return nil }); err != nil || n != 4 {
			t.Errorf("mode %v: DatabaseTables = %v after %d schemas, want 4", mode, err, n)
		}
		if _, err := c.Tables(ctx, f.main, "no such schema"); !errors.Is(err, connections.ErrNotFound) {
			t.Errorf("mode %v: Tables of a missing schema = %v", mode, err)
		}
		_ = c.Close()
	}
}

// Transient failures on the real server are retried: backends terminated
// by an administrator (57P01), and a role over its connection limit
// (53300) until a slot frees.
func TestRetries(t *testing.T) {
	f := sharedFixture(t)
	ctx := testCtx(t)
	id := unique()
	role := prefix + id + "_limited"
	exec(ctx, t, "", "CREATE ROLE "+sqlmeta.QuoteIdent(role)+" LOGIN CONNECTION LIMIT 1")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn := connectTo(ctx, t, "")
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+sqlmeta.QuoteIdent(role))
	})

	t.Run("terminated", func(t *testing.T) {
		var logs bytes.Buffer
		var mu sync.Mutex
		cfg, err := pgxpool.ParseConfig(testDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		app := prefix + id + "_app"
		cfg.ConnConfig.RuntimeParams["application_name"] = app
		c, err := postgres.New(ctx, cfg, &postgres.Options{RetryDelay: time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for range 3 {
			if _, err := c.Schemas(ctx, f.small); err != nil {
				t.Fatal(err)
			}
			exec(ctx, t, "", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "+sqlmeta.QuoteLiteral(app))
		}
		if _, err := c.Tables(ctx, f.small, "public"); err != nil {
			t.Errorf("Tables after its connections were terminated: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(logs.String(), "retrying") {
			t.Errorf("no retry logged:\n%s", logs.String())
		}
	})

	t.Run("too many connections", func(t *testing.T) {
		held := func() *pgxpool.Pool {
			cfg, err := pgxpool.ParseConfig(testDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.User = role
			p, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			return p
		}()
		cfg, err := pgxpool.ParseConfig(testDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.User = role
		var logs bytes.Buffer
		var mu sync.Mutex
		c, err := postgres.New(ctx, cfg, &postgres.Options{RetryAttempts: 8, RetryDelay: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go func() {
			time.Sleep(150 * time.Millisecond)
			held.Close()
		}()
		if err := c.Check(ctx); err != nil {
			t.Fatalf("Check once a connection slot frees: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(logs.String(), "53300") {
			t.Errorf("no retry of SQLSTATE 53300 logged:\n%s", logs.String())
		}
	})
}
