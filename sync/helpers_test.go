package sync_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	objsync "github.com/govkit/connections/sync"
)

const testKey = "snow"

// env is a memory platform registered as connection testKey in a
// memstore, with an engine over both.
type env struct {
	t    *testing.T
	ctx  context.Context
	p    *memory.Platform
	st   *memstore.Store
	e    *objsync.Engine
	reg  *connectors.Registry
	host hierarchy.ID
}

func newEnv(t *testing.T, opts *objsync.Options) *env {
	t.Helper()
	ctx := t.Context()
	p := memory.NewPlatform("acct")
	st := memstore.New(nil)
	t.Cleanup(func() { _ = st.Close() })
	reg, err := connectors.NewRegistry(p.Technology())
	if err != nil {
		t.Fatal(err)
	}
	host := hierarchy.NewID()
	conn := store.Connection{
		Key: testKey, DisplayName: "Main Account", Technology: "memory",
		HostID: host, Status: store.StatusActive,
	}
	hostObj := hierarchy.Object{ID: host, Path: hierarchy.Path{testKey}, Type: hierarchy.TypeHost, State: hierarchy.Active}
	if err := st.CreateConnection(ctx, conn, hostObj); err != nil {
		t.Fatal(err)
	}
	e, err := objsync.New(st, reg, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, p: p, st: st, e: e, reg: reg, host: host}
}

// settings changes the connection's settings.
func (v *env) settings(f func(*store.Settings)) {
	v.t.Helper()
	c, err := v.st.Connection(v.ctx, testKey)
	if err != nil {
		v.t.Fatal(err)
	}
	f(&c.Settings)
	if err := v.st.UpdateConnection(v.ctx, c); err != nil {
		v.t.Fatal(err)
	}
}

// sync syncs the whole connection and fails the test on error.
func (v *env) sync(ro *objsync.RunOptions) *objsync.Report {
	v.t.Helper()
	rep, err := v.e.Sync(v.ctx, testKey, nil, ro)
	if err != nil {
		v.t.Fatalf("sync: %v", err)
	}
	if rep == nil {
		v.t.Fatal("sync returned no report")
	}
	return rep
}

// syncClean syncs and fails the test if any subtree failed.
func (v *env) syncClean() *objsync.Report {
	v.t.Helper()
	rep := v.sync(nil)
	if err := rep.Err(); err != nil {
		v.t.Fatalf("sync failed in part: %v", err)
	}
	return rep
}

func (v *env) syncPath(path string, ro *objsync.RunOptions) (*objsync.Report, error) {
	return v.e.Sync(v.ctx, testKey, hierarchy.MustParse(path), ro)
}

// obj returns the stored object at a path ("snow.db.s.t").
func (v *env) obj(path string) hierarchy.Object {
	v.t.Helper()
	o, err := v.st.Lookup(v.ctx, hierarchy.MustParse(path))
	if err != nil {
		v.t.Fatalf("lookup %s: %v", path, err)
	}
	return o
}

func (v *env) missing(path string) {
	v.t.Helper()
	if _, err := v.st.Lookup(v.ctx, hierarchy.MustParse(path)); !errors.Is(err, connections.ErrNotFound) {
		v.t.Fatalf("%s: want not found, got %v", path, err)
	}
}

// dump renders the stored subtree at path, with every field a write
// would change, one object per line.
func (v *env) dump(path string) string {
	v.t.Helper()
	root := v.obj(path)
	var b strings.Builder
	var walk func(o hierarchy.Object)
	walk = func(o hierarchy.Object) {
		fmt.Fprintf(&b, "%s id=%s type=%s state=%s enable=%s new=%s fp=%d upd=%d del=%d cmt=%q tags=%v\n",
			o.Path, o.ID, o.Type, o.State, o.Enable, o.NewChildren, o.Fingerprint,
			o.UpdatedAt.UnixNano(), o.DeletedAt.UnixNano(), o.Comment, o.Tags)
		for _, c := range o.Columns {
			fmt.Fprintf(&b, "  %s %s pos=%d null=%v tags=%v\n", c.Name, c.Type, c.Position, c.Nullable, c.Tags)
		}
		if o.Kind() == hierarchy.KindTable {
			return
		}
		kids, err := v.st.Snapshot(v.ctx, o.ID)
		if err != nil {
			v.t.Fatalf("snapshot %s: %v", o.Path, err)
		}
		for _, k := range kids {
			walk(k)
		}
	}
	walk(root)
	return b.String()
}

// requests returns the connection's requests.
func (v *env) requests() []store.Request {
	v.t.Helper()
	var all []store.Request
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		rs, next, err := v.st.Requests(v.ctx, store.RequestFilter{Connection: testKey}, page)
		if err != nil {
			v.t.Fatal(err)
		}
		all = append(all, rs...)
		if next == "" {
			return all
		}
		page.After = next
	}
}

// setEnable sets an object's own Enable setting.
func (v *env) setEnable(path string, s hierarchy.Setting) {
	v.t.Helper()
	if err := v.st.UpdateSettings(v.ctx, v.obj(path).ID, store.SettingsUpdate{Enable: &s}); err != nil {
		v.t.Fatal(err)
	}
}

func (v *env) setNewChildren(path string, s hierarchy.Setting) {
	v.t.Helper()
	if err := v.st.UpdateSettings(v.ctx, v.obj(path).ID, store.SettingsUpdate{NewChildren: &s}); err != nil {
		v.t.Fatal(err)
	}
}

func (v *env) must(err error) {
	v.t.Helper()
	if err != nil {
		v.t.Fatal(err)
	}
}

// cols makes columns "name:TYPE" (TYPE defaults to VARCHAR).
func cols(specs ...string) []hierarchy.Column {
	out := make([]hierarchy.Column, len(specs))
	for i, s := range specs {
		name, typ, ok := strings.Cut(s, ":")
		if !ok {
			typ = "VARCHAR"
		}
		out[i] = hierarchy.Column{Name: name, Type: typ, Position: i + 1, Nullable: true}
	}
	return out
}

// table adds a table to the platform.
func (v *env) table(db, sc, name string, columns ...string) {
	v.t.Helper()
	v.must(v.p.AddTable(db, sc, connectors.Table{Name: name, Columns: cols(columns...)}))
}

// schema adds a database (if needed) and a schema with tables t0..tn-1 of
// columns a and b.
func (v *env) schema(db, sc string, n int) {
	v.t.Helper()
	if err := v.p.AddDatabase(db, ""); err != nil && !errors.Is(err, connections.ErrAlreadyExists) {
		v.t.Fatal(err)
	}
	v.must(v.p.AddSchema(db, sc, ""))
	for i := range n {
		v.table(db, sc, fmt.Sprintf("t%d", i), "a:NUMBER", "b")
	}
}

// paths returns the paths of object changes as text.
func paths(ch []objsync.ObjectChange) []string {
	out := make([]string, len(ch))
	for i, c := range ch {
		out[i] = c.Path.String()
	}
	return out
}

func columnNames(o hierarchy.Object) []string {
	out := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		out[i] = fmt.Sprintf("%s:%s@%d", c.Name, c.Type, c.Position)
	}
	return out
}

func hasTag(tags []hierarchy.Tag, src hierarchy.TagSource, name string) bool {
	return slices.ContainsFunc(tags, func(t hierarchy.Tag) bool { return t.Source == src && t.Name == name })
}

func equalStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// recorder collects events.
type recorder struct {
	mu     gosync.Mutex
	events []objsync.Event
}

func (r *recorder) add(ev objsync.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

func (r *recorder) kinds() []objsync.EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]objsync.EventKind, len(r.events))
	for i, e := range r.events {
		out[i] = e.Kind
	}
	return out
}

func (r *recorder) count(k objsync.EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// fixedNow returns a clock that advances one second per call, so that
// every write has its own time.
func fixedNow() func() time.Time {
	var mu gosync.Mutex
	t := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// memoryFault fails the Tables listing of one schema with err.
func memoryFault(db, schema string, err error) memory.Fault {
	return memory.Fault{Method: memory.MethodTables, Database: db, Schema: schema, Err: err}
}
