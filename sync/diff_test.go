package sync

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

var (
	testHost = hierarchy.NewID()
	testDB   = hierarchy.NewID()
)

func testSchema() *hierarchy.Object {
	return &hierarchy.Object{ID: hierarchy.NewID(), Ancestors: [3]hierarchy.ID{testHost, testDB}, Path: hierarchy.Path{"k", "db", "s"}}
}

func listedTable(name string, cols ...string) connectors.Table {
	t := connectors.Table{Name: name, Type: hierarchy.TypeTable}
	for i, c := range cols {
		t.Columns = append(t.Columns, hierarchy.Column{Name: c, Type: "INT", Position: i + 1})
	}
	return t
}

// storedTable is the stored form of a listed table under sc.
func storedTable(sc *hierarchy.Object, t connectors.Table, state hierarchy.State) hierarchy.Object {
	return hierarchy.Object{
		ID: hierarchy.NewID(), Ancestors: sc.ChildAncestors(), Path: sc.Path.Child(t.Name),
		Type: t.Type, State: state, Columns: slices.Clone(t.Columns),
	}
}

func TestDiff_B11_B12_AddsMarksDeletedAndReactivates(t *testing.T) {
	sc := testSchema()
	gone := storedTable(sc, listedTable("gone", "a"), hierarchy.Active)
	back := storedTable(sc, listedTable("back", "a"), hierarchy.DeletedRemotely)
	still := storedTable(sc, listedTable("still", "a"), hierarchy.DeletedRemotely)
	same := storedTable(sc, listedTable("same", "a"), hierarchy.Active)
	ctag := tags.Connection("conn tag")
	out := diff(&diffInput{
		Connection: "k", Container: sc, At: time.Unix(1, 0),
		Listing:   []connectors.Table{listedTable("same", "a"), listedTable("new", "x", "y"), listedTable("back", "a", "b")},
		Snapshot:  []hierarchy.Object{back, gone, same, still},
		NewEnable: hierarchy.Enable, ConnTag: ctag,
	})
	cs := out.cs
	if len(cs.Add) != 1 || cs.Add[0].Name() != "new" || cs.Add[0].Enable != hierarchy.Enable ||
		cs.Add[0].Ancestors != sc.ChildAncestors() || len(cs.Add[0].Columns) != 2 || cs.Add[0].State != hierarchy.Active {
		t.Fatalf("add %+v", cs.Add)
	}
	if len(cs.AddTags) != 1 || cs.AddTags[0].Object != cs.Add[0].ID || cs.AddTags[0].Tag != ctag {
		t.Fatalf("tags %+v", cs.AddTags)
	}
	if !slices.Equal(cs.MarkDeleted, []hierarchy.ID{gone.ID}) || out.active != 2 {
		t.Fatalf("mark deleted %v active %d", cs.MarkDeleted, out.active)
	}
	if len(cs.Update) != 1 || cs.Update[0].ID != back.ID || cs.Update[0].State != hierarchy.Active || len(cs.Update[0].Columns) != 2 {
		t.Fatalf("update %+v", cs.Update)
	}
	if len(out.reactivated) != 1 || len(out.colsAdded) != 1 || len(out.candidates) != 0 {
		t.Fatalf("reactivated %v cols %v candidates %v", out.reactivated, out.colsAdded, out.candidates)
	}
}

func TestDiff_B14_KnownDataSourcesGetNewTagAndCandidates(t *testing.T) {
	for _, c := range []struct {
		chain []hierarchy.Setting
		own   hierarchy.Setting
		known bool
	}{
		{nil, hierarchy.Inherit, false},
		{nil, hierarchy.Enable, true},
		{[]hierarchy.Setting{hierarchy.Enable, hierarchy.Inherit}, hierarchy.Inherit, true},
		{[]hierarchy.Setting{hierarchy.Enable, hierarchy.Disable}, hierarchy.Inherit, false},
		{[]hierarchy.Setting{hierarchy.Enable}, hierarchy.Disable, false},
	} {
		sc := testSchema()
		st := storedTable(sc, listedTable("t", "a", "b"), hierarchy.Active)
		st.Enable = c.own
		out := diff(&diffInput{
			Connection: "k", Container: sc, Chain: c.chain,
			Listing:  []connectors.Table{listedTable("t", "a", "n")},
			Snapshot: []hierarchy.Object{st},
		})
		hasNew := slices.ContainsFunc(out.cs.AddTags, func(r store.TagRef) bool { return r.Column == "n" && r.Tag == tags.New() })
		if hasNew != c.known || (len(out.candidates) == 2) != c.known {
			t.Errorf("chain %v own %v: New tag %v, candidates %v; want known=%v", c.chain, c.own, hasNew, out.candidates, c.known)
		}
		if len(out.colsAdded) != 1 || len(out.colsDeleted) != 1 || len(out.colsChanged) != 0 { // b deleted, n added at its place
			t.Errorf("column changes %v %v %v", out.colsAdded, out.colsDeleted, out.colsChanged)
		}
	}
}

func TestDiff_B16_DuplicatesReportedStoredObjectUntouched(t *testing.T) {
	sc := testSchema()
	dupStored := storedTable(sc, listedTable("dup", "a"), hierarchy.Active)
	cols := listedTable("cols", "a", "b", "a", "a")
	out := diff(&diffInput{
		Connection: "k", Container: sc,
		Listing:  []connectors.Table{listedTable("dup", "x"), listedTable("ok"), listedTable("dup", "y"), cols},
		Snapshot: []hierarchy.Object{dupStored},
	})
	if len(out.cs.MarkDeleted)+len(out.cs.Update) != 0 {
		t.Fatalf("duplicated stored object touched: %+v", out.cs)
	}
	var names []string
	for _, a := range out.cs.Add {
		names = append(names, a.Name())
	}
	if !slices.Equal(names, []string{"cols", "ok"}) {
		t.Fatalf("added %v", names)
	}
	if got := out.cs.Add[0].Columns; len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("columns of a table with duplicated columns: %v", got)
	}
	want := []Conflict{
		{Container: hierarchy.Path{"k", "db", "s"}, Kind: hierarchy.KindTable, Name: "dup", Count: 2},
		{Container: hierarchy.Path{"k", "db", "s", "cols"}, Kind: hierarchy.KindColumn, Name: "a", Count: 3},
	}
	slices.SortFunc(out.conflicts, func(a, b Conflict) int { return len(a.Container) - len(b.Container) })
	if fmt.Sprint(out.conflicts) != fmt.Sprint(want) {
		t.Fatalf("conflicts %v, want %v", out.conflicts, want)
	}
}

func TestDiff_B10_OnlyRestrictsToOneChild(t *testing.T) {
	sc := testSchema()
	a := storedTable(sc, listedTable("a", "x"), hierarchy.Active)
	b := storedTable(sc, listedTable("b", "x"), hierarchy.Active)
	out := diff(&diffInput{
		Connection: "k", Container: sc, Only: "b",
		Listing:  []connectors.Table{listedTable("c", "x"), listedTable("b", "x", "y")},
		Snapshot: []hierarchy.Object{a, b},
	})
	if len(out.cs.Add) != 0 || len(out.cs.MarkDeleted) != 0 || len(out.cs.Update) != 1 || out.cs.Update[0].ID != b.ID {
		t.Fatalf("restricted diff %+v", out.cs)
	}
}

func TestDiff_B20_PlatformTagsMatchListing(t *testing.T) {
	sc := testSchema()
	st := storedTable(sc, listedTable("t", "a", "b"), hierarchy.Active)
	st.Tags = []hierarchy.Tag{tags.Platform("keep", "1"), tags.Platform("drop", "1"), {Name: "user", Source: hierarchy.TagUser}}
	st.Columns[0].Tags = []hierarchy.Tag{tags.Platform("level", "low")}
	st.Columns[1].Tags = []hierarchy.Tag{tags.Platform("gone-with-column", "x")}
	out := diff(&diffInput{
		Connection: "k", Container: sc, TagsOK: true,
		Listing: []connectors.Table{listedTable("t", "a")},
		Tags: []connectors.TagAssignment{
			{Table: "t", Name: "keep", Value: "1"},
			{Table: "t", Column: "a", Name: "level", Value: "high"},
			{Table: "t", Column: "nope", Name: "x"},
			{Table: "other", Name: "x"},
		},
		Snapshot: []hierarchy.Object{st},
	})
	ref := func(refs []store.TagRef) []string {
		var s []string
		for _, r := range refs {
			s = append(s, r.Column+"/"+r.Tag.String())
		}
		slices.Sort(s)
		return s
	}
	if got := ref(out.cs.RemoveTags); !slices.Equal(got, []string{"/drop=1", "a/level=low"}) {
		t.Fatalf("removed %v", got)
	}
	if got := ref(out.cs.AddTags); !slices.Equal(got, []string{"a/level=high"}) {
		t.Fatalf("added %v", got)
	}
}

func TestFingerprint_IgnoresOrderSeesEveryField(t *testing.T) {
	base := func() ([]connectors.Table, []connectors.TagAssignment) {
		ts := []connectors.Table{listedTable("a", "x", "y"), listedTable("b", "x"), {Name: "c", Type: "VIEW", Comment: "c"}}
		ts[0].Columns[1].Nullable = true
		ts[0].Columns[1].Comment = "note"
		return ts, []connectors.TagAssignment{{Table: "a", Name: "t", Value: "1"}, {Table: "a", Column: "x", Name: "u"}}
	}
	var h hasher
	fp := func(ts []connectors.Table, as []connectors.TagAssignment) hierarchy.Fingerprint {
		return h.listing(hierarchy.KindSchema, ts, as, true, "", nil)
	}
	ts, as := base()
	want := fp(ts, as)
	if want&1 == 0 || want == dirtyFingerprint {
		t.Fatal("fingerprints of listings must be odd")
	}
	slices.Reverse(ts)
	slices.Reverse(as)
	if fp(ts, as) != want {
		t.Fatal("order changed the fingerprint")
	}
	if h.listing(hierarchy.KindSchema, ts, as, false, "", nil) == want || h.listing(hierarchy.KindDatabase, ts, as, true, "", nil) == want ||
		h.listing(hierarchy.KindSchema, ts, as, true, "x", nil) == want {
		t.Fatal("tags flag, level or extra not in the fingerprint")
	}
	changes := map[string]func([]connectors.Table, []connectors.TagAssignment){
		"table name":      func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[1].Name = "bb" },
		"table type":      func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[2].Type = "TABLE" },
		"table comment":   func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[2].Comment = "" },
		"column name":     func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns[0].Name = "z" },
		"column type":     func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns[0].Type = "TEXT" },
		"column position": func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns[0].Position = 3 },
		"column nullable": func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns[1].Nullable = false },
		"column comment":  func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns[1].Comment = "" },
		"column moved":    func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[0].Columns = ts[0].Columns[1:] },
		"table dropped":   func(ts []connectors.Table, _ []connectors.TagAssignment) { ts[1] = ts[0] },
		"tag value":       func(_ []connectors.Table, as []connectors.TagAssignment) { as[0].Value = "2" },
		"tag column":      func(_ []connectors.Table, as []connectors.TagAssignment) { as[1].Column = "y" },
		"tag name":        func(_ []connectors.Table, as []connectors.TagAssignment) { as[1].Name = "v" },
	}
	for name, change := range changes {
		ts, as := base()
		change(ts, as)
		if fp(ts, as) == want {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

// benchSchema returns a listing of n tables of 10 columns and its stored
// form.
func benchSchema(n int) (*hierarchy.Object, []connectors.Table, []hierarchy.Object) {
	sc := testSchema()
	ctag := tags.Connection(tags.DefaultConnectionTag("Tech", "Conn", "db", "s"))
	listing := make([]connectors.Table, n)
	stored := make([]hierarchy.Object, n)
	for i := range listing {
		t := connectors.Table{Name: fmt.Sprintf("TABLE_%04d", i), Type: hierarchy.TypeTable}
		for j := range 10 {
			t.Columns = append(t.Columns, hierarchy.Column{Name: fmt.Sprintf("COL_%d", j), Type: "VARCHAR(256)", Position: j + 1, Nullable: j > 0})
		}
		listing[i] = t
		stored[i] = storedTable(sc, t, hierarchy.Active)
		stored[i].Tags = []hierarchy.Tag{ctag}
	}
	return sc, listing, stored
}

func BenchmarkDiff_Schema1000Tables(b *testing.B) {
	for _, churn := range []bool{false, true} {
		name := "no_change"
		if churn {
			name = "1pct_change"
		}
		b.Run(name, func(b *testing.B) {
			sc, listing, stored := benchSchema(1000)
			if churn { // 10 tables: 3 new columns, 3 retyped, 2 dropped, 2 added
				for i := 0; i < 3; i++ {
					t := &listing[i*100]
					t.Columns = append(slices.Clip(t.Columns), hierarchy.Column{Name: "NEW", Type: "INT", Position: 11})
					listing[i*100+50].Columns = slices.Clone(listing[i*100+50].Columns)
					listing[i*100+50].Columns[2].Type = "TEXT"
				}
				listing = slices.Delete(listing, 900, 902)
				listing = append(listing, listedTable("ZZ_NEW_1", "a"), listedTable("ZZ_NEW_2", "a"))
			}
			b.ReportAllocs()
			for b.Loop() {
				out := diff(&diffInput{Connection: "k", Container: sc, Listing: listing, Snapshot: stored, Chain: []hierarchy.Setting{hierarchy.Enable}})
				if churn != !out.cs.Empty() {
					b.Fatal("unexpected change set")
				}
			}
		})
	}
}

// BenchmarkDiff_NewSchema1000Tables compares a schema's listing with an
// empty snapshot, as the first sync of a schema does: every table is added.
func BenchmarkDiff_NewSchema1000Tables(b *testing.B) {
	sc, listing, _ := benchSchema(1000)
	ctag := tags.Connection("Immuta Connections . Memory . k . d . s")
	b.ReportAllocs()
	for b.Loop() {
		out := diff(&diffInput{Connection: "k", Container: sc, Listing: listing, ConnTag: ctag, Chain: []hierarchy.Setting{hierarchy.Enable}})
		if len(out.cs.Add) != len(listing) {
			b.Fatal("unexpected change set")
		}
	}
}

func BenchmarkFingerprint_Schema1000Tables(b *testing.B) {
	_, listing, _ := benchSchema(1000)
	var h hasher
	b.ReportAllocs()
	for b.Loop() {
		h.listing(hierarchy.KindSchema, listing, nil, false, "", nil)
	}
}

func TestNormalize_FillsTypesAndOrdersColumns(t *testing.T) {
	ts := []connectors.Table{{Name: "t", Columns: []hierarchy.Column{{Name: "b", Position: 2}, {Name: "a", Position: 1}}}, {Name: "u", Columns: []hierarchy.Column{{Name: "x"}, {Name: "y"}}}}
	normalize(ts, hierarchy.TypeTable)
	if ts[0].Type != hierarchy.TypeTable || ts[0].Columns[0].Name != "a" || ts[1].Columns[1].Position != 2 {
		t.Fatalf("%+v", ts)
	}
}
