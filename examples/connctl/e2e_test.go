package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests build connctl once and run the binary as operators
// do, with a SQLite store in a temporary directory (or the PostgreSQL
// store), and PostgreSQL as the data platform: a scratch database made on
// the server GOVKIT_TEST_POSTGRES_DSN names, changed with SQL between syncs.

// binary is the connctl built by TestMain ("" if the build failed, which
// TestMain reports).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "connctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "connctl tests:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "connctl")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "connctl tests: go build:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the built binary with a fixed environment.
type cli struct {
	t   *testing.T
	env []string
}

func newCLI(t *testing.T, storeSpec string, extraEnv ...string) *cli {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"GOVKIT_STORE=" + storeSpec,
		"GOVKIT_ADMINS=ops",
		// A binary built with -race sleeps a second at exit by default; a
		// race it finds makes it exit with 66, which fails the test.
		"GORACE=atexit_sleep_ms=0",
	}
	return &cli{t: t, env: append(env, extraEnv...)}
}

// run runs connctl and returns stdout, stderr and the exit code.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = c.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.Truef(c.t, ok, "run connctl %v: %v", args, err)
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// json runs connctl --json, requires exit code want and decodes stdout.
func (c *cli) json(want int, v any, args ...string) {
	c.t.Helper()
	out, errs, code := c.run(append([]string{"--json"}, args...)...)
	require.Equalf(c.t, want, code, "connctl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errs)
	require.NoErrorf(c.t, json.Unmarshal([]byte(out), v), "connctl %s: stdout is not JSON: %s", strings.Join(args, " "), out)
}

// fails runs connctl --json, requires exit code want and returns the
// error object printed on stdout.
func (c *cli) fails(want int, args ...string) errorView {
	c.t.Helper()
	var ev errorView
	c.json(want, &ev, args...)
	require.Equal(c.t, want, ev.ExitCode)
	require.NotEmpty(c.t, ev.Error)
	return ev
}

func TestBinaryUsageAndExitCodes(t *testing.T) {
	c := newCLI(t, filepath.Join(t.TempDir(), "store.db"))

	out, _, code := c.run("help")
	require.Equal(t, 0, code)
	for _, name := range []string{"register", "list", "tree", "show", "sync", "enable", "disable", "delete", "grant", "revoke",
		"tags", "policy", "requests", "validate", "deregister", "admins", "schedule"} {
		assert.Contains(t, out, "\n  "+name+" ", "help lists %s", name)
	}
	_, errs, code := c.run("list")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--as")
	assert.Equal(t, "usage", c.fails(2, "--as", "ops", "sync", "--frobnicate").Code)
	assert.Equal(t, "usage", c.fails(2, "--as", "ops", "show", `a.b\`).Code)

	var list struct {
		Connections []connectionView `json:"connections"`
	}
	c.json(0, &list, "--as", "ops", "list")
	assert.Empty(t, list.Connections)
	assert.NotNil(t, list.Connections, "lists are [] in JSON, never null")
	assert.Equal(t, "not_found", c.fails(4, "--as", "ops", "show", "nope.db").Code)
	assert.Equal(t, "not_found", c.fails(4, "--as", "ops", "validate", "01920000-0000-7000-8000-000000000000").Code)
	assert.Equal(t, "permission_denied", c.fails(3, "--as", "alice", "policy", "activate").Code)
	assert.Equal(t, "permission_denied", c.fails(3, "--as", "alice", "schedule", "--for", "1s").Code)
	var pols struct {
		Policies []policyView `json:"policies"`
	}
	c.json(0, &pols, "--as", "alice", "policy", "list")
	require.Len(t, pols.Policies, 1)
	assert.Equal(t, "New Column Added", pols.Policies[0].Name)
	assert.False(t, pols.Policies[0].Active, "the seeded policy is staged")
	assert.Equal(t, "invalid_input", c.fails(2, "--as", "ops", "register", "pg", "--technology", "memory").Code,
		"connctl registers real platforms only")

	// schedule runs until told to stop, and stops cleanly.
	out, errs, code = c.run("--as", "ops", "schedule", "--for", "300ms")
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "stopped")
}

// Admins kept in the store outlive the process that added them: the next
// invocation, with no --admins naming them, finds them there.
func TestBinaryStoredAdmins(t *testing.T) {
	c := newCLI(t, filepath.Join(t.TempDir(), "store.db"))
	assert.Equal(t, "permission_denied", c.fails(3, "--as", "dave", "policy", "activate").Code, "dave is no admin yet")
	var added adminView
	c.json(0, &added, "--as", "ops", "admins", "add", "dave")
	assert.Equal(t, subjectView{Kind: "user", Name: "dave"}, added.Subject)
	assert.Equal(t, "ops", added.AddedBy)

	// A new process, and dave is not in GOVKIT_ADMINS: the store says he
	// is an admin.
	var pol policyView
	c.json(0, &pol, "--as", "dave", "policy", "activate")
	assert.True(t, pol.Active)
	c.json(0, &added, "--as", "dave", "admins", "add", "group:platform")
	var list struct {
		Admins []adminView `json:"admins"`
	}
	c.json(0, &list, "--as", "alice", "admins")
	require.Len(t, list.Admins, 2)
	assert.Equal(t, "dave", list.Admins[0].Subject.Name)
	assert.Equal(t, subjectView{Kind: "group", Name: "platform"}, list.Admins[1].Subject)
	assert.Equal(t, "dave", list.Admins[1].AddedBy)

	assert.Equal(t, "permission_denied", c.fails(3, "--as", "alice", "admins", "remove", "dave").Code)
	assert.Equal(t, "already_exists", c.fails(1, "--as", "ops", "admins", "add", "dave").Code)
	assert.Equal(t, "not_found", c.fails(4, "--as", "ops", "admins", "remove", "erin").Code)
	assert.Equal(t, "usage", c.fails(2, "--as", "ops", "admins", "promote", "erin").Code)
	assert.Equal(t, "usage", c.fails(2, "--as", "ops", "admins", "add").Code)
	assert.Equal(t, "usage", c.fails(2, "--as", "ops", "admins", "add", "robot:x").Code)

	c.json(0, &struct{}{}, "--as", "carol", "--groups", "platform", "admins", "remove", "dave")
	assert.Equal(t, "conflict", c.fails(1, "--as", "carol", "--groups", "platform", "admins", "remove", "group:platform").Code,
		"the last admin kept in the store stays")
	assert.Equal(t, "permission_denied", c.fails(3, "--as", "dave", "policy", "stage").Code, "dave is an admin no more")
	c.json(0, &struct{}{}, "--as", "ops", "admins", "remove", "group:platform")
	c.json(0, &list, "--as", "ops", "admins", "list")
	assert.Empty(t, list.Admins)
	assert.NotNil(t, list.Admins, "lists are [] in JSON, never null")
}

// scratchPlatform makes a scratch database on the server of
// GOVKIT_TEST_POSTGRES_DSN, dropped at cleanup, and returns a connection to
// it and the server's connection settings.
func scratchPlatform(t *testing.T) (*pgx.Conn, *pgx.ConnConfig, string) {
	t.Helper()
	dsn := os.Getenv("GOVKIT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("GOVKIT_TEST_POSTGRES_DSN is not set: skipping the tests that use PostgreSQL as the data platform " +
			"(e.g. GOVKIT_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err, "connect to GOVKIT_TEST_POSTGRES_DSN")
	name := fmt.Sprintf("govkit_connctl_%d_%d", os.Getpid(), rand.IntN(1_000_000))
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop scratch database %s: %v", name, err)
		}
		_ = admin.Close(ctx)
	})
	cfg := admin.Config().Copy()
	cfg.Database = name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn, cfg, name
}

// sqlExec runs statements on the platform.
func sqlExec(t *testing.T, conn *pgx.Conn, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range stmts {
		_, err := conn.Exec(ctx, s)
		require.NoError(t, err, s)
	}
}

// registerArgs are the arguments that register the scratch database as
// the connection key.
func registerArgs(key string, cfg *pgx.ConnConfig, db string) []string {
	return []string{
		"register", key, "--technology", "postgres", "--name", "Scratch PG. " + db,
		"--config", "host=" + cfg.Host, "--config", "port=" + strconv.Itoa(int(cfg.Port)),
		"--config", "user=" + cfg.User, "--config", "database=" + db, "--config", "databases=" + db,
		"--config", "sslmode=disable",
	}
}

// credEnv passes the server's password, if any, the way operators do.
func credEnv(key string, cfg *pgx.ConnConfig) []string {
	if cfg.Password == "" {
		return nil
	}
	return []string{envCredPrefix + envKey(key) + envCredSeparator + "PASSWORD=" + cfg.Password}
}

func paths[T any](items []T, path func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, path(it))
	}
	return out
}

func changePath(o objectChangeView) string { return o.Path }
func columnPath(c columnChangeView) string { return c.Table + "." + c.Column }

func TestBinaryPostgresPlatformSQLiteStore(t *testing.T) {
	testPostgresPlatform(t, func(*testing.T, *pgx.ConnConfig) string {
		return filepath.Join(t.TempDir(), "connctl.db")
	})
}

func TestBinaryPostgresPlatformPostgresStore(t *testing.T) {
	testPostgresPlatform(t, func(t *testing.T, _ *pgx.ConnConfig) string {
		// The store gets a scratch database of its own, so that the
		// platform's database holds only what the test creates.
		_, cfg, db := scratchPlatform(t)
		return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&%s=connctl_store", cfg.User, cfg.Host, cfg.Port, db, storeSchemaParam)
	})
}

// testPostgresPlatform is the operators' story, with PostgreSQL as the
// data platform and the store storeSpec returns: register, sync, change
// the platform with SQL, sync again, read the JSON.
func testPostgresPlatform(t *testing.T, storeSpec func(*testing.T, *pgx.ConnConfig) string) {
	conn, cfg, db := scratchPlatform(t)
	sqlExec(t, conn,
		"CREATE SCHEMA sales",
		"CREATE SCHEMA hr",
		"CREATE TABLE sales.orders (id bigint PRIMARY KEY, total numeric(12,2), placed_at timestamptz)",
		"CREATE TABLE sales.returns (id bigint, order_id bigint)",
		`CREATE TABLE sales."odd.name" (x int)`,
		"CREATE VIEW sales.big_orders AS SELECT id, total FROM sales.orders WHERE total > 1000",
		"CREATE TABLE hr.employees (id int, name text)",
	)
	key := "pg-e2e"
	spec := storeSpec(t, cfg)
	env := credEnv(key, cfg)
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password) // for a postgres:// store
	}
	c := newCLI(t, spec, env...)
	ops := func(args ...string) []string { return append([]string{"--as", "ops"}, args...) }
	alice := func(args ...string) []string { return append([]string{"--as", "alice"}, args...) }
	dbPath := key + "." + db
	sales := dbPath + ".sales"

	// Register: the crawl stores the whole scratch database.
	var reg struct {
		Connection connectionView `json:"connection"`
		Report     reportView     `json:"report"`
	}
	c.json(0, &reg, ops(registerArgs(key, cfg, db)...)...)
	assert.Equal(t, "postgres", reg.Connection.Technology)
	assert.Equal(t, "active", reg.Connection.Status)
	assert.Equal(t, db, reg.Connection.Config["database"])
	assert.EqualValues(t, 1, reg.Report.Counts.Databases)
	assert.EqualValues(t, 3, reg.Report.Counts.Schemas, "sales, hr and public")
	assert.EqualValues(t, 5, reg.Report.Counts.Tables)
	assert.Contains(t, paths(reg.Report.Added, changePath), sales+`.odd\.name`)

	// Data sources, an owner, and the policy that raises requests.
	var obj objectView
	c.json(0, &obj, ops("enable", sales)...)
	assert.True(t, obj.Enabled)
	c.json(0, &obj, ops("enable", "--new-children", dbPath)...)
	assert.Equal(t, "enable", obj.NewChildren)
	var g grantView
	c.json(0, &g, ops("grant", "owner", "alice", sales)...)
	var pol policyView
	c.json(0, &pol, ops("policy", "activate", "New Column Added")...)
	assert.True(t, pol.Active)

	// The platform changes.
	sqlExec(t, conn,
		"ALTER TABLE sales.orders ADD COLUMN email text",
		"DROP VIEW sales.big_orders",
		"ALTER TABLE sales.orders DROP COLUMN total",
		"DROP TABLE sales.returns",
		"CREATE TABLE sales.refunds (id bigint, amount numeric(12,2))",
		"ALTER TABLE hr.employees ALTER COLUMN name TYPE varchar(100)",
		"CREATE SCHEMA marketing",
		"CREATE TABLE marketing.campaigns (id int)",
	)

	// A dry run reports without writing.
	var rep reportView
	c.json(0, &rep, alice("sync", sales, "--dry-run")...)
	assert.True(t, rep.DryRun)
	assert.ElementsMatch(t, []string{sales + ".refunds"}, paths(rep.Added, changePath))

	// alice syncs what she owns.
	c.json(0, &rep, alice("sync", sales)...)
	assert.False(t, rep.DryRun)
	assert.Equal(t, sales, rep.Root)
	assert.ElementsMatch(t, []string{sales + ".refunds"}, paths(rep.Added, changePath))
	assert.ElementsMatch(t, []string{sales + ".returns", sales + ".big_orders"}, paths(rep.Deleted, changePath))
	assert.ElementsMatch(t, []string{sales + ".orders.email"}, paths(rep.ColumnsAdded, columnPath))
	assert.ElementsMatch(t, []string{sales + ".orders.total"}, paths(rep.ColumnsDeleted, columnPath))
	require.Len(t, rep.Requests, 2, "one request per column change of a data source")
	assert.EqualValues(t, 2, rep.Counts.Requests)
	assert.Empty(t, rep.Failed)
	// ...but not hr, which she does not own.
	assert.Equal(t, "permission_denied", c.fails(3, alice("sync", dbPath+".hr")...).Code)

	// The admin syncs the whole connection: the rest of the changes.
	c.json(0, &rep, ops("sync", key)...)
	assert.ElementsMatch(t, []string{dbPath + ".marketing", dbPath + ".marketing.campaigns"}, paths(rep.Added, changePath))
	require.Len(t, rep.ColumnsChanged, 1)
	assert.Equal(t, dbPath+".hr.employees", rep.ColumnsChanged[0].Table)
	assert.Equal(t, "text", rep.ColumnsChanged[0].Old.Type)
	assert.Equal(t, "character varying(100)", rep.ColumnsChanged[0].New.Type)
	assert.Empty(t, rep.Requests, "hr.employees is not a data source")
	assert.GreaterOrEqual(t, rep.Counts.Unchanged, int64(1), "sales did not change since alice's sync")

	// show: the New tag on the added column, the owner inherited from the schema.
	c.json(0, &obj, alice("show", sales+".orders")...)
	assert.True(t, obj.DataSource)
	require.NotNil(t, obj.Columns)
	cols := map[string]columnView{}
	for _, col := range *obj.Columns {
		cols[col.Name] = col
	}
	assert.NotContains(t, cols, "total")
	require.Contains(t, cols, "email")
	assert.Contains(t, cols["email"].Tags, tagView{Name: "New", Source: "new"})
	require.NotNil(t, obj.Owners)
	require.Len(t, *obj.Owners, 1)
	assert.Equal(t, "alice", (*obj.Owners)[0].Subject.Name)
	assert.True(t, (*obj.Owners)[0].Inherited)
	assert.Equal(t, sales, (*obj.Owners)[0].InheritedFrom)
	assert.Equal(t, sales, obj.EnableFrom)

	// tree: deleted remotely marks and new children enabled under the database.
	var tree struct {
		Root    string       `json:"root"`
		Objects []objectView `json:"objects"`
	}
	c.json(0, &tree, ops("tree", key)...)
	byPath := map[string]objectView{}
	for _, o := range tree.Objects {
		byPath[o.Path] = o
	}
	assert.True(t, byPath[sales+".returns"].DeletedRemotely)
	assert.False(t, byPath[sales+".returns"].Enabled, "a table deleted remotely is disabled")
	assert.True(t, byPath[dbPath+".marketing.campaigns"].DataSource, "new children of the database are enabled")
	assert.Equal(t, dbPath, byPath[dbPath+".marketing.campaigns"].NewChildrenFrom)
	assert.False(t, byPath[dbPath+".hr.employees"].Enabled)
	out, _, code := c.run(ops("tree", sales)...)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "returns  TABLE  disabled  [deleted remotely]")
	assert.Contains(t, out, `odd\.name  TABLE  enabled`)

	// alice validates her requests; the New tag goes with the added column's.
	var reqs struct {
		Requests []requestView `json:"requests"`
	}
	c.json(0, &reqs, alice("requests", "--mine")...)
	require.Len(t, reqs.Requests, 2)
	for _, r := range reqs.Requests {
		assert.Equal(t, sales+".orders", r.Table)
		assert.Equal(t, "open", r.State)
		var v requestView
		c.json(0, &v, alice("validate", r.ID)...)
		assert.Equal(t, "validated", v.State)
		assert.Equal(t, "alice", v.ValidatedBy)
	}
	c.json(0, &reqs, alice("requests")...)
	assert.Empty(t, reqs.Requests, "no open requests left")
	c.json(0, &reqs, ops("requests", sales, "--state", "validated")...)
	assert.Len(t, reqs.Requests, 2)
	c.json(0, &obj, alice("show", sales+".orders")...)
	for _, col := range *obj.Columns {
		assert.Empty(t, col.Tags, "column %s", col.Name)
	}

	// A table that comes back is reactivated with its settings and tags.
	c.json(0, &struct{}{}, alice("tags", "add", sales+".returns", "retention=7y")...)
	sqlExec(t, conn, "CREATE TABLE sales.returns (id bigint, order_id bigint)")
	c.json(0, &rep, alice("sync", sales)...)
	assert.ElementsMatch(t, []string{sales + ".returns"}, paths(rep.Reactivated, changePath))
	c.json(0, &obj, alice("show", sales+".returns")...)
	assert.Equal(t, "active", obj.State)
	assert.Contains(t, obj.Tags, tagView{Name: "retention", Value: "7y", Source: "user"})

	// Deleting what was deleted remotely; what is still there needs --force.
	var del struct {
		Path    string `json:"path"`
		Deleted int64  `json:"deleted"`
	}
	c.json(0, &del, alice("delete", sales+".big_orders")...)
	assert.EqualValues(t, 1, del.Deleted)
	assert.Equal(t, "usage", c.fails(2, alice("delete", sales+".orders")...).Code)
	assert.Equal(t, "not_found", c.fails(4, alice("show", sales+".big_orders")...).Code)

	// The human summary of a sync with nothing to do.
	out, errs, code := c.run(ops("sync", key)...)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "Synced "+key+" (whole connection)")
	assert.Contains(t, out, "added 0, deleted remotely 0")

	// Nothing secret is in the store file.
	if cfg.Password != "" && !strings.HasPrefix(spec, "postgres://") {
		data, err := os.ReadFile(spec)
		require.NoError(t, err)
		assert.NotContains(t, string(data), cfg.Password)
	}

	// schedule announces the next periodic sync of each connection.
	out, errs, code = c.run(ops("--json", "schedule", "--for", "300ms")...)
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	var ev scheduleEvent
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &ev))
	assert.Equal(t, "scheduled", ev.Event)
	assert.Equal(t, key, ev.Connection)
	require.NotNil(t, ev.NextRun)
	assert.Equal(t, 1, ev.NextRun.Hour(), "every 24 hours at 01:00 UTC by default")
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &ev))
	assert.Equal(t, "stopped", ev.Event)

	// Deregister: gone from the store, the platform untouched.
	assert.Equal(t, "permission_denied", c.fails(3, alice("deregister", key)...).Code)
	c.json(0, &struct{}{}, ops("deregister", key)...)
	assert.Equal(t, "not_found", c.fails(4, ops("show", key)...).Code)
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sales'").Scan(&n))
	assert.Equal(t, 4, n, "orders, odd.name, refunds and returns are still there")
}
