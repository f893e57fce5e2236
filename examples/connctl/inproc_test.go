package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run connctl in process, over an in-memory store shared by
// the invocations and the memory platform, so they need no services. The
// end-to-end tests in e2e_test.go run the built binary against SQLite and
// PostgreSQL.

// keepOpen is a store whose Close does nothing, so that one memstore
// outlives the invocations.
type keepOpen struct{ store.Store }

func (keepOpen) Close() error { return nil }

type harness struct {
	t        *testing.T
	st       *memstore.Store
	platform *memory.Platform
	env      []string
	tty      *bytes.Buffer // where the progress bar goes, when set
	clock    *jumpClock    // what schedule waits on, when set
}

// jumpClock is a clock on which every wait is over at once: the time
// jumps ahead by what was asked.
type jumpClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *jumpClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	p := memory.NewPlatform("demo")
	cols := func(names ...string) []hierarchy.Column {
		out := make([]hierarchy.Column, len(names))
		for i, n := range names {
			out[i] = hierarchy.Column{Name: n, Type: "TEXT", Position: i + 1, Nullable: true}
		}
		return out
	}
	for _, err := range []error{
		p.AddDatabase("sales", ""),
		p.AddSchema("sales", "public", ""),
		p.AddTable("sales", "public", connectors.Table{Name: "orders", Type: hierarchy.TypeTable, Columns: cols("id", "total")}),
		p.AddTable("sales", "public", connectors.Table{Name: "returns", Type: hierarchy.TypeTable, Columns: cols("id")}),
		p.AddTable("sales", "public", connectors.Table{Name: "my.view", Type: hierarchy.TypeView, Columns: cols("id")}),
		p.AddDatabase("hr", ""),
		p.AddSchema("hr", "people", ""),
		p.AddTable("hr", "people", connectors.Table{Name: "employees", Type: hierarchy.TypeTable, Columns: cols("id", "name")}),
	} {
		require.NoError(t, err)
	}
	st := memstore.New(nil)
	t.Cleanup(func() { _ = st.Close() })
	return &harness{t: t, st: st, platform: p, env: []string{"GOVKIT_ADMINS=ops"}}
}

// run runs connctl and returns stdout, stderr and the exit code.
func (h *harness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdout:       &out,
		stderr:       &errb,
		environ:      h.env,
		technologies: []connectors.Technology{h.platform.Technology()},
		openStore: func(context.Context, string, *slog.Logger) (store.Store, error) {
			return keepOpen{h.st}, nil
		},
		progressTTY: func() (io.Writer, int, bool) {
			if h.tty == nil {
				return nil, 0, false
			}
			return h.tty, 100, true
		},
	}
	if h.clock != nil {
		a.clock = h.clock
	}
	code := a.run(context.Background(), args)
	return out.String(), errb.String(), code
}

// ok runs connctl, requires exit code 0 and returns stdout.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	require.Equalf(h.t, 0, code, "connctl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errs)
	return out
}

// json runs connctl with --json, requires exit code 0 and decodes stdout.
func (h *harness) json(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append([]string{"--json"}, args...)...)
	require.NoErrorf(h.t, json.Unmarshal([]byte(out), v), "stdout: %s", out)
}

// fails runs connctl with --json, requires the exit code and returns the
// error object.
func (h *harness) fails(code int, args ...string) errorView {
	h.t.Helper()
	out, errs, got := h.run(append([]string{"--json"}, args...)...)
	require.Equalf(h.t, code, got, "connctl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errs)
	require.NotEmpty(h.t, errs, "an error goes to stderr")
	var ev errorView
	require.NoErrorf(h.t, json.Unmarshal([]byte(out), &ev), "stdout: %s", out)
	require.Equal(h.t, code, ev.ExitCode)
	require.NotEmpty(h.t, ev.Error)
	return ev
}

func TestInProcessStory(t *testing.T) {
	h := newHarness(t)
	admin := []string{"--as", "ops"}
	as := func(user string, args ...string) []string { return append([]string{"--as", user}, args...) }

	var reg struct {
		Connection connectionView `json:"connection"`
		Report     reportView     `json:"report"`
	}
	h.json(&reg, as("ops", "register", "demo", "--technology", "memory", "--name", "Demo. Warehouse", "--schedule-interval", "2h")...)
	assert.Equal(t, "demo", reg.Connection.Key)
	assert.Equal(t, "Demo. Warehouse", reg.Connection.DisplayName)
	assert.Equal(t, "active", reg.Connection.Status)
	assert.EqualValues(t, 7200, reg.Connection.Settings.Schedule.IntervalSeconds)
	assert.EqualValues(t, 4, reg.Report.Counts.Tables)
	assert.Len(t, reg.Report.Added, 8, "databases, schemas and tables")

	// A second registration of the key fails; so does one by a non-admin.
	assert.Equal(t, "already_exists", h.fails(1, as("ops", "register", "demo", "--technology", "memory")...).Code)
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "register", "other", "--technology", "memory")...).Code)
	assert.Equal(t, "invalid_input", h.fails(2, as("ops", "register", "sync", "--technology", "memory")...).Code)
	assert.Equal(t, "invalid_input", h.fails(2, as("ops", "register", "x", "--technology", "oracle")...).Code)
	assert.Equal(t, "usage", h.fails(2, as("ops", "register", "x", "--technology", "memory", "--config", "password=hunter2")...).Code)

	var list struct {
		Connections []connectionView `json:"connections"`
	}
	h.json(&list, as("ops", "list")...)
	require.Len(t, list.Connections, 1)
	h.json(&list, as("alice", "list")...)
	assert.Empty(t, list.Connections, "alice owns nothing yet")

	// Enable the sales schema, hand the sales database to alice.
	var obj objectView
	h.json(&obj, as("ops", "enable", "demo.sales.public")...)
	assert.True(t, obj.Enabled)
	assert.Equal(t, "demo.sales.public", obj.EnableFrom)
	h.json(&obj, as("ops", "enable", "--new-children", "demo.sales")...)
	assert.Equal(t, "enable", obj.NewChildren)
	var g grantView
	h.json(&g, as("ops", "grant", "owner", "alice", "demo.sales")...)
	assert.Equal(t, subjectView{Kind: "user", Name: "alice"}, g.Subject)
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "grant", "owner", "bob", "demo.sales")...).Code)
	h.json(&list, as("alice", "list")...)
	assert.Len(t, list.Connections, 1)

	// show: owners inherited, settings' origins, escaped names.
	h.json(&obj, as("alice", "show", `demo.sales.public.my\.view`)...)
	assert.Equal(t, `demo.sales.public.my\.view`, obj.Path)
	assert.Equal(t, []string{"demo", "sales", "public", "my.view"}, obj.Names)
	assert.True(t, obj.DataSource)
	assert.Equal(t, "demo.sales.public", obj.EnableFrom)
	assert.Equal(t, "demo.sales", obj.NewChildrenFrom)
	require.NotNil(t, obj.Owners)
	require.Len(t, *obj.Owners, 1)
	assert.Equal(t, ownerView{Subject: subjectView{"user", "alice"}, Inherited: true, InheritedFrom: "demo.sales", GrantedBy: (*obj.Owners)[0].GrantedBy, GrantedAt: (*obj.Owners)[0].GrantedAt}, (*obj.Owners)[0])
	require.NotNil(t, obj.Columns)
	assert.Len(t, *obj.Columns, 1)
	var system bool
	for _, tg := range obj.Tags {
		system = system || tg.Source == "system"
	}
	assert.True(t, system, "a data source carries the connection tag: %v", obj.Tags)

	// alice may not see hr's objects' owners change, may not sync hr.
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "sync", "demo.hr")...).Code)
	assert.Equal(t, "not_found", h.fails(4, as("ops", "show", "demo.nope")...).Code)
	assert.Equal(t, "not_found", h.fails(4, as("ops", "show", "nope")...).Code)
	assert.Equal(t, "usage", h.fails(2, as("ops", "show", `demo.bad\`)...).Code)
	assert.Equal(t, "usage", h.fails(2, as("ops", "show")...).Code)

	// The platform changes; the policy is active, so changes raise requests.
	var pol policyView
	h.json(&pol, as("ops", "policy", "activate")...)
	assert.True(t, pol.Active)
	assert.Equal(t, "New Column Added", pol.Name)
	require.NoError(t, h.platform.AddColumn("sales", "public", "orders", hierarchy.Column{Name: "email", Type: "TEXT"}))
	require.NoError(t, h.platform.DropTable("sales", "public", "returns"))
	require.NoError(t, h.platform.AddTable("sales", "public", connectors.Table{Name: "refunds", Type: hierarchy.TypeTable,
		Columns: []hierarchy.Column{{Name: "id", Type: "TEXT", Position: 1}}}))

	var dry reportView
	h.json(&dry, as("alice", "sync", "demo.sales", "--dry-run")...)
	assert.True(t, dry.DryRun)
	assert.EqualValues(t, 1, dry.Counts.Added)

	h.tty = &bytes.Buffer{}
	var rep reportView
	h.json(&rep, as("alice", "sync", "demo.sales")...)
	assert.Empty(t, h.tty.String(), "no progress bar with --json")
	assert.Equal(t, "demo.sales", rep.Root)
	require.Len(t, rep.Added, 1)
	assert.Equal(t, "demo.sales.public.refunds", rep.Added[0].Path)
	require.Len(t, rep.Deleted, 1)
	assert.Equal(t, "demo.sales.public.returns", rep.Deleted[0].Path)
	require.Len(t, rep.ColumnsAdded, 1)
	assert.Equal(t, "email", rep.ColumnsAdded[0].Column)
	assert.Nil(t, rep.ColumnsAdded[0].Old)
	require.Len(t, rep.Requests, 1)

	// The human summary, and a progress bar on a "terminal".
	require.NoError(t, h.platform.DropColumn("sales", "public", "orders", "total"))
	out := h.ok(as("alice", "sync", "demo.sales")...)
	assert.Contains(t, out, "- demo.sales.public.orders.total")
	assert.Contains(t, h.tty.String(), "tables")
	h.tty = nil

	// tree marks what was deleted remotely and what is set where.
	out = h.ok(as("alice", "tree", "demo")...)
	assert.Contains(t, out, "returns  TABLE  disabled  [deleted remotely]")
	assert.Contains(t, out, "public  SCHEMA  enabled (set here)")
	var tree struct {
		Root    string       `json:"root"`
		Objects []objectView `json:"objects"`
	}
	h.json(&tree, as("alice", "tree", "demo.sales", "--columns")...)
	assert.Equal(t, "demo.sales", tree.Root)
	byPath := map[string]objectView{}
	for _, o := range tree.Objects {
		byPath[o.Path] = o
	}
	assert.True(t, byPath["demo.sales.public.returns"].DeletedRemotely)
	assert.True(t, byPath["demo.sales.public.refunds"].DataSource, "new children of sales are enabled")
	require.NotNil(t, byPath["demo.sales.public.orders"].Columns)
	assert.Nil(t, byPath["demo.sales.public"].Columns)
	assert.Nil(t, byPath["demo.sales"].Owners)
	assert.Equal(t, 3, byPath["demo.sales.public.orders"].Depth)

	// Requests: alice's tasks, validate one, the New tag goes.
	var reqs struct {
		Requests []requestView `json:"requests"`
	}
	h.json(&reqs, as("alice", "requests", "--mine")...)
	require.Len(t, reqs.Requests, 2)
	var added requestView
	for _, r := range reqs.Requests {
		if r.Kind == "column_added" {
			added = r
		}
	}
	require.Equal(t, "email", added.Column)
	h.json(&reqs, as("ops", "requests", "--mine")...)
	assert.Empty(t, reqs.Requests, "ops owns nothing")
	h.json(&reqs, as("ops", "requests")...)
	assert.Len(t, reqs.Requests, 2)
	h.json(&reqs, as("ops", "requests", "demo.sales.public.orders")...)
	assert.Len(t, reqs.Requests, 2)
	assert.Equal(t, "permission_denied", h.fails(3, as("bob", "validate", added.ID)...).Code)
	assert.Equal(t, "usage", h.fails(2, as("alice", "validate", "not-an-id")...).Code)
	var v requestView
	h.json(&v, as("alice", "validate", added.ID)...)
	assert.Equal(t, "validated", v.State)
	assert.Equal(t, "conflict", h.fails(1, as("alice", "validate", added.ID)...).Code)
	h.json(&obj, as("alice", "show", "demo.sales.public.orders")...)
	for _, c := range *obj.Columns {
		for _, tg := range c.Tags {
			assert.NotEqual(t, "new", tg.Source, "column %s", c.Name)
		}
	}

	// Tags on a table and on a column; system tags are immutable.
	h.ok(as("alice", "tags", "add", "demo.sales.public.orders", "pii=low")...)
	h.ok(as("alice", "tags", "add", "demo.sales.public.orders.email", "pii")...)
	var hits struct {
		Hits []tagHitView `json:"hits"`
	}
	h.json(&hits, as("alice", "tags", "find", "pii")...)
	require.Len(t, hits.Hits, 2)
	h.json(&hits, as("alice", "tags", "find", "pii", "--value", "low")...)
	require.Len(t, hits.Hits, 1)
	var tl struct {
		Tags []struct {
			Column string  `json:"column"`
			Tag    tagView `json:"tag"`
		} `json:"tags"`
	}
	h.json(&tl, as("alice", "tags", "list", "demo.sales.public.orders.email")...)
	require.Len(t, tl.Tags, 1)
	assert.Equal(t, "pii", tl.Tags[0].Tag.Name)
	h.ok(as("alice", "tags", "remove", "demo.sales.public.orders.email", "pii")...)
	sysTag := ""
	for _, tg := range obj.Tags {
		if tg.Source == "system" {
			sysTag = tg.Name
		}
	}
	assert.Equal(t, "immutable", h.fails(1, as("alice", "tags", "remove", "demo.sales.public.orders", sysTag)...).Code)
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "tags", "add", "demo.hr.people.employees", "x")...).Code)

	// delete needs --force for an object still on the platform.
	assert.Equal(t, "usage", h.fails(2, as("alice", "delete", "demo.sales.public.orders")...).Code)
	var del struct {
		Path    string `json:"path"`
		Deleted int64  `json:"deleted"`
	}
	h.json(&del, as("alice", "delete", "demo.sales.public.returns")...)
	assert.EqualValues(t, 1, del.Deleted)
	assert.Equal(t, "not_found", h.fails(4, as("alice", "show", "demo.sales.public.returns")...).Code)

	// Revoke, settings, deregister.
	h.ok(as("ops", "revoke", "owner", "user:alice", "demo.sales")...)
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "show", "demo.sales")...).Code)
	var conn connectionView
	h.json(&conn, append(admin, "settings", "demo", "--schedule-offset", "30m")...)
	assert.EqualValues(t, 1800, conn.Settings.Schedule.OffsetSeconds)
	assert.EqualValues(t, 7200, conn.Settings.Schedule.IntervalSeconds, "other settings are kept")
	assert.Equal(t, "permission_denied", h.fails(3, as("alice", "deregister", "demo")...).Code)
	h.ok(append(admin, "deregister", "demo")...)
	assert.Equal(t, "not_found", h.fails(4, append(admin, "deregister", "demo")...).Code)
}

func TestInProcessCredentials(t *testing.T) {
	h := newHarness(t)
	h.platform.RequireCredentials(connectors.Credentials{"password": "s3cret"})

	// Without credentials the platform refuses: permission denied.
	ev := h.fails(3, "--as", "ops", "register", "my-demo", "--technology", "memory")
	assert.NotContains(t, ev.Error, "s3cret")

	// From the environment.
	h.env = append(h.env, "GOVKIT_CRED_MY_DEMO__PASSWORD=s3cret")
	h.ok("--as", "ops", "register", "my-demo", "--technology", "memory")
	h.ok("--as", "ops", "sync", "my-demo")

	// From a JSON file, and from a KEY=VALUE file.
	h.env = []string{"GOVKIT_ADMINS=ops"}
	out, errs, code := h.run("--json", "--as", "ops", "sync", "my-demo")
	require.Equal(t, 3, code, "the whole sync failed for refused credentials\nstdout: %s\nstderr: %s", out, errs)
	var rep reportView
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "the report is on stdout")
	require.Len(t, rep.Failed, 1)
	assert.Equal(t, "my-demo", rep.Failed[0].Path)
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "creds.json")
	require.NoError(t, os.WriteFile(jsonFile, []byte(`{"connections": {"my-demo": {"password": "s3cret"}}, "tags": {}}`), 0o600))
	h.ok("--as", "ops", "--credentials-file", jsonFile, "sync", "my-demo")
	envFile := filepath.Join(dir, "creds.env")
	require.NoError(t, os.WriteFile(envFile, []byte("# secrets\nexport GOVKIT_CRED_MY_DEMO__PASSWORD='s3cret'\n"), 0o600))
	h.env = append(h.env, "GOVKIT_CREDENTIALS_FILE="+envFile)
	out, errs, code = h.run("--as", "ops", "sync", "my-demo")
	require.Equal(t, 0, code, errs)
	assert.NotContains(t, out+errs, "s3cret")

	// A malformed file is a usage error that does not echo its content.
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"connections": {"my-demo": "s3cret"}}`), 0o644))
	ev = h.fails(2, "--as", "ops", "--credentials-file", bad, "list")
	assert.NotContains(t, ev.Error, "s3cret")

	// The store holds no secret.
	c, err := h.st.Connection(context.Background(), "my-demo")
	require.NoError(t, err)
	b, _ := json.Marshal(c)
	assert.NotContains(t, string(b), "s3cret")
}

func TestInProcessUsage(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{},
		{"--as", "ops", "frobnicate"},
		{"list"}, // no actor
		{"--as", "ops", "list", "extra"},
		{"--as", "ops", "--nope", "list"},
		{"--as", "ops", "tree", "--depth", "x"},
		{"--as", "ops", "grant", "admin", "alice", "demo"},
		{"--as", "ops", "grant", "owner", "robot:x", "demo"},
		{"--as", "ops", "requests", "--state", "closed"},
		{"--as", "ops", "tags", "tag", "demo", "x"},
		{"--as", "ops", "policy", "delete"},
		{"--as", "ops", "register", "x"},
		{"--as", "ops", "enable", "demo.a.b.c.d.e"},
	} {
		out, errs, code := h.run(append([]string{"--json"}, args...)...)
		assert.Equalf(t, 2, code, "connctl %v\nstdout: %s\nstderr: %s", args, out, errs)
		assert.NotEmptyf(t, errs, "connctl %v", args)
		var ev errorView
		if assert.NoErrorf(t, json.Unmarshal([]byte(out), &ev), "connctl %v: %s", args, out) {
			assert.Equal(t, 2, ev.ExitCode)
		}
	}
	// Help is not an error.
	out, _, code := h.run("help", "register")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--technology")
	out, _, code = h.run("sync", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--dry-run")
	// Flags may follow the arguments; "--" ends them.
	h.ok("--as", "ops", "register", "demo", "--technology", "memory")
	_, _, code = h.run("tree", "demo", "--as", "ops", "--depth", "1")
	assert.Equal(t, 0, code)
	_, errs, code := h.run("--as", "ops", "show", "--", "--depth")
	assert.Equal(t, 4, code, "--depth after -- is a path (of no connection)")
	assert.Contains(t, errs, "--depth")
}

func TestInProcessPartialSync(t *testing.T) {
	h := newHarness(t)
	h.ok("--as", "ops", "register", "demo", "--technology", "memory")
	require.NoError(t, h.platform.InjectFault(memory.Fault{Database: "hr"}))
	out, errs, code := h.run("--json", "--as", "ops", "sync", "demo")
	require.Equal(t, 5, code, "stdout: %s\nstderr: %s", out, errs)
	var rep reportView
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "the report, not an error object, is on stdout")
	require.NotEmpty(t, rep.Failed)
	assert.Contains(t, rep.Failed[0].Path, "demo.hr")
	assert.Contains(t, errs, "failed subtree")
}

func TestInProcessGroups(t *testing.T) {
	h := newHarness(t)
	h.env = []string{"GOVKIT_ADMINS=group:platform"}
	h.ok("--as", "carol", "--groups", "platform", "register", "demo", "--technology", "memory")
	assert.Equal(t, "permission_denied", h.fails(3, "--as", "carol", "register", "demo2", "--technology", "memory").Code,
		"carol is an admin only as a member of platform")
	h.ok("--as", "carol", "--groups", "platform", "grant", "owner", "group:analysts", "demo.hr")
	var obj objectView
	h.json(&obj, "--as", "bob", "--groups", "analysts,other", "show", "demo.hr.people.employees")
	require.Len(t, *obj.Owners, 1)
	assert.Equal(t, subjectView{Kind: "group", Name: "analysts"}, (*obj.Owners)[0].Subject)
	assert.Equal(t, "demo.hr", (*obj.Owners)[0].InheritedFrom)
	h.env = append(h.env, "GOVKIT_AS=bob", "GOVKIT_GROUPS=analysts")
	h.ok("enable", "demo.hr.people")
	assert.Equal(t, "permission_denied", h.fails(3, "enable", "demo.sales").Code)
	// sync without a path: what bob owns.
	var sum struct {
		Reports []reportView `json:"reports"`
		Errors  []errorView  `json:"errors"`
	}
	h.json(&sum, "sync")
	require.Len(t, sum.Reports, 1)
	assert.Equal(t, "demo.hr", sum.Reports[0].Root)
	assert.Empty(t, sum.Errors)
}

// schedule syncs each connection at its slot and prints each result: on
// a clock whose waits end at once, the slots come one after the other.
func TestInProcessScheduleRunsAndReportsSyncs(t *testing.T) {
	h := newHarness(t)
	h.ok("--as", "ops", "register", "demo", "--technology", "memory")
	require.NoError(t, h.platform.AddColumn("hr", "people", "employees", hierarchy.Column{Name: "email", Type: "TEXT"}))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.clock = &jumpClock{t: start}

	out := h.ok("--as", "ops", "--json", "schedule", "--for", "300ms")
	var events []scheduleEvent
	for line := range strings.Lines(out) {
		var ev scheduleEvent
		require.NoErrorf(t, json.Unmarshal([]byte(line), &ev), "each line is one JSON object: %q", line)
		events = append(events, ev)
	}
	require.GreaterOrEqual(t, len(events), 3, "scheduled, at least one synced, stopped:\n%s", out)
	first, last := events[0], events[len(events)-1]
	assert.Equal(t, "scheduled", first.Event)
	assert.Equal(t, "demo", first.Connection)
	require.NotNil(t, first.NextRun)
	assert.Equal(t, start.Add(time.Hour), *first.NextRun, "by default every 24 h at 01:00 UTC")
	assert.Equal(t, "stopped", last.Event)

	var synced []scheduleEvent
	for _, ev := range events {
		if ev.Event == "synced" {
			synced = append(synced, ev)
		}
	}
	require.NotEmpty(t, synced, "the scheduler ran the slot:\n%s", out)
	ev := synced[0]
	assert.Equal(t, "demo", ev.Connection)
	assert.Empty(t, ev.Error)
	require.NotNil(t, ev.Report)
	assert.Equal(t, "demo", ev.Report.Root)
	require.Len(t, ev.Report.ColumnsAdded, 1, "the first periodic sync found the new column")
	assert.Equal(t, "demo.hr.people.employees", ev.Report.ColumnsAdded[0].Table)
	assert.Equal(t, "email", ev.Report.ColumnsAdded[0].Column)
	assert.False(t, ev.Time.Before(start.Add(time.Hour)), "it ran at its slot, not before")

	c, err := h.st.Connection(t.Context(), "demo")
	require.NoError(t, err)
	assert.False(t, c.LastSync.IsZero(), "the periodic sync recorded LastSync")

	// Human output: one line per event.
	h.clock = &jumpClock{t: start}
	out = h.ok("--as", "ops", "schedule", "--for", "100ms")
	assert.Contains(t, out, "demo: next sync at 2026-01-01T01:00:00Z")
	assert.Contains(t, out, "demo: synced in ")
	assert.Contains(t, out, "stopped")
}
