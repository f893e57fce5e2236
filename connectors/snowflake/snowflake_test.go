package snowflake_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/snowflake"
	"github.com/govkit/connections/hierarchy"
)

// Column names exactly as Snowflake returns them: SHOW output in lower
// case, with columns the connector does not read (and one it cannot know
// yet, as BCR bundles add them); INFORMATION_SCHEMA and ACCOUNT_USAGE in
// upper case.
var (
	dbCols     = []string{"created_on", "name", "is_default", "is_current", "origin", "owner", "comment", "options", "retention_time", "kind", "budget", "owner_role_type", "object_visibility", "future_column"}
	schemaCols = []string{"created_on", "name", "is_default", "is_current", "database_name", "owner", "comment", "options", "retention_time", "owner_role_type", "budget", "future_column"}
	tableCols  = []string{"created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes", "owner", "retention_time", "automatic_clustering", "change_tracking", "search_optimization", "search_optimization_progress", "search_optimization_bytes", "is_external", "enable_schema_evolution", "owner_role_type", "is_event", "budget", "is_hybrid", "is_iceberg", "is_dynamic", "is_immutable", "future_column"}
	viewCols   = []string{"created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text", "is_secure", "is_materialized", "owner_role_type", "change_tracking", "future_column"}
	columnCols = []string{"TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "DATA_TYPE", "IS_NULLABLE", "COMMENT", "CHARACTER_MAXIMUM_LENGTH", "NUMERIC_PRECISION", "NUMERIC_SCALE", "DATETIME_PRECISION"}
	tagCols    = []string{"TAG_DATABASE", "TAG_SCHEMA", "TAG_NAME", "TAG_VALUE", "DOMAIN", "OBJECT_NAME", "COLUMN_NAME"}
	ctxCols    = []string{"ORGANIZATION_NAME", "ACCOUNT_NAME", "VERSION", "ROLE", "WAREHOUSE"}
)

const (
	qContext = "SELECT CURRENT_ORGANIZATION_NAME() AS ORGANIZATION_NAME, CURRENT_ACCOUNT_NAME() AS ACCOUNT_NAME, CURRENT_VERSION() AS VERSION, CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE"
	qColumns = `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, COMMENT, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION FROM %s.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`
	qColumn  = `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, COMMENT, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION FROM %s.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`
	qTags    = "SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, DOMAIN, OBJECT_NAME, COLUMN_NAME FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES WHERE OBJECT_DELETED IS NULL AND OBJECT_DATABASE = ? AND OBJECT_SCHEMA = ? AND DOMAIN IN ('TABLE', 'COLUMN') ORDER BY OBJECT_NAME, COLUMN_NAME, TAG_DATABASE, TAG_SCHEMA, TAG_NAME"
)

var created = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func dbRow(name, kind string, comment any) []driver.Value {
	return []driver.Value{created, name, "N", "N", "", "SYSADMIN", comment, "", "1", kind, nil, "ROLE", nil, "x"}
}

func schemaRow(db, name string, comment any) []driver.Value {
	return []driver.Value{created, name, "N", "N", db, "SYSADMIN", comment, "", "1", "ROLE", nil, nil}
}

// tableRow is a SHOW TABLES row; flags names the is_* columns set to Y.
func tableRow(name, kind string, comment any, flags ...string) []driver.Value {
	f := map[string]driver.Value{"is_external": "N", "is_event": "N", "is_hybrid": "N", "is_iceberg": "N", "is_dynamic": "N", "is_immutable": "N"}
	for _, k := range flags {
		f[k] = "Y"
	}
	return []driver.Value{created, name, "DB", "S", kind, comment, "", int64(10), int64(2048), "SYSADMIN", "1", "OFF", "OFF", "OFF", nil, nil,
		f["is_external"], "N", "ROLE", f["is_event"], nil, f["is_hybrid"], f["is_iceberg"], f["is_dynamic"], f["is_immutable"], "x"}
}

func viewRow(name string, comment any, secure, materialized bool) []driver.Value {
	return []driver.Value{created, name, "", "DB", "S", "SYSADMIN", comment, "create view ...", fmt.Sprint(secure), fmt.Sprint(materialized), "ROLE", "OFF", nil}
}

func colRow(table any, name string, pos any, typ string, nullable string, comment, length, precision, scale, dtPrecision any) []driver.Value {
	return []driver.Value{table, name, pos, typ, nullable, comment, length, precision, scale, dtPrecision}
}

func rows(cols []string, rs ...[]driver.Value) *sqlmock.Rows {
	r := sqlmock.NewRows(cols)
	for _, v := range rs {
		r.AddRow(v...)
	}
	return r
}

// newMock returns a connector on a sqlmock matching SQL exactly; the
// expectations must all be met when the test ends.
func newMock(t *testing.T, opts *snowflake.Options) (*snowflake.Connector, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = &snowflake.Options{}
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = time.Millisecond
	}
	c, err := snowflake.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Error(err)
		}
		_ = db.Close()
	})
	return c, mock
}

func sfErr(number int, state, msg string) error {
	return &gosnowflake.SnowflakeError{Number: number, SQLState: state, Message: msg}
}

func TestDatabases_PagingSmallPages(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{PageSize: 2})
	mock.ExpectQuery("SHOW DATABASES LIMIT 2").WillReturnRows(rows(dbCols,
		dbRow("ANALYTICS", "STANDARD", "main"),
		dbRow("SNOWFLAKE", "IMPORTED DATABASE", nil)))
	// The page starts again at the cursor: the overlap is dropped.
	mock.ExpectQuery("SHOW DATABASES LIMIT 2 FROM 'SNOWFLAKE'").WillReturnRows(rows(dbCols,
		dbRow("SNOWFLAKE", "IMPORTED DATABASE", nil),
		dbRow("SNOWFLAKE_SAMPLE_DATA", "IMPORTED DATABASE", nil)))
	mock.ExpectQuery("SHOW DATABASES LIMIT 2 FROM 'SNOWFLAKE_SAMPLE_DATA'").WillReturnRows(rows(dbCols,
		dbRow("it's", "STANDARD", nil),
		dbRow("my_app", "APPLICATION", nil)))
	mock.ExpectQuery("SHOW DATABASES LIMIT 2 FROM 'my_app'").WillReturnRows(rows(dbCols,
		dbRow("zeta", "", nil)))

	got, err := c.Databases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Database{
		{Name: "ANALYTICS", Type: hierarchy.TypeDatabase, Comment: "main"},
		{Name: "it's", Type: hierarchy.TypeDatabase},
		{Name: "zeta", Type: hierarchy.TypeDatabase},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestDatabases_IncludeImported(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{IncludeImported: true})
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows(dbCols,
		dbRow("A", "STANDARD", nil), dbRow("SNOWFLAKE", "IMPORTED DATABASE", nil), dbRow("APP", "APPLICATION", nil)))
	got, err := c.Databases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Database{{Name: "A", Type: "DATABASE"}, {Name: "SNOWFLAKE", Type: "IMPORTED DATABASE"}, {Name: "APP", Type: "APPLICATION"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
}

// The real page size: 10,001 databases take two SHOW commands.
func TestDatabases_PagingPast10000(t *testing.T) {
	for _, overlap := range []bool{false, true} {
		t.Run(fmt.Sprint("overlap=", overlap), func(t *testing.T) {
			c, mock := newMock(t, nil)
			name := func(i int) string { return fmt.Sprintf("DB_%05d", i) }
			first := sqlmock.NewRows(dbCols)
			for i := range 10000 {
				first.AddRow(dbRow(name(i), "STANDARD", nil)...)
			}
			mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(first)
			second := sqlmock.NewRows(dbCols)
			if overlap {
				second.AddRow(dbRow(name(9999), "STANDARD", nil)...)
			}
			second.AddRow(dbRow(name(10000), "STANDARD", nil)...)
			mock.ExpectQuery("SHOW DATABASES LIMIT 10000 FROM 'DB_09999'").WillReturnRows(second)
			got, err := c.Databases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 10001 || got[0].Name != name(0) || got[10000].Name != name(10000) || got[9999].Name != name(9999) {
				t.Fatalf("got %d databases, last %q", len(got), got[len(got)-1].Name)
			}
		})
	}
}

func TestSchemas_SkipsInformationSchemaAndQuotesNames(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{PageSize: 2})
	db := `Mixed.Case "Db" ünï`
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "Mixed.Case ""Db"" ünï" LIMIT 2`).WillReturnRows(rows(schemaCols,
		schemaRow(db, "INFORMATION_SCHEMA", "Views describing the contents of schemas in this database"),
		schemaRow(db, `it's a \ "schema"`, nil)))
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "Mixed.Case ""Db"" ünï" LIMIT 2 FROM 'it''s a \\ "schema"'`).WillReturnRows(rows(schemaCols,
		schemaRow(db, "public", "lower case")))
	got, err := c.Schemas(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Schema{{Name: `it's a \ "schema"`}, {Name: "public", Comment: "lower case"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
}

// A server that keeps answering the same page must not loop forever.
func TestShow_NoProgressIsAnError(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{PageSize: 2})
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 2`).WillReturnRows(rows(schemaCols, schemaRow("D", "A", nil), schemaRow("D", "B", nil)))
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 2 FROM 'B'`).WillReturnRows(rows(schemaCols, schemaRow("D", "A", nil), schemaRow("D", "B", nil)))
	_, err := c.Schemas(context.Background(), "D")
	if err == nil || !strings.Contains(err.Error(), "no progress") {
		t.Fatalf("err %v", err)
	}
}

func TestSchemas_Empty(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 10000`).WillReturnRows(rows(schemaCols))
	got, err := c.Schemas(context.Background(), "D")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("got %#v, %v", got, err)
	}
}

func TestTables_EveryObjectType(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 10000`).WillReturnRows(rows(tableCols,
		tableRow("DYN", "TABLE", nil, "is_dynamic"),
		tableRow("EVT", "TABLE", nil, "is_event"),
		tableRow("EXT", "TABLE", nil, "is_external"),
		tableRow("HYB", "TABLE", nil, "is_hybrid"),
		tableRow("ICE", "TABLE", "iceberg", "is_iceberg"),
		tableRow("PLAIN", "TABLE", ""),
		tableRow("TEMP", "TEMPORARY", nil),
		tableRow("TRANS", "TRANSIENT", nil),
		tableRow("TRANS_DYN", "TRANSIENT", nil, "is_dynamic"),
	))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."S" LIMIT 10000`).WillReturnRows(rows(viewCols,
		viewRow("MV", "mat", false, true),
		viewRow("SECURE_V", nil, true, false),
		viewRow("V", nil, false, false),
	))
	mock.ExpectQuery(fmt.Sprintf(qColumns, `"DB"`)).WithArgs("S").WillReturnRows(rows(columnCols,
		colRow("DYN", "ID", int64(1), "NUMBER", "NO", nil, nil, int64(38), int64(0), nil),
		colRow("MV", "AMOUNT", "1", "NUMBER", "YES", "money", nil, "12", "2", nil),
		colRow("PLAIN", "B", int64(2), "TEXT", "YES", nil, int64(16777216), nil, nil, nil),
		colRow("PLAIN", "A", int64(1), "TIMESTAMP_NTZ", "NO", "when", nil, nil, nil, int64(9)),
		colRow("PLAIN", "C", float64(3), "BOOLEAN", "YES", nil, nil, nil, nil, nil),
		colRow("PLAIN", "D", []byte("4"), "VARIANT", "YES", nil, nil, nil, nil, nil),
		colRow("GONE", "X", int64(1), "TEXT", "YES", nil, int64(1), nil, nil, nil),
	))

	got, err := c.Tables(context.Background(), "DB", "S")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, tb := range got {
		types[tb.Name] = tb.Type
	}
	wantTypes := map[string]string{
		"DYN": hierarchy.TypeDynamic, "EVT": hierarchy.TypeEvent, "EXT": hierarchy.TypeExternal, "HYB": hierarchy.TypeHybrid,
		"ICE": hierarchy.TypeIceberg, "PLAIN": hierarchy.TypeTable, "TEMP": snowflake.TypeTemporary, "TRANS": snowflake.TypeTransient,
		"TRANS_DYN": hierarchy.TypeDynamic, "MV": hierarchy.TypeMaterializedView, "SECURE_V": hierarchy.TypeView, "V": hierarchy.TypeView,
	}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Fatalf("types %v\nwant  %v", types, wantTypes)
	}
	var names []string
	for _, tb := range got {
		names = append(names, tb.Name)
	}
	if strings.Join(names, ",") != "DYN,EVT,EXT,HYB,ICE,MV,PLAIN,SECURE_V,TEMP,TRANS,TRANS_DYN,V" {
		t.Fatalf("order %v", names)
	}
	byName := map[string]connectors.Table{}
	for _, tb := range got {
		byName[tb.Name] = tb
		if tb.Columns == nil {
			t.Errorf("%s: nil columns", tb.Name)
		}
	}
	wantPlain := []hierarchy.Column{
		{Name: "A", Type: "TIMESTAMP_NTZ(9)", Position: 1, Comment: "when"},
		{Name: "B", Type: "TEXT(16777216)", Position: 2, Nullable: true},
		{Name: "C", Type: "BOOLEAN", Position: 3, Nullable: true},
		{Name: "D", Type: "VARIANT", Position: 4, Nullable: true},
	}
	if !reflect.DeepEqual(byName["PLAIN"].Columns, wantPlain) {
		t.Errorf("PLAIN columns %+v", byName["PLAIN"].Columns)
	}
	if c := byName["MV"]; c.Comment != "mat" || len(c.Columns) != 1 || !c.Columns[0].SameShape(hierarchy.Column{Name: "AMOUNT", Type: "NUMBER(12,2)", Position: 1, Nullable: true, Comment: "money"}) {
		t.Errorf("MV %+v", c)
	}
	if c := byName["DYN"].Columns; len(c) != 1 || c[0].Type != "NUMBER(38,0)" || c[0].Nullable {
		t.Errorf("DYN %+v", c)
	}
	if byName["ICE"].Comment != "iceberg" || len(byName["ICE"].Columns) != 0 {
		t.Errorf("ICE %+v", byName["ICE"])
	}
}

func TestTables_PagingTablesAndViews(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{PageSize: 2})
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 2`).WillReturnRows(rows(tableCols, tableRow("A", "TABLE", nil), tableRow("B", "TABLE", nil)))
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 2 FROM 'B'`).WillReturnRows(rows(tableCols, tableRow("C", "TABLE", nil), tableRow("D", "TABLE", nil)))
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 2 FROM 'D'`).WillReturnRows(rows(tableCols))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."S" LIMIT 2`).WillReturnRows(rows(viewCols, viewRow("V1", nil, false, false), viewRow("V2", nil, false, false)))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."S" LIMIT 2 FROM 'V2'`).WillReturnRows(rows(viewCols, viewRow("V2", nil, false, false)))
	mock.ExpectQuery(fmt.Sprintf(qColumns, `"DB"`)).WithArgs("S").WillReturnRows(rows(columnCols))
	got, err := c.Tables(context.Background(), "DB", "S")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got[0].Name != "A" || got[5].Name != "V2" {
		t.Fatalf("got %+v", got)
	}
}

func TestTables_EmptySchemaSkipsColumnsQuery(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 10000`).WillReturnRows(rows(tableCols))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."S" LIMIT 10000`).WillReturnRows(rows(viewCols))
	got, err := c.Tables(context.Background(), "DB", "S")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("got %#v, %v", got, err)
	}
}

func TestTables_HostileNames(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{PageSize: 1})
	db, schema := `we"ird.DB`, `Ünï "cödé".s`
	table1, table2 := `it's "x".y`, `back\slash`
	in := `"we""ird.DB"."Ünï ""cödé"".s"`
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA ` + in + ` LIMIT 1`).WillReturnRows(rows(tableCols, tableRow(table2, "TABLE", nil)))
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA ` + in + ` LIMIT 1 FROM 'back\\slash'`).WillReturnRows(rows(tableCols, tableRow(table1, "TABLE", nil)))
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA ` + in + ` LIMIT 1 FROM 'it''s "x".y'`).WillReturnRows(rows(tableCols))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA ` + in + ` LIMIT 1`).WillReturnRows(rows(viewCols))
	mock.ExpectQuery(fmt.Sprintf(qColumns, `"we""ird.DB"`)).WithArgs(schema).WillReturnRows(rows(columnCols,
		colRow(table1, `c"1`, int64(1), "TEXT", "YES", nil, int64(5), nil, nil, nil),
		colRow(table2, "lower", int64(1), "NUMBER", "YES", nil, nil, int64(38), int64(0), nil)))
	got, err := c.Tables(context.Background(), db, schema)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != table2 || got[1].Name != table1 || got[1].Columns[0].Name != `c"1` || got[0].Columns[0].Name != "lower" {
		t.Fatalf("got %+v", got)
	}
}

func TestTables_InformationSchemaTooMuchData_FallsBackPerTable(t *testing.T) {
	var logs bytes.Buffer
	c, mock := newMock(t, &snowflake.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."BIG" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T1", "TABLE", nil), tableRow("T2", "TABLE", nil)))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."BIG" LIMIT 10000`).WillReturnRows(rows(viewCols, viewRow("V", nil, false, false)))
	mock.ExpectQuery(fmt.Sprintf(qColumns, `"DB"`)).WithArgs("BIG").WillReturnError(
		sfErr(90030, "22000", "Information schema query returned too much data. Please repeat query with more selective predicates."))
	mock.ExpectQuery(fmt.Sprintf(qColumn, `"DB"`)).WithArgs("BIG", "T1").WillReturnRows(rows(columnCols,
		colRow("T1", "B", int64(2), "TEXT", "YES", nil, int64(3), nil, nil, nil),
		colRow("T1", "A", int64(1), "TEXT", "YES", nil, int64(3), nil, nil, nil)))
	mock.ExpectQuery(fmt.Sprintf(qColumn, `"DB"`)).WithArgs("BIG", "T2").WillReturnRows(rows(columnCols))
	mock.ExpectQuery(fmt.Sprintf(qColumn, `"DB"`)).WithArgs("BIG", "V").WillReturnRows(rows(columnCols,
		colRow("V", "X", int64(1), "NUMBER", "YES", nil, nil, int64(10), int64(0), nil)))
	got, err := c.Tables(context.Background(), "DB", "BIG")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got[0].Columns) != 2 || got[0].Columns[0].Name != "A" || len(got[1].Columns) != 0 || got[2].Columns[0].Type != "NUMBER(10,0)" {
		t.Fatalf("got %+v", got)
	}
	if !strings.Contains(logs.String(), "table by table") {
		t.Errorf("no warning logged: %s", logs.String())
	}
}

func TestTables_FallbackErrorNamesTable(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."BIG" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T1", "TABLE", nil)))
	mock.ExpectQuery(`SHOW VIEWS IN SCHEMA "DB"."BIG" LIMIT 10000`).WillReturnRows(rows(viewCols))
	mock.ExpectQuery(fmt.Sprintf(qColumns, `"DB"`)).WithArgs("BIG").WillReturnError(sfErr(90030, "22000", "Information schema query returned too much data."))
	mock.ExpectQuery(fmt.Sprintf(qColumn, `"DB"`)).WithArgs("BIG", "T1").WillReturnError(sfErr(2003, "02000", "SQL compilation error:\nTable 'T1' does not exist or not authorized."))
	_, err := c.Tables(context.Background(), "DB", "BIG")
	if !errors.Is(err, connections.ErrNotFound) || !strings.Contains(err.Error(), "list columns DB.BIG.T1") {
		t.Fatalf("err %v", err)
	}
}

func TestTags(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(qTags).WithArgs("DB", "S").WillReturnRows(rows(tagCols,
		[]driver.Value{"GOV", "TAGS", "PII", "email", "COLUMN", "CUSTOMERS", "EMAIL"},
		[]driver.Value{"GOV", "TAGS", "OWNER", nil, "TABLE", "CUSTOMERS", nil},
		[]driver.Value{"my.db", "TAGS", `odd\tag`, "v", "table", "V", ""},
	))
	got, err := c.Tags(context.Background(), "DB", "S")
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.TagAssignment{
		{Table: "CUSTOMERS", Column: "EMAIL", Name: "GOV.TAGS.PII", Value: "email"},
		{Table: "CUSTOMERS", Name: "GOV.TAGS.OWNER"},
		{Table: "V", Name: `my\.db.TAGS.odd\\tag`, Value: "v"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	if p, err := hierarchy.Parse(got[2].Name); err != nil || !p.Equal(hierarchy.Path{"my.db", "TAGS", `odd\tag`}) {
		t.Fatalf("tag name does not parse back: %v %v", p, err)
	}
}

func TestTags_EmptyAndNoAccess(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(qTags).WithArgs("DB", "S").WillReturnRows(rows(tagCols))
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "DB" STARTS WITH 'S' LIMIT 1`).WillReturnRows(rows(schemaCols, schemaRow("DB", "S", nil)))
	got, err := c.Tags(context.Background(), "DB", "S")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("got %#v %v", got, err)
	}
	// No tag and no such schema (only one whose name it starts).
	mock.ExpectQuery(qTags).WithArgs("DB", "it's").WillReturnRows(rows(tagCols))
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "DB" STARTS WITH 'it''s' LIMIT 1`).WillReturnRows(rows(schemaCols, schemaRow("DB", "it's more", nil)))
	_, err = c.Tags(context.Background(), "DB", "it's")
	if !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("missing schema: %v", err)
	}
	mock.ExpectQuery(qTags).WithArgs("NODB", "S").WillReturnRows(rows(tagCols))
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "NODB" STARTS WITH 'S' LIMIT 1`).WillReturnError(sfErr(2003, "02000", "SQL compilation error:\nDatabase '\"NODB\"' does not exist or not authorized."))
	_, err = c.Tags(context.Background(), "NODB", "S")
	if !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("missing database: %v", err)
	}
	mock.ExpectQuery(qTags).WithArgs("DB", "S").WillReturnError(sfErr(2003, "02000", "SQL compilation error:\nSchema 'SNOWFLAKE.ACCOUNT_USAGE' does not exist or not authorized."))
	_, err = c.Tags(context.Background(), "DB", "S")
	if !errors.Is(err, connections.ErrPermissionDenied) || errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "IMPORTED PRIVILEGES") || !strings.Contains(err.Error(), "read tags DB.S") {
		t.Fatalf("err text %q", err)
	}
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != 2003 {
		t.Fatal("driver error not reachable with errors.As")
	}
}

func TestHostAndCheck(t *testing.T) {
	c, mock := newMock(t, nil)
	mock.ExpectQuery(qContext).WillReturnRows(rows(ctxCols, []driver.Value{"MYORG", "MYACCOUNT", "9.1.0", "SYSADMIN", "WH"}))
	h, err := c.Host(context.Background())
	if err != nil || h != (connectors.Host{Name: "MYORG-MYACCOUNT", Type: "ACCOUNT", Version: "9.1.0"}) {
		t.Fatalf("host %+v %v", h, err)
	}
	mock.ExpectQuery(qContext).WillReturnRows(rows(ctxCols, []driver.Value{"MYORG", "MYACCOUNT", "9.1.0", "SYSADMIN", "WH"}))
	mock.ExpectQuery("SHOW DATABASES LIMIT 1").WillReturnRows(rows(dbCols, dbRow("A", "STANDARD", nil)))
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.ExpectQuery(qContext).WillReturnRows(rows(ctxCols, []driver.Value{"MYORG", "MYACCOUNT", "9.1.0", "PUBLIC", nil}))
	if err := c.Check(context.Background()); !errors.Is(err, connections.ErrInvalidInput) || !strings.Contains(err.Error(), "warehouse") {
		t.Fatalf("check without warehouse: %v", err)
	}
	mock.ExpectQuery(qContext).WillReturnError(sfErr(390100, "08004", "Incorrect username or password was specified."))
	if err := c.Check(context.Background()); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("check with a wrong password: %v", err)
	}
	mock.ExpectQuery(qContext).WillReturnRows(rows(ctxCols))
	if _, err := c.Host(context.Background()); err == nil {
		t.Fatal("host from no rows")
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"002003 does not exist", sfErr(2003, "02000", "SQL compilation error:\nDatabase 'NOPE' does not exist or not authorized."), connections.ErrNotFound},
		{"002043 object does not exist", sfErr(2043, "02000", "SQL compilation error:\nObject does not exist, or operation cannot be performed."), connections.ErrNotFound},
		{"003001 insufficient privileges", sfErr(3001, "42501", "SQL access control error:\nInsufficient privileges to operate on database 'D'"), connections.ErrPermissionDenied},
		{"390100 wrong password", sfErr(390100, "08004", "Incorrect username or password was specified."), connections.ErrPermissionDenied},
		{"390144 bad JWT", sfErr(390144, "08004", "JWT token is invalid."), connections.ErrPermissionDenied},
		{"390303 bad OAuth token", sfErr(390303, "08004", "Invalid OAuth access token."), connections.ErrPermissionDenied},
		{"390189 role", sfErr(gosnowflake.ErrRoleNotExist, "08004", "Role 'X' specified in the connect string does not exist or not authorized."), connections.ErrPermissionDenied},
		{"260008 HTTP 403", &gosnowflake.SnowflakeError{Number: gosnowflake.ErrCodeFailedToConnect, SQLState: "08004", Message: "failed to connect to db. HTTP: %v, URL: %v", MessageArgs: []any{403, "https://x"}}, connections.ErrPermissionDenied},
		{"000606 no warehouse", sfErr(606, "57P03", "No active warehouse selected in the current session."), connections.ErrInvalidInput},
		{"other", sfErr(1003, "42000", "SQL compilation error: syntax error"), nil},
	}
	sentinels := []error{connections.ErrNotFound, connections.ErrPermissionDenied, connections.ErrInvalidInput}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mock := newMock(t, nil)
			mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "NOPE" LIMIT 10000`).WillReturnError(tc.err)
			_, err := c.Schemas(context.Background(), "NOPE")
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range sentinels {
				if errors.Is(err, s) != (s == tc.want) {
					t.Errorf("errors.Is(%v) = %v: %v", s, !(s == tc.want), err)
				}
			}
			var ce *connections.Error
			if !errors.As(err, &ce) || ce.Op != "snowflake: list schemas" || ce.Path != "NOPE" {
				t.Errorf("not a *connections.Error naming the step and object: %#v", err)
			}
			if !strings.HasPrefix(err.Error(), "snowflake: list schemas NOPE: ") {
				t.Errorf("text %q", err)
			}
			var se *gosnowflake.SnowflakeError
			if !errors.As(err, &se) {
				t.Error("driver error lost")
			}
		})
	}
}

func TestRetry_TransientFailures(t *testing.T) {
	transient := []error{
		&gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToPostQuery, SQLState: "08006", Message: "failed to POST. HTTP: %v, URL: %v", MessageArgs: []any{503, "https://x/queries/v1/query-request"}},
		&gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToPostQuery, SQLState: "08006", Message: "failed to POST. HTTP: %v, URL: %v", MessageArgs: []any{429, "https://x"}},
		&gosnowflake.SnowflakeError{Number: gosnowflake.ErrCodeServiceUnavailable, SQLState: "08001", Message: "service is unavailable. HTTP: %v, URL: %v", MessageArgs: []any{502, "https://x"}},
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		fmt.Errorf("read: %w", syscall.ECONNRESET),
	}
	for i, terr := range transient {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, mock := newMock(t, nil)
			mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(terr)
			mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(terr)
			mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows(dbCols, dbRow("A", "STANDARD", nil)))
			got, err := c.Databases(context.Background())
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v %v", got, err)
			}
		})
	}
}

func TestRetry_GivesUpAndDoesNotRetryPermanentErrors(t *testing.T) {
	c, mock := newMock(t, &snowflake.Options{MaxAttempts: 2})
	terr := &gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToPostQuery, SQLState: "08006", Message: "failed to POST. HTTP: %v, URL: %v", MessageArgs: []any{503, "https://x"}}
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(terr)
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(terr)
	if _, err := c.Databases(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP: 503") {
		t.Fatalf("err %v", err)
	}
	// A permanent error is sent once (sqlmock fails on a second query).
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(sfErr(390100, "08004", "Incorrect username or password was specified."))
	if _, err := c.Databases(context.Background()); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("err %v", err)
	}
}

func TestRetry_PageRetriedFromScratch(t *testing.T) {
	c, mock := newMock(t, nil)
	// The first attempt fails after a row was read; the retried attempt
	// must not keep that row twice.
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows(dbCols, dbRow("A", "STANDARD", nil), dbRow("B", "STANDARD", nil)).
		RowError(1, &gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToGetChunk, Message: "failed to get a chunk of result sets. idx: %v", MessageArgs: []any{1}}))
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows(dbCols, dbRow("A", "STANDARD", nil), dbRow("B", "STANDARD", nil)))
	got, err := c.Databases(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v %v", got, err)
	}
}

func TestCancellation(t *testing.T) {
	c, mock := newMock(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Databases(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}

	mock.ExpectQuery(`SHOW TABLES IN SCHEMA "DB"."S" LIMIT 10000`).WillDelayFor(time.Second).WillReturnRows(rows(tableCols))
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Tables(ctx, "DB", "S")
	if !errors.Is(err, context.DeadlineExceeded) || !connections.IsContextError(err) {
		t.Fatalf("deadline: %v", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("did not stop at the deadline")
	}

	// A transient failure is not retried past a cancelled context.
	ctx, cancel = context.WithCancel(context.Background())
	c2, mock2 := newMock(t, &snowflake.Options{RetryDelay: time.Hour})
	mock2.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 10000`).WillReturnError(&net.OpError{Op: "read", Err: syscall.ECONNRESET})
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = c2.Schemas(ctx, "D")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("retry wait: %v", err)
	}
}

func TestGarbageGivesErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(mock sqlmock.Sqlmock)
		call  func(c *snowflake.Connector) error
	}{
		{"SHOW without name column", func(m sqlmock.Sqlmock) {
			m.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows([]string{"created_on", "title"}, []driver.Value{created, "A"}))
		}, func(c *snowflake.Connector) error { _, err := c.Databases(context.Background()); return err }},
		{"SHOW with a NULL name", func(m sqlmock.Sqlmock) {
			m.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnRows(rows(dbCols, dbRow("A", "STANDARD", nil), []driver.Value{created, nil, "N", "N", "", "", nil, "", "1", "STANDARD", nil, "", nil, nil}))
		}, func(c *snowflake.Connector) error { _, err := c.Databases(context.Background()); return err }},
		{"ORDINAL_POSITION not a number", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(`SHOW TABLES IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T", "TABLE", nil)))
			m.ExpectQuery(`SHOW VIEWS IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(viewCols))
			m.ExpectQuery(fmt.Sprintf(qColumns, `"D"`)).WithArgs("S").WillReturnRows(rows(columnCols, colRow("T", "C", "first", "TEXT", "YES", nil, nil, nil, nil, nil)))
		}, func(c *snowflake.Connector) error { _, err := c.Tables(context.Background(), "D", "S"); return err }},
		{"NUMERIC_PRECISION not a number", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(`SHOW TABLES IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T", "TABLE", nil)))
			m.ExpectQuery(`SHOW VIEWS IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(viewCols))
			m.ExpectQuery(fmt.Sprintf(qColumns, `"D"`)).WithArgs("S").WillReturnRows(rows(columnCols, colRow("T", "C", int64(1), "NUMBER", "YES", nil, nil, true, int64(0), nil)))
		}, func(c *snowflake.Connector) error { _, err := c.Tables(context.Background(), "D", "S"); return err }},
		{"column row without a table", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(`SHOW TABLES IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T", "TABLE", nil)))
			m.ExpectQuery(`SHOW VIEWS IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(viewCols))
			m.ExpectQuery(fmt.Sprintf(qColumns, `"D"`)).WithArgs("S").WillReturnRows(rows(columnCols, colRow(nil, "C", int64(1), "TEXT", "YES", nil, nil, nil, nil, nil)))
		}, func(c *snowflake.Connector) error { _, err := c.Tables(context.Background(), "D", "S"); return err }},
		{"columns missing", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(`SHOW TABLES IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(tableCols, tableRow("T", "TABLE", nil)))
			m.ExpectQuery(`SHOW VIEWS IN SCHEMA "D"."S" LIMIT 10000`).WillReturnRows(rows(viewCols))
			m.ExpectQuery(fmt.Sprintf(qColumns, `"D"`)).WithArgs("S").WillReturnRows(rows([]string{"X"}, []driver.Value{int64(1)}))
		}, func(c *snowflake.Connector) error { _, err := c.Tables(context.Background(), "D", "S"); return err }},
		{"tag row without a tag name", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(qTags).WithArgs("D", "S").WillReturnRows(rows(tagCols, []driver.Value{"A", "B", nil, "v", "TABLE", "T", nil}))
		}, func(c *snowflake.Connector) error { _, err := c.Tags(context.Background(), "D", "S"); return err }},
		{"column tag without a column", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(qTags).WithArgs("D", "S").WillReturnRows(rows(tagCols, []driver.Value{"A", "B", "N", "v", "COLUMN", "T", nil}))
		}, func(c *snowflake.Connector) error { _, err := c.Tags(context.Background(), "D", "S"); return err }},
		{"context query with no account", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(qContext).WillReturnRows(rows(ctxCols, []driver.Value{nil, nil, nil, nil, nil}))
		}, func(c *snowflake.Connector) error { _, err := c.Host(context.Background()); return err }},
		{"row error", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 10000`).WillReturnRows(rows(schemaCols, schemaRow("D", "A", nil)).RowError(0, errors.New("boom")))
		}, func(c *snowflake.Connector) error { _, err := c.Schemas(context.Background(), "D"); return err }},
		{"empty names", func(m sqlmock.Sqlmock) {}, func(c *snowflake.Connector) error {
			_, err := c.Tables(context.Background(), "", "S")
			if !errors.Is(err, connections.ErrInvalidInput) {
				return nil
			}
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mock := newMock(t, nil)
			tc.setup(mock)
			err := tc.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "snowflake: ") {
				t.Errorf("error does not name the step: %v", err)
			}
		})
	}
	// Odd but harmless values (numbers or times where text is expected)
	// are read, not fatal.
	c, mock := newMock(t, nil)
	mock.ExpectQuery(`SHOW SCHEMAS IN DATABASE "D" LIMIT 10000`).WillReturnRows(rows(schemaCols,
		[]driver.Value{"yesterday", int64(42), true, 7, "D", nil, created, nil, nil, nil, nil, nil}))
	got, err := c.Schemas(context.Background(), "D")
	if err != nil || len(got) != 1 || got[0].Name != "42" {
		t.Fatalf("got %v %v", got, err)
	}
}

func TestNew_Validates(t *testing.T) {
	if _, err := snowflake.New(nil, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatal(err)
	}
	db, _, _ := sqlmock.New()
	defer db.Close()
	for _, o := range []snowflake.Options{{PageSize: -1}, {PageSize: 10001}, {MaxAttempts: -1}} {
		if _, err := snowflake.New(db, &o); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestCredentialsNeverInErrorsOrLogs(t *testing.T) {
	const password = "Sup3r-S3cret!pw"
	var logs bytes.Buffer
	c, mock := newMock(t, &snowflake.Options{
		MaxAttempts: 2,
		Redact:      []string{password},
		Logger:      slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	leak := fmt.Errorf("dial tcp: lookup user:%s@host: %w", password, syscall.ECONNREFUSED)
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(leak)
	mock.ExpectQuery("SHOW DATABASES LIMIT 10000").WillReturnError(sfErr(390100, "08004", "Incorrect username or password was specified: "+password))
	_, err := c.Databases(context.Background())
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("error text %q", err)
	}
	if strings.Contains(logs.String(), password) || !strings.Contains(logs.String(), "retry") {
		t.Fatalf("logs %q", logs.String())
	}
}
