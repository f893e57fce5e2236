package tags_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/tags"
)

// fixture is a connection with one table, ORDERS (columns ID, EMAIL),
// carrying its connection tag, a platform tag, and the New tag on EMAIL,
// as sync leaves them.
type fixture struct {
	st      *memstore.Store
	svc     *tags.Service
	schema  hierarchy.Object
	table   hierarchy.Object
	connTag string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	st := memstore.New(nil)
	t.Cleanup(func() { _ = st.Close() })
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"snow"}}
	if err := st.CreateConnection(ctx, store.Connection{Key: "snow", DisplayName: "Prod.EU", Technology: "snowflake", HostID: host.ID, Status: store.StatusActive}, host); err != nil {
		t.Fatal(err)
	}
	mk := func(parent hierarchy.Object, name string, cols ...hierarchy.Column) hierarchy.Object {
		return hierarchy.Object{ID: hierarchy.NewID(), Ancestors: parent.ChildAncestors(), Path: parent.Path.Child(name), Columns: cols}
	}
	apply := func(cs *store.ChangeSet) {
		t.Helper()
		cs.Connection, cs.At = "snow", at
		if err := st.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	db := mk(host, "SALES")
	apply(&store.ChangeSet{Container: host.ID, Add: []hierarchy.Object{db}})
	schema := mk(db, "PUBLIC")
	apply(&store.ChangeSet{Container: db.ID, Add: []hierarchy.Object{schema}})
	table := mk(schema, "ORDERS",
		hierarchy.Column{Name: "ID", Type: "NUMBER", Position: 1},
		hierarchy.Column{Name: "EMAIL", Type: "TEXT", Position: 2, Nullable: true})
	connTag := tags.DefaultConnectionTag("Snowflake", "Prod.EU", "SALES", "PUBLIC")
	apply(&store.ChangeSet{Container: schema.ID, Add: []hierarchy.Object{table}, AddTags: []store.TagRef{
		{Object: table.ID, Tag: tags.Connection(connTag)},
		{Object: table.ID, Tag: tags.Platform("PII", "email")},
		{Object: table.ID, Column: "EMAIL", Tag: tags.Platform("PII", "email")},
		{Object: table.ID, Column: "EMAIL", Tag: tags.New()},
	}})
	f := &fixture{st: st, svc: tags.NewService(st, nil), schema: schema, table: table, connTag: connTag}
	f.table = f.reload(t)
	return f
}

// reload reads the table again, with its tags.
func (f *fixture) reload(t *testing.T) hierarchy.Object {
	t.Helper()
	o, err := f.st.Object(context.Background(), f.table.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func hasTag(ts []hierarchy.Tag, name string, src hierarchy.TagSource) bool {
	for _, t := range ts {
		if t.Name == name && t.Source == src {
			return true
		}
	}
	return false
}

func TestAddUserTag_B19_UserTagsOnObjectsAndColumns(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ref, err := f.svc.AddUserTag(ctx, &f.table, "", "Finance", "")
	if err != nil {
		t.Fatal(err)
	}
	if ref.Tag.Source != hierarchy.TagUser || ref.Object != f.table.ID {
		t.Fatalf("ref = %+v", ref)
	}
	if _, err := f.svc.AddUserTag(ctx, &f.table, "EMAIL", "Sensitivity", "high"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddUserTag(ctx, &f.schema, "", "Owned by", "finance team"); err != nil {
		t.Fatal(err)
	}
	tbl := f.reload(t)
	col, _ := tbl.Column("EMAIL")
	if !hasTag(tbl.Tags, "Finance", hierarchy.TagUser) || !hasTag(col.Tags, "Sensitivity", hierarchy.TagUser) {
		t.Fatalf("tags = %v / %v", tbl.Tags, col.Tags)
	}
	// A user tag may share its name with a platform tag: sources differ.
	if _, err := f.svc.AddUserTag(ctx, &f.table, "", "PII", "reviewed"); err != nil {
		t.Fatal(err)
	}
	// Twice: already exists, with the path.
	_, err = f.svc.AddUserTag(ctx, &f.table, "", "Finance", "")
	if !errors.Is(err, connections.ErrAlreadyExists) || !strings.HasPrefix(err.Error(), "add tag snow.SALES.PUBLIC.ORDERS: ") {
		t.Fatalf("duplicate: %v", err)
	}
	// A missing column.
	if _, err := f.svc.AddUserTag(ctx, &f.table, "NOPE", "x", ""); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("missing column: %v", err)
	}
	// Columns only on tables.
	if _, err := f.svc.AddUserTag(ctx, &f.schema, "ID", "x", ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("column of a schema: %v", err)
	}

	if err := f.svc.RemoveUserTag(ctx, &tbl, "EMAIL", "Sensitivity"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveUserTag(ctx, &tbl, "", "Finance"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveUserTag(ctx, &tbl, "", "Finance"); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	// The user tag named like the platform tag goes; the platform tag stays.
	tbl = f.reload(t)
	if err := f.svc.RemoveUserTag(ctx, &tbl, "", "PII"); err != nil {
		t.Fatal(err)
	}
	tbl = f.reload(t)
	if hasTag(tbl.Tags, "PII", hierarchy.TagUser) || !hasTag(tbl.Tags, "PII", hierarchy.TagPlatform) {
		t.Fatalf("tags = %v", tbl.Tags)
	}
}

func TestRemoveUserTag_B19_SystemTagImmutable(t *testing.T) {
	f := newFixture(t)
	err := f.svc.RemoveUserTag(t.Context(), &f.table, "", f.connTag)
	if !errors.Is(err, connections.ErrImmutable) || !strings.Contains(err.Error(), "cannot be edited or deleted") {
		t.Fatalf("err = %v", err)
	}
	if !hasTag(f.reload(t).Tags, f.connTag, hierarchy.TagSystem) {
		t.Fatal("connection tag removed")
	}
	// Nor through a reference, nor by adding one.
	err = f.svc.Remove(t.Context(), store.TagRef{Object: f.table.ID, Tag: tags.Connection(f.connTag)})
	if !errors.Is(err, connections.ErrImmutable) {
		t.Fatalf("Remove = %v", err)
	}
	if _, err := f.svc.AddUserTag(t.Context(), &f.table, "", f.connTag, ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("adding a connection tag by hand: %v", err)
	}
}

func TestRemoveUserTag_B20_PlatformTagImmutable(t *testing.T) {
	f := newFixture(t)
	err := f.svc.RemoveUserTag(t.Context(), &f.table, "EMAIL", "PII")
	if !errors.Is(err, connections.ErrImmutable) || !strings.Contains(err.Error(), "change them on the platform") {
		t.Fatalf("err = %v", err)
	}
	err = f.svc.Remove(t.Context(), store.TagRef{Object: f.table.ID, Tag: tags.Platform("PII", "email")})
	if !errors.Is(err, connections.ErrImmutable) {
		t.Fatalf("Remove = %v", err)
	}
}

func TestRemoveUserTag_B22_NewTagOnlyByValidation(t *testing.T) {
	f := newFixture(t)
	err := f.svc.RemoveUserTag(t.Context(), &f.table, "EMAIL", hierarchy.NewTagName)
	if !errors.Is(err, connections.ErrImmutable) || !strings.Contains(err.Error(), "validating the column's request") {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "remove tag snow.SALES.PUBLIC.ORDERS.EMAIL: ") {
		t.Fatalf("err does not name the column's path: %v", err)
	}
	err = f.svc.Remove(t.Context(), store.TagRef{Object: f.table.ID, Column: "EMAIL", Tag: tags.New()})
	if !errors.Is(err, connections.ErrImmutable) {
		t.Fatalf("Remove = %v", err)
	}
	tbl := f.reload(t)
	col, _ := tbl.Column("EMAIL")
	if !hasTag(col.Tags, hierarchy.NewTagName, hierarchy.TagNew) {
		t.Fatal("New tag removed")
	}
	// Nor may people add it.
	if _, err := f.svc.AddUserTag(t.Context(), &f.table, "ID", hierarchy.NewTagName, ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("adding New by hand: %v", err)
	}
}

func TestCheckEdit_B19_BySource(t *testing.T) {
	if err := tags.CheckEdit(hierarchy.TagUser); err != nil {
		t.Fatal(err)
	}
	for _, src := range []hierarchy.TagSource{hierarchy.TagSystem, hierarchy.TagPlatform, hierarchy.TagNew} {
		if err := tags.CheckEdit(src); !errors.Is(err, connections.ErrImmutable) {
			t.Errorf("%s: %v", src, err)
		}
	}
	if err := tags.CheckEdit(hierarchy.TagSource(9)); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("unknown source: %v", err)
	}
}

func TestRemove_UserTagByRef(t *testing.T) {
	f := newFixture(t)
	ref, err := f.svc.AddUserTag(t.Context(), &f.table, "ID", "Key", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Remove(t.Context(), ref); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Remove(t.Context(), ref); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("again: %v", err)
	}
	if err := f.svc.Remove(t.Context(), store.TagRef{}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("zero ref: %v", err)
	}
}

func TestValidateName_InvalidInput(t *testing.T) {
	good := []string{"PII", "Owned by", "naïve", "a.b", `back\slash`, strings.Repeat("é", tags.MaxNameLength), "new", "Immuta"}
	for _, n := range good {
		if err := tags.ValidateName(n); err != nil {
			t.Errorf("ValidateName(%q) = %v", n, err)
		}
	}
	bad := map[string]string{
		"":         "empty",
		" PII":     "leading or trailing",
		"PII ":     "leading or trailing",
		"a\x00b":   "control character",
		"a\nb":     "control character",
		"a\u0085b": "control character",
		"\xff":     "UTF-8",
		strings.Repeat("x", tags.MaxNameLength+1): "characters long",
		"New":                    "reserved",
		"Immuta Connections . x": "reserved",
	}
	for n, want := range bad {
		err := tags.ValidateName(n)
		if !errors.Is(err, connections.ErrInvalidInput) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateName(%q) = %v, want %q", n, err, want)
		}
	}
	if err := tags.ValidateValue(""); err != nil {
		t.Errorf("empty value: %v", err)
	}
	for _, v := range []string{"a\tb", strings.Repeat("v", tags.MaxValueLength+1), "\xc3"} {
		if err := tags.ValidateValue(v); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("ValidateValue(%q) = %v", v, err)
		}
	}
	f := newFixture(t)
	for n := range bad {
		if _, err := f.svc.AddUserTag(t.Context(), &f.table, "", n, ""); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("AddUserTag(%q) = %v", n, err)
		}
	}
	if _, err := f.svc.AddUserTag(t.Context(), &f.table, "", "ok", "bad\x01"); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("bad value: %v", err)
	}
	if _, err := f.svc.AddUserTag(t.Context(), nil, "", "ok", ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("nil object: %v", err)
	}
	if err := f.svc.RemoveUserTag(t.Context(), &f.table, "", ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("remove empty name: %v", err)
	}
}

func TestService_ReservedPrefixes(t *testing.T) {
	f := newFixture(t)
	svc := tags.NewService(f.st, &tags.Options{ReservedPrefixes: []string{"Conn:"}})
	if _, err := svc.AddUserTag(t.Context(), &f.table, "", "Conn: snow", ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("reserved prefix: %v", err)
	}
	if _, err := svc.AddUserTag(t.Context(), &f.table, "", "Conn snow", ""); err != nil {
		t.Fatal(err)
	}
}

func TestFind_B19_ConnectionTagAndValidation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	hits, next, err := f.svc.Find(ctx, store.TagQuery{Name: f.connTag}, store.Page{})
	if err != nil || next != "" || len(hits) != 1 || hits[0].Object != f.table.ID || hits[0].Tag.Source != hierarchy.TagSystem {
		t.Fatalf("Find(connection tag) = %+v, %q, %v", hits, next, err)
	}
	src := hierarchy.TagPlatform
	hits, _, err = f.svc.Find(ctx, store.TagQuery{Name: "PII", Source: &src, Connection: "snow"}, store.Page{})
	if err != nil || len(hits) != 2 {
		t.Fatalf("Find(PII) = %+v, %v", hits, err)
	}
	bad := []store.TagQuery{
		{},
		{Name: "a\x00"},
		{Name: strings.Repeat("x", tags.MaxQueryLength+1)},
		{Name: "ok", Value: "\x7f"},
		{Name: "ok", Source: new(hierarchy.TagSource(7))},
	}
	for _, q := range bad {
		if _, _, err := f.svc.Find(ctx, q, store.Page{}); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("Find(%+v) = %v", q, err)
		}
	}
}
