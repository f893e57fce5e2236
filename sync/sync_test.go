package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
	"github.com/govkit/connections/tags"
)

func TestSync_B11_InitialSyncStoresWholeHierarchy(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("SALES", "PUBLIC", 3)
	v.schema("SALES", "STAGE", 2)
	v.schema("HR", "PUBLIC", 1)
	v.must(v.p.SetTableType("SALES", "STAGE", "t1", hierarchy.TypeView))
	v.must(v.p.SetTableComment("SALES", "PUBLIC", "t0", "orders"))

	rep := v.syncClean()
	c := rep.Counts
	if c.Databases != 2 || c.Schemas != 3 || c.Tables != 6 || c.Columns != 12 || c.Added != 11 || c.Deleted != 0 {
		t.Fatalf("counts %+v", c)
	}
	equalStrings(t, "added", paths(rep.Added), []string{
		"snow.HR", "snow.HR.PUBLIC", "snow.HR.PUBLIC.t0",
		"snow.SALES", "snow.SALES.PUBLIC", "snow.SALES.PUBLIC.t0", "snow.SALES.PUBLIC.t1", "snow.SALES.PUBLIC.t2",
		"snow.SALES.STAGE", "snow.SALES.STAGE.t0", "snow.SALES.STAGE.t1",
	})
	db, sc := v.obj("snow.SALES"), v.obj("snow.SALES.PUBLIC")
	tbl := v.obj("snow.SALES.PUBLIC.t0")
	if tbl.Ancestors != [3]hierarchy.ID{v.host, db.ID, sc.ID} || tbl.State != hierarchy.Active {
		t.Fatalf("table %+v", tbl)
	}
	if tbl.Comment != "orders" || tbl.Type != hierarchy.TypeTable || v.obj("snow.SALES.STAGE.t1").Type != hierarchy.TypeView {
		t.Fatalf("type/comment: %q %q", tbl.Type, tbl.Comment)
	}
	equalStrings(t, "columns", columnNames(tbl), []string{"a:NUMBER@1", "b:VARCHAR@2"})
	// B19: every new table carries the connection tag of its schema.
	want := tags.DefaultConnectionTag("Memory", "Main Account", "SALES", "STAGE")
	if o := v.obj("snow.SALES.STAGE.t1"); !hasTag(o.Tags, hierarchy.TagSystem, want) {
		t.Fatalf("connection tag %q missing: %v", want, o.Tags)
	}
	// B8: a new connection's objects inherit, which resolves to disabled.
	if tbl.Enable != hierarchy.Inherit || db.Enable != hierarchy.Inherit {
		t.Fatalf("enable %v %v", tbl.Enable, db.Enable)
	}
	if o := v.obj("snow"); o.Fingerprint == 0 {
		t.Fatal("host fingerprint not recorded")
	}
}

func TestSync_B8_NewTablesTakeNearestNewChildrenSetting(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "A", 1)
	v.schema("DB", "B", 1)
	v.syncClean()
	v.setNewChildren("snow", hierarchy.Enable)
	v.setNewChildren("snow.DB.B", hierarchy.Disable)
	v.table("DB", "A", "new", "x")
	v.table("DB", "B", "new", "x")
	v.schema("DB2", "S", 1)
	v.syncClean()
	for path, want := range map[string]hierarchy.Setting{
		"snow.DB.A.t0":  hierarchy.Inherit, // existing objects keep theirs
		"snow.DB.A.new": hierarchy.Enable,  // host says enable
		"snow.DB.B.new": hierarchy.Disable, // schema says disable
		"snow.DB2":      hierarchy.Enable,
		"snow.DB2.S":    hierarchy.Enable,
		"snow.DB2.S.t0": hierarchy.Enable,
	} {
		if got := v.obj(path).Enable; got != want {
			t.Errorf("%s: enable %v, want %v", path, got, want)
		}
	}
}

func TestSync_B12_DeletedTableMarkedDeletedAndKept(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.syncClean()
	v.setEnable("snow.DB.S.t1", hierarchy.Enable)
	v.must(v.p.DropTable("DB", "S", "t1"))

	rep := v.syncClean()
	equalStrings(t, "deleted", paths(rep.Deleted), []string{"snow.DB.S.t1"})
	o := v.obj("snow.DB.S.t1")
	if o.State != hierarchy.DeletedRemotely || o.DeletedAt.IsZero() {
		t.Fatalf("state %v deleted at %v", o.State, o.DeletedAt)
	}
	if o.Enable != hierarchy.Enable {
		t.Fatalf("own setting changed to %v; it must be kept for reactivation", o.Enable)
	}
	if v.obj("snow.DB.S.t0").State != hierarchy.Active {
		t.Fatal("sibling touched")
	}
	if rep := v.syncClean(); len(rep.Deleted) != 0 || rep.Counts.Deleted != 0 {
		t.Fatalf("deleted again: %v", paths(rep.Deleted))
	}
}

func TestSync_B12_ReturningTableReactivatedWithSettingsGrantsAndTags(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.syncClean()
	before := v.obj("snow.DB.S.t1")
	v.setEnable("snow.DB.S.t1", hierarchy.Enable)
	grant := store.Grant{Connection: testKey, Object: before.ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "ann"}, Role: store.RoleDataOwner}
	v.must(v.st.AddGrant(v.ctx, grant))
	v.must(v.st.AddTag(v.ctx, store.TagRef{Object: before.ID, Tag: hierarchy.Tag{Name: "PII", Source: hierarchy.TagUser}}))
	v.must(v.st.AddTag(v.ctx, store.TagRef{Object: before.ID, Column: "a", Tag: hierarchy.Tag{Name: "Email", Source: hierarchy.TagUser}}))
	v.must(v.p.DropTable("DB", "S", "t1"))
	v.syncClean()

	v.table("DB", "S", "t1", "a:NUMBER", "b", "c")
	rep := v.syncClean()
	equalStrings(t, "reactivated", paths(rep.Reactivated), []string{"snow.DB.S.t1"})
	if len(rep.Added) != 0 {
		t.Fatalf("re-added instead of reactivated: %v", paths(rep.Added))
	}
	o := v.obj("snow.DB.S.t1")
	if o.ID != before.ID || o.State != hierarchy.Active || !o.DeletedAt.IsZero() || o.Enable != hierarchy.Enable {
		t.Fatalf("reactivated object %+v", o)
	}
	if !hasTag(o.Tags, hierarchy.TagUser, "PII") || !hasTag(o.Tags, hierarchy.TagSystem, tags.DefaultConnectionTag("Memory", "Main Account", "DB", "S")) {
		t.Fatalf("tags lost: %v", o.Tags)
	}
	if col, _ := o.Column("a"); !hasTag(col.Tags, hierarchy.TagUser, "Email") {
		t.Fatalf("column tag lost: %v", col.Tags)
	}
	gs, err := v.st.Grants(v.ctx, store.GrantFilter{Connection: testKey, Objects: []hierarchy.ID{o.ID}})
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants %v %v", gs, err)
	}
	equalStrings(t, "columns", columnNames(o), []string{"a:NUMBER@1", "b:VARCHAR@2", "c:VARCHAR@3"})
	// B14: a returning table is a known data source (it comes back
	// enabled): the column it gained while away is New, the others not.
	if col, _ := o.Column("c"); !hasTag(col.Tags, hierarchy.TagNew, hierarchy.NewTagName) {
		t.Fatal("no New tag on the column a reactivated data source gained while deleted")
	}
	if col, _ := o.Column("b"); hasTag(col.Tags, hierarchy.TagNew, hierarchy.NewTagName) {
		t.Fatal("New tag on a column the table had before")
	}
}

func TestSync_B12_ReturningSchemaReactivatesItsTables(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.schema("DB", "KEEP", 1)
	v.syncClean()
	v.must(v.p.DropSchema("DB", "S"))
	rep := v.syncClean()
	equalStrings(t, "deleted", paths(rep.Deleted), []string{"snow.DB.S"})
	if o := v.obj("snow.DB.S.t0"); o.State != hierarchy.DeletedRemotely {
		t.Fatal("tables under a deleted schema must be marked deleted too")
	}
	v.must(v.p.AddSchema("DB", "S", ""))
	v.table("DB", "S", "t0", "a:NUMBER", "b")
	v.table("DB", "S", "t1", "a:NUMBER", "b")
	rep = v.syncClean()
	equalStrings(t, "reactivated", paths(rep.Reactivated), []string{"snow.DB.S", "snow.DB.S.t0", "snow.DB.S.t1"})
	for _, p := range []string{"snow.DB.S", "snow.DB.S.t0", "snow.DB.S.t1"} {
		if v.obj(p).State != hierarchy.Active {
			t.Errorf("%s not reactivated", p)
		}
	}
}

func TestSync_B13_ColumnChangesReflectedInDictionary(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 0)
	v.table("DB", "S", "t", "a:NUMBER", "b", "c")
	v.syncClean()
	v.must(v.p.AddColumn("DB", "S", "t", hierarchy.Column{Name: "d", Type: "DATE"}))
	v.must(v.p.DropColumn("DB", "S", "t", "b"))
	v.must(v.p.SetColumnType("DB", "S", "t", "a", "VARCHAR(10)"))
	v.must(v.p.ReorderColumns("DB", "S", "t", "c", "a", "d"))

	rep := v.syncClean()
	equalStrings(t, "dictionary", columnNames(v.obj("snow.DB.S.t")), []string{"c:VARCHAR@1", "a:VARCHAR(10)@2", "d:DATE@3"})
	names := func(cc []objsync.ColumnChange) []string {
		var out []string
		for _, c := range cc {
			out = append(out, c.Table.String()+"."+c.Column)
		}
		return out
	}
	equalStrings(t, "added", names(rep.ColumnsAdded), []string{"snow.DB.S.t.d"})
	equalStrings(t, "deleted", names(rep.ColumnsDeleted), []string{"snow.DB.S.t.b"})
	equalStrings(t, "changed", names(rep.ColumnsChanged), []string{"snow.DB.S.t.a", "snow.DB.S.t.c"})
	a := rep.ColumnsChanged[0]
	if a.Old.Type != "NUMBER" || a.New.Type != "VARCHAR(10)" || a.Old.Position != 1 || a.New.Position != 2 {
		t.Fatalf("change of a: %+v %+v", a.Old, a.New)
	}
	if rep.Counts.Updated != 1 || rep.Counts.ColumnsChanged != 2 {
		t.Fatalf("counts %+v", rep.Counts)
	}
}

func TestSync_B14_NewTagOnlyOnNewColumnsOfKnownDataSources(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 0)
	v.table("DB", "S", "on", "a")
	v.table("DB", "S", "off", "a")
	v.schema("DB", "E", 1) // enabled through its schema
	v.syncClean()
	v.setEnable("snow.DB.S.on", hierarchy.Enable)
	v.setEnable("snow.DB.E", hierarchy.Enable)
	for _, tb := range [][2]string{{"S", "on"}, {"S", "off"}, {"E", "t0"}} {
		v.must(v.p.AddColumn("DB", tb[0], tb[1], hierarchy.Column{Name: "n", Type: "INT"}))
	}
	v.table("DB", "S", "fresh", "a", "n")
	v.syncClean()

	isNew := func(path, col string) bool {
		o := v.obj(path)
		c, ok := o.Column(col)
		if !ok {
			t.Fatalf("%s has no column %s", path, col)
		}
		return hasTag(c.Tags, hierarchy.TagNew, hierarchy.NewTagName)
	}
	for _, c := range []struct {
		path, col string
		want      bool
	}{
		{"snow.DB.S.on", "n", true},
		{"snow.DB.S.on", "a", false},
		{"snow.DB.E.t0", "n", true},
		{"snow.DB.S.off", "n", false},   // not a data source
		{"snow.DB.S.fresh", "n", false}, // new data source: object sync is not schema monitoring
	} {
		if got := isNew(c.path, c.col); got != c.want {
			t.Errorf("%s.%s New tag = %v, want %v", c.path, c.col, got, c.want)
		}
	}
	// Without an active policy targeting New, no requests (B22).
	if rs := v.requests(); len(rs) != 0 {
		t.Fatalf("requests raised without a policy: %v", rs)
	}
}

func TestSync_B22_RequestsRaisedWhilePolicyTargetsNew(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 0)
	v.table("DB", "S", "on", "a", "b")
	v.table("DB", "S", "off", "a", "b")
	v.syncClean()
	v.setEnable("snow.DB.S.on", hierarchy.Enable)
	p := requests.SeededPolicy()
	p.Active = true
	v.must(v.st.PutPolicy(v.ctx, p))
	for _, tb := range []string{"on", "off"} {
		v.must(v.p.AddColumn("DB", "S", tb, hierarchy.Column{Name: "n", Type: "INT"}))
		v.must(v.p.DropColumn("DB", "S", tb, "b"))
	}
	rep := v.syncClean()
	rs := v.requests()
	var got []string
	for _, r := range rs {
		got = append(got, string(r.Kind)+" "+r.Path.String()+"."+r.Column+" "+string(r.State))
	}
	slices.Sort(got)
	equalStrings(t, "requests", got, []string{"column_added snow.DB.S.on.n open", "column_deleted snow.DB.S.on.b open"})
	if rep.Counts.Requests != 2 || len(rep.Requests) != 2 {
		t.Fatalf("report requests %+v", rep.Requests)
	}
}

func TestSync_B22_HostPolicyEngineDecides(t *testing.T) {
	asked := 0
	pe := requests.PolicyEngineFunc(func(_ context.Context, tag string) (bool, error) {
		asked++
		return tag == hierarchy.NewTagName, nil
	})
	v := newEnv(t, &objsync.Options{Policies: pe})
	v.schema("DB", "S", 2)
	v.syncClean()
	v.setEnable("snow.DB.S", hierarchy.Enable)
	v.must(v.p.AddColumn("DB", "S", "t0", hierarchy.Column{Name: "n"}))
	v.must(v.p.AddColumn("DB", "S", "t1", hierarchy.Column{Name: "n"}))
	v.syncClean()
	if n := len(v.requests()); n != 2 || asked != 1 {
		t.Fatalf("%d requests, policy asked %d times (want 2, once per sync)", n, asked)
	}
}

func TestSync_B15_InternalDatabaseNeverIngested(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("Immuta", "S", 1) // the default internal name, another case
	v.schema("DATA", "S", 1)
	rep := v.syncClean()
	v.missing("snow.Immuta")
	v.obj("snow.DATA.S.t0")
	if rep.Counts.Databases != 1 {
		t.Fatalf("crawled %d databases", rep.Counts.Databases)
	}
	if _, err := v.syncPath("snow.Immuta", nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("sync of the internal database: %v", err)
	}

	// A configured name replaces the default; a stored database that
	// becomes the internal one is never marked deleted nor compared.
	v.settings(func(s *store.Settings) { s.InternalDatabase = "data" })
	v.must(v.p.DropTable("DATA", "S", "t0"))
	v.syncClean()
	v.obj("snow.Immuta.S.t0")
	if o := v.obj("snow.DATA.S.t0"); o.State != hierarchy.Active {
		t.Fatal("the internal database was compared")
	}
	v.must(v.p.DropDatabase("DATA"))
	v.syncClean()
	if o := v.obj("snow.DATA"); o.State != hierarchy.Active {
		t.Fatal("the internal database was marked deleted")
	}
}

func TestSync_B16_DuplicateNamesReportedRestIngested(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.syncClean()
	keep := v.dump("snow.DB.S.t1")
	v.must(v.p.AddDuplicate("DB", "S", connectors.Table{Name: "t1", Type: hierarchy.TypeView, Columns: cols("z")}))
	v.table("DB", "S", "t2", "a")
	v.must(v.p.AddDuplicate("DB", "S", connectors.Table{Name: "t2", Columns: cols("b")}))
	v.table("DB", "S", "t3", "a")
	v.must(v.p.AddColumn("DB", "S", "t0", hierarchy.Column{Name: "n"}))

	for run := range 2 {
		rep := v.syncClean()
		var got []string
		for _, c := range rep.Conflicts {
			got = append(got, c.Container.String()+" "+c.Kind.String()+" "+c.Name+" x"+string(rune('0'+c.Count)))
		}
		equalStrings(t, "conflicts", got, []string{"snow.DB.S table t1 x2", "snow.DB.S table t2 x2"})
		if run == 0 {
			equalStrings(t, "added", paths(rep.Added), []string{"snow.DB.S.t3"})
			if rep.Counts.ColumnsAdded != 1 {
				t.Fatalf("rest of the schema not synced: %+v", rep.Counts)
			}
		}
	}
	v.missing("snow.DB.S.t2")
	if got := v.dump("snow.DB.S.t1"); got != keep {
		t.Fatalf("duplicated object changed:\n%s\nwant\n%s", got, keep)
	}
	v.must(v.p.DropTable("DB", "S", "t2"))
	v.table("DB", "S", "t2", "a")
	v.must(v.p.DropTable("DB", "S", "t1"))
	v.table("DB", "S", "t1", "a:NUMBER", "b", "c")
	rep := v.syncClean()
	if len(rep.Conflicts) != 0 || v.obj("snow.DB.S.t2").State != hierarchy.Active || len(v.obj("snow.DB.S.t1").Columns) != 3 {
		t.Fatalf("resolved conflict not synced: %+v", rep.Conflicts)
	}
}

// dupSchemas lists one schema name twice, as a case-folding reader of a
// platform could.
type dupSchemas struct {
	connectors.Connector
	db, schema string
}

func (d dupSchemas) Schemas(ctx context.Context, db string) ([]connectors.Schema, error) {
	ss, err := d.Connector.Schemas(ctx, db)
	if err == nil && db == d.db {
		ss = append(ss, connectors.Schema{Name: d.schema})
	}
	return ss, err
}

func TestSync_B16_DuplicateSchemaNamesLeaveThatSchemaAlone(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "A", 1)
	v.schema("DB", "B", 1)
	v.syncClean()
	keep := v.dump("snow.DB.A")
	v.must(v.p.DropTable("DB", "A", "t0"))
	v.must(v.p.DropTable("DB", "B", "t0"))
	cn := dupSchemas{Connector: v.p.Connector(nil), db: "DB", schema: "A"}
	rep := v.sync(&objsync.RunOptions{Connector: cn})
	if len(rep.Conflicts) != 1 || rep.Conflicts[0].Name != "A" || rep.Conflicts[0].Kind != hierarchy.KindSchema {
		t.Fatalf("conflicts %+v", rep.Conflicts)
	}
	if got := v.dump("snow.DB.A"); got != keep {
		t.Fatalf("schema of a duplicated name changed:\n%s", got)
	}
	if v.obj("snow.DB.B.t0").State != hierarchy.DeletedRemotely {
		t.Fatal("rest of the database not synced")
	}
}

func TestSync_B18_ReportMarshalsToJSON(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.schema("DB", "X", 1)
	v.must(v.p.InjectFault(memoryFault("DB", "X", connections.ErrPermissionDenied)))
	rep := v.sync(nil)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"connection":"snow"`, `"root":"snow"`, `"added":[`, `"path":"snow.DB.S.t0"`, `"kind":"table"`,
		`"failed":[{"path":"snow.DB.X","op":"list tables","error":"sync: list tables snow.DB.X: `, `"counts":{"databases":1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report JSON lacks %s:\n%s", want, b)
		}
	}
}

// dupColumn lists one column of one table twice.
type dupColumn struct {
	connectors.Connector
	table string
}

func (d dupColumn) Tables(ctx context.Context, db, sc string) ([]connectors.Table, error) {
	ts, err := d.Connector.Tables(ctx, db, sc)
	for i := range ts {
		if ts[i].Name == d.table {
			c := ts[i].Columns[0]
			c.Position = len(ts[i].Columns) + 1
			ts[i].Columns = append(ts[i].Columns, c)
		}
	}
	return ts, err
}

func TestSync_B16_DuplicateColumnsReportedEveryRun(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 3)
	v.syncClean()
	cn := dupColumn{Connector: v.p.Connector(nil), table: "t1"}
	for run := range 3 {
		if run == 1 {
			v.must(v.p.SetTableComment("DB", "S", "t2", "changed")) // the schema changes meanwhile
		}
		rep := v.sync(&objsync.RunOptions{Connector: cn})
		if len(rep.Conflicts) != 1 || rep.Conflicts[0].Kind != hierarchy.KindColumn || rep.Conflicts[0].Name != "a" ||
			rep.Conflicts[0].Container.String() != "snow.DB.S.t1" {
			t.Fatalf("run %d: conflicts %+v", run, rep.Conflicts)
		}
	}
	equalStrings(t, "columns", columnNames(v.obj("snow.DB.S.t1")), []string{"a:NUMBER@1", "b:VARCHAR@2"})
	if v.obj("snow.DB.S.t2").Comment != "changed" {
		t.Fatal("rest of the schema not synced")
	}
}
