package sqlmeta

import (
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

func TestQuote(t *testing.T) {
	if got := QuoteIdent(`My "odd".Name`); got != `"My ""odd"".Name"` {
		t.Fatal(got)
	}
	if got := QualifiedName("DB", `s"x`); got != `"DB"."s""x"` {
		t.Fatal(got)
	}
	if got := QuoteLiteral(`it's`); got != `'it''s'` {
		t.Fatal(got)
	}
}

func TestScan_ByNameAnyCase(t *testing.T) {
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mock.ExpectQuery("SHOW").WillReturnRows(sqlmock.NewRows([]string{"name", "IS_DYNAMIC", "rows", "comment", "extra_new_column"}).
		AddRow("T1", "Y", int64(5), nil, "x").
		AddRow([]byte("T2"), "N", "7", "hello", nil))
	rows, err := db.Query("SHOW TABLES")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = Scan(rows, func(r Record) error {
		n, _ := r.Int("ROWS")
		got = append(got, r.String("NAME")+"/"+r.String("comment")+"/"+map[bool]string{true: "dyn", false: "-"}[r.Bool("is_dynamic")]+"/"+string(rune('0'+n)))
		if r.Has("missing") || r.String("missing") != "" {
			t.Error("missing column")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "T1//dyn/5" || got[1] != "T2/hello/-/7" {
		t.Fatalf("%q", got)
	}
}

func TestAssemble(t *testing.T) {
	tables := []connectors.Table{{Name: "b"}, {Name: "a"}, {Name: "empty"}}
	cols := []ColumnRow{
		{Table: "a", Column: hierarchy.Column{Name: "y", Position: 2}},
		{Table: "a", Column: hierarchy.Column{Name: "x", Position: 1}},
		{Table: "gone", Column: hierarchy.Column{Name: "z", Position: 1}},
		{Table: "b", Column: hierarchy.Column{Name: "q", Position: 1}},
	}
	out := Assemble(tables, cols)
	if len(out) != 3 || out[0].Name != "a" || out[0].Columns[0].Name != "x" || out[1].Name != "b" || out[2].Columns == nil {
		t.Fatalf("%+v", out)
	}
}
