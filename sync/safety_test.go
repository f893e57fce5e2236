package sync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	objsync "github.com/govkit/connections/sync"
)

// churn drops t0 and adds t9 in a schema.
func (v *env) churn(db, sc string) {
	v.t.Helper()
	v.must(v.p.DropTable(db, sc, "t0"))
	v.table(db, sc, "t9", "x")
}

func (v *env) churned(db, sc string) bool {
	v.t.Helper()
	base := "snow." + db + "." + sc
	return v.obj(base+".t0").State == hierarchy.DeletedRemotely && v.obj(base+".t9").State == hierarchy.Active
}

func TestSync_B17_FailedListingLeavesSubtreeUntouched(t *testing.T) {
	cases := []struct {
		name  string
		fault memory.Fault
		path  string // the subtree that must stay as it was
		op    string
	}{
		{"tables error", memory.Fault{Method: memory.MethodTables, Database: "DB", Schema: "A"}, "snow.DB.A", "list tables"},
		{"tables timeout", memory.Fault{Method: memory.MethodTables, Database: "DB", Schema: "A", Err: context.DeadlineExceeded}, "snow.DB.A", "list tables"},
		{"tables permission", memory.Fault{Method: memory.MethodTables, Database: "DB", Schema: "A", Err: connections.ErrPermissionDenied}, "snow.DB.A", "list tables"},
		{"tables cancelled", memory.Fault{Method: memory.MethodTables, Database: "DB", Schema: "A", Err: context.Canceled}, "snow.DB.A", "list tables"},
		{"schemas error", memory.Fault{Method: memory.MethodSchemas, Database: "DB"}, "snow.DB", "list schemas"},
		{"databases permission", memory.Fault{Method: memory.MethodDatabases, Err: connections.ErrPermissionDenied}, "snow", "list databases"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t, nil)
			v.schema("DB", "A", 2)
			v.schema("DB", "B", 2)
			v.schema("OTHER", "C", 2)
			v.syncClean()
			v.churn("DB", "A")
			v.churn("DB", "B")
			v.churn("OTHER", "C")
			v.must(v.p.DropSchema("DB", "B")) // a subtree that would be marked deleted
			v.must(v.p.AddSchema("DB", "B", ""))
			v.must(v.p.DropDatabase("OTHER"))
			v.schema("OTHER", "C", 0)
			v.table("OTHER", "C", "t1", "a:NUMBER", "b")
			v.table("OTHER", "C", "t9", "x")
			v.must(v.p.InjectFault(c.fault))
			before := v.dump(c.path)

			rep := v.sync(nil)
			if after := v.dump(c.path); after != before {
				t.Fatalf("%s changed after a failed listing:\nbefore\n%s\nafter\n%s", c.path, before, after)
			}
			if len(rep.Failed) != 1 || rep.Failed[0].Path.String() != c.path || rep.Failed[0].Op != c.op {
				t.Fatalf("failed %+v", rep.Failed)
			}
			if c.fault.Err != nil && !errors.Is(rep.Err(), c.fault.Err) {
				t.Fatalf("report error %v does not match %v", rep.Err(), c.fault.Err)
			}
			if !strings.Contains(rep.Failed[0].Error, c.path) {
				t.Fatalf("error %q does not name the path", rep.Failed[0].Error)
			}
			// The rest of the sync went on.
			if !strings.HasPrefix(c.path, "snow.OTHER") && c.path != "snow" && !v.churned("OTHER", "C") {
				t.Fatal("OTHER.C not synced")
			}
			v.p.ClearFaults()
			v.syncClean()
			if !v.churned("OTHER", "C") || v.obj("snow.DB.A.t0").State != hierarchy.DeletedRemotely {
				t.Fatal("next sync did not catch up")
			}
		})
	}
}

func TestSync_B17_OneSchemaFailsWhileOthersChange(t *testing.T) {
	v := newEnv(t, &objsync.Options{Concurrency: 2})
	for i := range 6 {
		v.schema("DB", fmt.Sprintf("S%d", i), 3)
	}
	v.syncClean()
	for i := range 6 {
		v.churn("DB", fmt.Sprintf("S%d", i))
	}
	v.must(v.p.InjectFault(memory.Fault{Method: memory.MethodTables, Database: "DB", Schema: "S3", Err: context.DeadlineExceeded}))
	before := v.dump("snow.DB.S3")
	rep := v.sync(nil)
	if got := v.dump("snow.DB.S3"); got != before {
		t.Fatalf("failed schema changed:\n%s", got)
	}
	for i := range 6 {
		if i != 3 && !v.churned("DB", fmt.Sprintf("S%d", i)) {
			t.Errorf("S%d not synced", i)
		}
	}
	if rep.Counts.Failed != 1 || !errors.Is(rep.Err(), context.DeadlineExceeded) {
		t.Fatalf("failed %+v", rep.Failed)
	}
}

func TestSync_B17_CancellationMidSyncDeletesNothingUnlisted(t *testing.T) {
	v := newEnv(t, &objsync.Options{Concurrency: 2})
	for i := range 8 {
		v.schema("DB", fmt.Sprintf("S%d", i), 3)
	}
	v.syncClean()
	before := map[string]string{}
	for i := range 8 {
		sc := fmt.Sprintf("S%d", i)
		before[sc] = v.dump("snow.DB." + sc)
		v.churn("DB", sc)
	}
	ctx, cancel := context.WithCancel(v.ctx)
	defer cancel()
	var calls atomic.Int32
	v.p.SetHook(func(_ context.Context, c memory.Call) error {
		if c.Method == memory.MethodTables && calls.Add(1) == 4 {
			cancel()
			return context.Canceled
		}
		return nil
	})
	rep, err := v.e.Sync(ctx, testKey, nil, nil)
	if !errors.Is(err, context.Canceled) || rep == nil {
		t.Fatalf("want the partial report and context.Canceled, got %v, %v", rep, err)
	}
	// Each schema is either fully synced (its listing came before the
	// cancellation) or exactly as it was: never half, never deleted.
	synced := 0
	for i := range 8 {
		sc := fmt.Sprintf("S%d", i)
		if v.dump("snow.DB."+sc) == before[sc] {
			continue
		}
		if !v.churned("DB", sc) {
			t.Fatalf("%s half synced", sc)
		}
		synced++
	}
	if synced >= 8 {
		t.Fatal("the cancelled sync went to the end")
	}
	if o := v.obj("snow.DB"); o.State != hierarchy.Active {
		t.Fatal("database marked deleted by a cancelled sync")
	}
	v.p.SetHook(nil)
	v.syncClean()
	for i := range 8 {
		if !v.churned("DB", fmt.Sprintf("S%d", i)) {
			t.Fatalf("S%d not caught up", i)
		}
	}
}

func TestSync_B17_FailSafeRefusesMassDeletion(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "MASS", 4)
	v.schema("DB", "ONLY", 1)
	v.schema("DB", "HALF", 4)
	v.syncClean()
	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0.5 })
	for i := range 3 {
		v.must(v.p.DropTable("DB", "MASS", fmt.Sprintf("t%d", i)))
	}
	v.table("DB", "MASS", "new", "a")
	v.must(v.p.DropTable("DB", "ONLY", "t0"))
	v.must(v.p.DropTable("DB", "HALF", "t0"))
	v.must(v.p.DropTable("DB", "HALF", "t1"))
	before := v.dump("snow.DB.MASS")

	rep := v.sync(nil)
	if got := v.dump("snow.DB.MASS"); got != before {
		t.Fatalf("refused schema changed:\n%s", got)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].Op != "fail-safe" || !errors.Is(rep.Err(), connections.ErrLimitExceeded) {
		t.Fatalf("failed %+v", rep.Failed)
	}
	if v.obj("snow.DB.ONLY.t0").State != hierarchy.DeletedRemotely {
		t.Fatal("dropping the only table was refused")
	}
	if v.obj("snow.DB.HALF.t1").State != hierarchy.DeletedRemotely {
		t.Fatal("dropping half the tables was refused")
	}
	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0 })
	v.syncClean()
	if v.obj("snow.DB.MASS.t2").State != hierarchy.DeletedRemotely {
		t.Fatal("without the fail-safe the deletion goes through")
	}
}

func TestSync_B17_TagListingFailureKeepsPlatformTags(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.must(v.p.SetTableTag("DB", "S", "t0", "PII", "yes"))
	v.syncClean()
	v.must(v.p.ClearTableTag("DB", "S", "t0", "PII"))
	v.must(v.p.AddColumn("DB", "S", "t0", hierarchy.Column{Name: "n"}))
	v.must(v.p.InjectFault(memory.Fault{Method: memory.MethodTags, Database: "DB", Schema: "S", Err: connections.ErrPermissionDenied}))
	rep := v.sync(nil)
	o := v.obj("snow.DB.S.t0")
	if !hasTag(o.Tags, hierarchy.TagPlatform, "PII") {
		t.Fatal("platform tag removed although the tags could not be read")
	}
	if len(o.Columns) != 3 {
		t.Fatal("the rest of the schema was not synced")
	}
	if len(rep.Failed) != 1 || rep.Failed[0].Op != "list tags" {
		t.Fatalf("failed %+v", rep.Failed)
	}
	v.p.ClearFaults()
	v.syncClean()
	if o := v.obj("snow.DB.S.t0"); hasTag(o.Tags, hierarchy.TagPlatform, "PII") {
		t.Fatal("platform tag kept after it was cleared")
	}
}

func TestSync_B20_PlatformTagsIngestedAndReplaced(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.must(v.p.SetTableTag("DB", "S", "t0", "PII", "yes"))
	v.must(v.p.SetColumnTag("DB", "S", "t0", "a", "Sensitivity", "high"))
	v.syncClean()
	o := v.obj("snow.DB.S.t0")
	a, _ := o.Column("a")
	if !hasTag(o.Tags, hierarchy.TagPlatform, "PII") || len(a.Tags) != 1 || a.Tags[0].Value != "high" || a.Tags[0].Source != hierarchy.TagPlatform {
		t.Fatalf("tags %v / %v", o.Tags, a.Tags)
	}
	v.must(v.st.AddTag(v.ctx, store.TagRef{Object: o.ID, Tag: hierarchy.Tag{Name: "Mine", Source: hierarchy.TagUser}}))
	v.must(v.p.SetColumnTag("DB", "S", "t0", "a", "Sensitivity", "low"))
	v.must(v.p.ClearTableTag("DB", "S", "t0", "PII"))
	v.must(v.p.SetColumnTag("DB", "S", "t0", "b", "Owner", "ops"))
	v.syncClean()
	o = v.obj("snow.DB.S.t0")
	a, _ = o.Column("a")
	b, _ := o.Column("b")
	if hasTag(o.Tags, hierarchy.TagPlatform, "PII") || !hasTag(o.Tags, hierarchy.TagUser, "Mine") {
		t.Fatalf("table tags %v", o.Tags)
	}
	if len(a.Tags) != 1 || a.Tags[0].Value != "low" || len(b.Tags) != 1 || b.Tags[0].Name != "Owner" {
		t.Fatalf("column tags %v / %v", a.Tags, b.Tags)
	}
	if rep := v.syncClean(); rep.Counts.Unchanged != 1 {
		t.Fatalf("unchanged tags compared again: %+v", rep.Counts)
	}
}

func TestSync_B20_TagCredentialsMayDiffer(t *testing.T) {
	main := connectors.Credentials{"user": "sync"}
	tagCreds := connectors.Credentials{"user": "tags"}
	credsFor := func(tagsToo bool) connectors.CredentialsFunc {
		return func(_ context.Context, _ string, use connectors.Use) (connectors.Credentials, error) {
			if use == connectors.UseTags {
				if !tagsToo {
					return nil, fmt.Errorf("no tag credentials: %w", connections.ErrNotFound)
				}
				return tagCreds, nil
			}
			return main, nil
		}
	}
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.must(v.p.SetTableTag("DB", "S", "t0", "PII", "yes"))
	v.p.RequireCredentials(main)
	v.p.RequireTagCredentials(tagCreds)

	e, err := objsync.New(v.st, v.reg, credsFor(true), nil)
	v.must(err)
	rep, err := e.Sync(v.ctx, testKey, nil, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("sync: %v %v", err, rep.Err())
	}
	if o := v.obj("snow.DB.S.t0"); !hasTag(o.Tags, hierarchy.TagPlatform, "PII") {
		t.Fatal("tags not read with the tag credentials")
	}

	// Without tag credentials the connection's are used; here the platform
	// refuses them for tags, which fails the tags only.
	v.must(v.p.ClearTableTag("DB", "S", "t0", "PII"))
	v.table("DB", "S", "t1", "a")
	e, err = objsync.New(v.st, v.reg, credsFor(false), nil)
	v.must(err)
	rep, err = e.Sync(v.ctx, testKey, nil, nil)
	if err != nil || !errors.Is(rep.Err(), connections.ErrPermissionDenied) {
		t.Fatalf("sync: %v %v", err, rep.Err())
	}
	v.obj("snow.DB.S.t1")
	if o := v.obj("snow.DB.S.t0"); !hasTag(o.Tags, hierarchy.TagPlatform, "PII") {
		t.Fatal("tags changed although they could not be read")
	}

	// Refused connection credentials: the sync cannot run.
	v.p.RequireCredentials(connectors.Credentials{"user": "other"})
	e, err = objsync.New(v.st, v.reg, credsFor(true), nil)
	v.must(err)
	rep, _ = e.Sync(v.ctx, testKey, nil, nil)
	if !errors.Is(rep.Err(), connections.ErrPermissionDenied) || rep.Failed[0].Op != "list databases" {
		t.Fatalf("refused credentials: %+v", rep.Failed)
	}
}

// hookStore runs a func before each Apply.
type hookStore struct {
	*memstore.Store
	before func(cs *store.ChangeSet)
}

func (h *hookStore) Apply(ctx context.Context, cs *store.ChangeSet) error {
	if h.before != nil {
		h.before(cs)
	}
	return h.Store.Apply(ctx, cs)
}

func TestSync_ApplyConflictRetriedOnFreshSnapshot(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.syncClean()
	hs := &hookStore{Store: v.st}
	e, err := objsync.New(hs, v.reg, nil, nil)
	v.must(err)
	v.must(v.p.AddColumn("DB", "S", "t1", hierarchy.Column{Name: "n"}))
	victim := v.obj("snow.DB.S.t1").ID
	applies := 0
	hs.before = func(cs *store.ChangeSet) {
		applies++
		if applies == 1 {
			// Someone deletes the table between snapshot and apply.
			if _, err := v.st.DeleteObject(v.ctx, victim); err != nil {
				t.Error(err)
			}
		}
	}
	rep, err := e.Sync(v.ctx, testKey, nil, nil)
	if err != nil || rep.Err() != nil {
		t.Fatalf("sync: %v / %v", err, rep.Err())
	}
	equalStrings(t, "added", paths(rep.Added), []string{"snow.DB.S.t1"})
	if o := v.obj("snow.DB.S.t1"); o.ID == victim || len(o.Columns) != 3 {
		t.Fatalf("table not re-added: %+v", o)
	}

	// A conflict that persists is reported, and the rest goes on.
	v.must(v.p.AddColumn("DB", "S", "t0", hierarchy.Column{Name: "n"}))
	v.schema("DB", "T", 1)
	hs.before = func(cs *store.ChangeSet) {
		if cs.Container == v.obj("snow.DB.S").ID {
			cs.MarkDeleted = append(cs.MarkDeleted, hierarchy.NewID())
		}
	}
	rep, err = e.Sync(v.ctx, testKey, nil, nil)
	if err != nil || len(rep.Failed) != 1 || rep.Failed[0].Op != "apply" || !errors.Is(rep.Err(), connections.ErrConflict) {
		t.Fatalf("sync: %v / %+v", err, rep.Failed)
	}
	v.obj("snow.DB.T.t0")
}

// countingStore counts the reads sync makes of a schema's tables.
type countingStore struct {
	*memstore.Store
	objects, snapshots atomic.Int32
	children, briefs   atomic.Int32 // Children, ChildSummaries
	noTableFP          bool         // drop table fingerprints, as a store that records none
}

func (c *countingStore) Children(ctx context.Context, id hierarchy.ID, page store.Page) ([]store.Child, string, error) {
	c.children.Add(1)
	return c.Store.Children(ctx, id, page)
}

func (c *countingStore) ChildSummaries(ctx context.Context, id hierarchy.ID) ([]store.ChildSummary, error) {
	c.briefs.Add(1)
	return c.Store.ChildSummaries(ctx, id)
}

// storeOnly hides the optional abilities of the store it holds.
type storeOnly struct{ store.Store }

func (c *countingStore) Object(ctx context.Context, id hierarchy.ID) (hierarchy.Object, error) {
	c.objects.Add(1)
	return c.Store.Object(ctx, id)
}

func (c *countingStore) Snapshot(ctx context.Context, id hierarchy.ID) ([]hierarchy.Object, error) {
	c.snapshots.Add(1)
	return c.Store.Snapshot(ctx, id)
}

func (c *countingStore) Apply(ctx context.Context, cs *store.ChangeSet) error {
	if c.noTableFP {
		for i := range cs.Add {
			cs.Add[i].Fingerprint = 0
		}
		for i := range cs.Update {
			cs.Update[i].Fingerprint = 0
		}
	}
	return c.Store.Apply(ctx, cs)
}

func TestSync_ChangedSchemaReadsOnlyChangedTablesInFull(t *testing.T) {
	testChangedSchemaReadsOnlyChangedTables(t, true)
}

// The same with a store that is no store.ChildLister: its Children are
// read instead.
func TestSync_ChangedSchemaReadsOnlyChangedTablesInFull_Children(t *testing.T) {
	testChangedSchemaReadsOnlyChangedTables(t, false)
}

func testChangedSchemaReadsOnlyChangedTables(t *testing.T, lister bool) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 80)
	cs := &countingStore{Store: v.st}
	var st store.Store = cs
	if !lister {
		st = storeOnly{cs}
	}
	e, err := objsync.New(st, v.reg, nil, nil)
	v.must(err)
	sync := func() *objsync.Report {
		t.Helper()
		rep, err := e.Sync(v.ctx, testKey, nil, nil)
		if err != nil || rep.Err() != nil {
			t.Fatal(err, rep.Err())
		}
		return rep
	}
	sync()
	t0, t1 := v.obj("snow.DB.S.t0"), v.obj("snow.DB.S.t1")
	if t0.Fingerprint == 0 || t0.Fingerprint == t1.Fingerprint {
		t.Fatalf("tables do not record their own fingerprints: %d %d", t0.Fingerprint, t1.Fingerprint)
	}
	v.must(v.p.AddColumn("DB", "S", "t5", hierarchy.Column{Name: "n"}))
	v.must(v.p.SetTableComment("DB", "S", "t6", "c"))
	v.must(v.p.DropTable("DB", "S", "t7"))
	v.table("DB", "S", "new", "a")
	cs.objects.Store(0)
	cs.snapshots.Store(0)
	rep := sync()
	// The host object and the host's and database's snapshots are read
	// by every sync; of the schema, only the 2 changed tables.
	if n, m := cs.objects.Load()-1, cs.snapshots.Load()-2; n != 2 || m != 0 {
		t.Fatalf("read %d tables in full and %d schema snapshots; want the 2 changed ones and none", n, m)
	}
	if rep.Counts.Updated != 2 || rep.Counts.Deleted != 1 || rep.Counts.Added != 1 || rep.Counts.ColumnsAdded != 1 {
		t.Fatalf("counts %+v", rep.Counts)
	}
	if briefs, children := cs.briefs.Load(), cs.children.Load(); (lister && (briefs != 1 || children != 0)) || (!lister && (briefs != 0 || children != 1)) {
		t.Fatalf("the schema's children listed by %d ChildSummaries and %d Children calls", briefs, children)
	}
	if v.obj("snow.DB.S.t5").Fingerprint == t0.Fingerprint || len(v.obj("snow.DB.S.t5").Columns) != 3 {
		t.Fatal("updated table")
	}
	// A table changed back to what it was is seen too.
	v.must(v.p.DropColumn("DB", "S", "t5", "n"))
	sync()
	if len(v.obj("snow.DB.S.t5").Columns) != 2 {
		t.Fatal("change back not synced")
	}
}

func TestSync_StoreWithoutTableFingerprintsComparesInFull(t *testing.T) {
	v := newEnv(t, nil)
	cs := &countingStore{Store: v.st, noTableFP: true}
	e, err := objsync.New(cs, v.reg, nil, nil)
	v.must(err)
	v.schema("DB", "S", 80)
	v.setEnable("snow", hierarchy.Enable)
	sync := func() *objsync.Report {
		t.Helper()
		rep, err := e.Sync(v.ctx, testKey, nil, nil)
		if err != nil || rep.Err() != nil {
			t.Fatal(err, rep.Err())
		}
		return rep
	}
	sync()
	if v.obj("snow.DB.S.t3").Fingerprint != 0 {
		t.Fatal("the wrapper should drop table fingerprints")
	}
	v.must(v.p.AddColumn("DB", "S", "t5", hierarchy.Column{Name: "n"}))
	v.must(v.p.DropTable("DB", "S", "t7"))
	cs.snapshots.Store(0)
	rep := sync()
	if n := cs.snapshots.Load() - 2; n != 1 { // besides the host's and database's
		t.Fatalf("%d schema snapshots; with no table fingerprints the schema is compared in full", n)
	}
	o := v.obj("snow.DB.S.t5")
	n, _ := o.Column("n")
	if rep.Counts.ColumnsAdded != 1 || rep.Counts.Deleted != 1 || !hasTag(n.Tags, hierarchy.TagNew, hierarchy.NewTagName) {
		t.Fatalf("counts %+v, tags %v", rep.Counts, n.Tags)
	}
}

// panicky panics listing one schema's tables.
type panicky struct {
	connectors.Connector
	schema string
}

func (p panicky) Tables(ctx context.Context, db, sc string) ([]connectors.Table, error) {
	if sc == p.schema {
		panic("driver bug")
	}
	return p.Connector.Tables(ctx, db, sc)
}

func TestSync_B17_ConnectorPanicFailsItsSubtreeOnly(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "A", 1)
	v.schema("DB", "B", 1)
	v.syncClean()
	v.churn("DB", "A")
	v.churn("DB", "B")
	before := v.dump("snow.DB.A")
	rep := v.sync(&objsync.RunOptions{Connector: panicky{Connector: v.p.Connector(nil), schema: "A"}})
	if v.dump("snow.DB.A") != before || !v.churned("DB", "B") {
		t.Fatal("a panic in one schema's listing must leave it alone and sync the rest")
	}
	if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Error, "driver bug") {
		t.Fatalf("failed %+v", rep.Failed)
	}
}

// TestSync_B17_FailSafeBudgetCoversTheWholeRun: containers that each lose
// few children still add up; the run refuses the ones that would take it
// past MaxDeleteShare of the synced subtree, and leaves them as they were.
func TestSync_B17_FailSafeBudgetCoversTheWholeRun(t *testing.T) {
	v := newEnv(t, nil)
	for i := range 8 {
		v.schema("DB", fmt.Sprintf("S%d", i), 1)
	}
	v.syncClean()
	// 17 objects under the host: DB, 8 schemas, 8 tables; half is 8.
	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0.5 })
	for i := range 8 {
		v.must(v.p.DropTable("DB", fmt.Sprintf("S%d", i), "t0"))
	}
	rep := v.sync(nil)
	deleted := 0
	for i := range 8 {
		if v.obj(fmt.Sprintf("snow.DB.S%d.t0", i)).State == hierarchy.DeletedRemotely {
			deleted++
		}
	}
	if deleted != 8 {
		t.Fatalf("8 of 17 objects is within half: %d deleted, failed %+v", deleted, rep.Failed)
	}

	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0.25 })
	for i := range 8 {
		v.table("DB", fmt.Sprintf("S%d", i), "t0", "a")
	}
	v.syncClean()
	for i := range 8 {
		v.must(v.p.DropTable("DB", fmt.Sprintf("S%d", i), "t0"))
	}
	rep = v.sync(nil)
	deleted = 0
	for i := range 8 {
		if v.obj(fmt.Sprintf("snow.DB.S%d.t0", i)).State == hierarchy.DeletedRemotely {
			deleted++
		}
	}
	if deleted != 4 {
		t.Fatalf("a quarter of 17 objects is 4: %d deleted", deleted)
	}
	if len(rep.Failed) != 4 || !errors.Is(rep.Err(), connections.ErrLimitExceeded) {
		t.Fatalf("the refused schemas must be reported: %+v", rep.Failed)
	}
	for _, f := range rep.Failed {
		if f.Op != "fail-safe" {
			t.Fatalf("failed %+v", f)
		}
	}
}
