package snowflake_test

// fakeAccount is a database/sql driver that answers the SQL the connector
// sends the way Snowflake does, over an in-memory account: SHOW commands
// with Snowflake's lower-case columns, name order, the LIMIT cap of
// 10,000, LIMIT ... FROM '<name>' paging (rows after the name,
// case-sensitive) and STARTS WITH; INFORMATION_SCHEMA.COLUMNS and
// ACCOUNT_USAGE.TAG_REFERENCES with upper-case columns and bound
// parameters; error 002003 for a database or schema that does not exist;
// error 390100 when the password is wrong. Unlike sqlmock it accepts the
// calls in any order, so the conformance suite and the query-count test
// can drive it. Any other SQL is an error, so the connector cannot send
// SQL the fake does not know.

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/snowflakedb/gosnowflake"
)

type fakeColumn struct {
	name, dataType                       string
	length, precision, scale, dtPrecison driver.Value // nil or int64
	nullable                             bool
	comment                              driver.Value // nil or string
}

type fakeObject struct {
	name         string
	kind         string   // SHOW TABLES kind: TABLE, TRANSIENT, TEMPORARY
	flags        []string // SHOW TABLES flags set to Y, such as is_dynamic
	view         bool
	materialized bool
	comment      driver.Value
	columns      []fakeColumn
}

type fakeTag struct {
	tagDatabase, tagSchema, name string
	value                        driver.Value
	object, column               string // column empty: a tag on the object
}

type fakeSchema struct {
	name    string
	comment driver.Value
	objects []fakeObject
	tags    []fakeTag
}

type fakeDatabase struct {
	name, kind string
	comment    driver.Value
	schemas    []*fakeSchema
}

type fakeAccount struct {
	org, account, warehouse string
	password                string // wanted from the connector; empty: any
	databases               []*fakeDatabase

	mu      sync.Mutex
	queries []string
}

// db returns a *sql.DB on the account signing in with password.
func (a *fakeAccount) db(password string) *sql.DB {
	return sql.OpenDB(fakeConnector{a: a, password: password})
}

// count returns how many queries the account answered.
func (a *fakeAccount) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queries)
}

type fakeConnector struct {
	a        *fakeAccount
	password string
}

func (c fakeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.a.password != "" && c.password != c.a.password {
		// As careless as a server can be: the message quotes the password.
		return nil, &gosnowflake.SnowflakeError{Number: 390100, SQLState: "08004",
			Message: "Incorrect username or password was specified (got " + c.password + ")."}
	}
	return &fakeConn{a: c.a}, nil
}

func (c fakeConnector) Driver() driver.Driver { return fakeDriver{} }

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return nil, errors.New("fake: use sql.OpenDB") }

type fakeConn struct{ a *fakeAccount }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("fake: prepared statements are not supported")
}
func (c *fakeConn) Close() error              { return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return nil, errors.New("fake: no transactions") }

var (
	ident   = `"((?:[^"]|"")*)"`
	literal = `'((?:[^'\\]|''|\\.)*)'`
	limit   = ` LIMIT (\d+)(?: FROM ` + literal + `)?`

	reShowDatabases = regexp.MustCompile(`^SHOW DATABASES` + limit + `$`)
	reShowSchemas   = regexp.MustCompile(`^SHOW SCHEMAS IN DATABASE ` + ident + `(?: STARTS WITH ` + literal + `)?` + limit + `$`)
	reShowObjects   = regexp.MustCompile(`^SHOW (TABLES|VIEWS) IN SCHEMA ` + ident + `\.` + ident + limit + `$`)
	reColumns       = regexp.MustCompile(`^SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, COMMENT, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION FROM ` +
		ident + `\.INFORMATION_SCHEMA\.COLUMNS WHERE TABLE_SCHEMA = \?( AND TABLE_NAME = \? ORDER BY ORDINAL_POSITION| ORDER BY TABLE_NAME, ORDINAL_POSITION)$`)
)

func unquoteIdent(s string) string { return strings.ReplaceAll(s, `""`, `"`) }

func unquoteLiteral(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
			b.WriteByte('\'')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func notFound(what, name string) error {
	return &gosnowflake.SnowflakeError{Number: 2003, SQLState: "02000",
		Message: fmt.Sprintf("SQL compilation error:\n%s '%s' does not exist or not authorized.", what, name)}
}

func (a *fakeAccount) database(name string) (*fakeDatabase, error) {
	for _, d := range a.databases {
		if d.name == name {
			return d, nil
		}
	}
	return nil, notFound("Database", `"`+name+`"`)
}

func (a *fakeAccount) schema(db, name string) (*fakeSchema, error) {
	d, err := a.database(db)
	if err != nil {
		return nil, err
	}
	for _, s := range d.schemas {
		if s.name == name {
			return s, nil
		}
	}
	return nil, notFound("Schema", `"`+db+`"."`+name+`"`)
}

type namedRow struct {
	name string
	row  []driver.Value
}

// page applies SHOW's order, cap, STARTS WITH and LIMIT ... FROM.
func page(all []namedRow, startsWith string, m []string) (*fakeRows, error) {
	n, _ := strconv.Atoi(m[0])
	if n > 10000 {
		return nil, &gosnowflake.SnowflakeError{Number: 90153, SQLState: "22000",
			Message: "The result set size exceeded the max number of rows(10000) supported for SHOW statements. Use LIMIT option to limit result set to a smaller number."}
	}
	slices.SortFunc(all, func(a, b namedRow) int { return strings.Compare(a.name, b.name) })
	var out [][]driver.Value
	for _, r := range all {
		if startsWith != "" && !strings.HasPrefix(r.name, startsWith) {
			continue
		}
		if m[1] != "" && r.name <= unquoteLiteral(m[1]) {
			continue
		}
		if len(out) == n {
			break
		}
		out = append(out, r.row)
	}
	return &fakeRows{rows: out}, nil
}

func (c *fakeConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := c.a
	a.mu.Lock()
	a.queries = append(a.queries, q)
	a.mu.Unlock()
	arg := func(i int) string {
		if i >= len(args) {
			return ""
		}
		s, _ := args[i].Value.(string)
		return s
	}
	switch {
	case q == qContext:
		var wh driver.Value
		if a.warehouse != "" {
			wh = a.warehouse
		}
		return &fakeRows{cols: ctxCols, rows: [][]driver.Value{{a.org, a.account, "9.40.1", "GOVKIT_READER", wh}}}, nil
	case q == qTags:
		s, err := a.schema(arg(0), arg(1))
		if err != nil {
			return &fakeRows{cols: tagCols}, nil // a filtered view: nothing
		}
		var rs [][]driver.Value
		for _, t := range s.tags {
			domain, col := "TABLE", driver.Value(nil)
			if t.column != "" {
				domain, col = "COLUMN", t.column
			}
			rs = append(rs, []driver.Value{t.tagDatabase, t.tagSchema, t.name, t.value, domain, t.object, col})
		}
		return &fakeRows{cols: tagCols, rows: rs}, nil
	}
	if m := reShowDatabases.FindStringSubmatch(q); m != nil {
		r, err := page(a.databaseRows(), "", m[1:])
		if r != nil {
			r.cols = dbCols
		}
		return r, err
	}
	if m := reShowSchemas.FindStringSubmatch(q); m != nil {
		d, err := a.database(unquoteIdent(m[1]))
		if err != nil {
			return nil, err
		}
		var all []namedRow
		for _, s := range d.schemas {
			all = append(all, namedRow{s.name, schemaRow(d.name, s.name, s.comment)})
		}
		r, err := page(all, unquoteLiteral(m[2]), m[3:])
		if r != nil {
			r.cols = schemaCols
		}
		return r, err
	}
	if m := reShowObjects.FindStringSubmatch(q); m != nil {
		s, err := a.schema(unquoteIdent(m[2]), unquoteIdent(m[3]))
		if err != nil {
			return nil, err
		}
		views := m[1] == "VIEWS"
		var all []namedRow
		for _, o := range s.objects {
			switch {
			case views && o.view:
				all = append(all, namedRow{o.name, viewRow(o.name, o.comment, false, o.materialized)})
			case !views && !o.view:
				all = append(all, namedRow{o.name, tableRow(o.name, cmp.Or(o.kind, "TABLE"), o.comment, o.flags...)})
			}
		}
		r, err := page(all, "", m[4:])
		if r != nil {
			r.cols = map[bool][]string{true: viewCols, false: tableCols}[views]
		}
		return r, err
	}
	if m := reColumns.FindStringSubmatch(q); m != nil {
		if _, err := a.database(unquoteIdent(m[1])); err != nil {
			return nil, err
		}
		perTable := strings.Contains(m[2], "TABLE_NAME = ?")
		if len(args) != map[bool]int{true: 2, false: 1}[perTable] {
			return nil, fmt.Errorf("fake: %d arguments for %q", len(args), q)
		}
		out := &fakeRows{cols: columnCols}
		s, err := a.schema(unquoteIdent(m[1]), arg(0))
		if err != nil {
			return out, nil // INFORMATION_SCHEMA just has no rows
		}
		objects := slices.Clone(s.objects)
		slices.SortFunc(objects, func(a, b fakeObject) int { return strings.Compare(a.name, b.name) })
		for _, o := range objects {
			if perTable && o.name != arg(1) {
				continue
			}
			for i, col := range o.columns {
				nullable := map[bool]string{true: "YES", false: "NO"}[col.nullable]
				out.rows = append(out.rows, colRow(o.name, col.name, int64(i+1), col.dataType, nullable, col.comment, col.length, col.precision, col.scale, col.dtPrecison))
			}
		}
		return out, nil
	}
	return nil, &gosnowflake.SnowflakeError{Number: 1003, SQLState: "42000", Message: "fake: SQL it does not know: " + q}
}

func (a *fakeAccount) databaseRows() []namedRow {
	var all []namedRow
	for _, d := range a.databases {
		all = append(all, namedRow{d.name, dbRow(d.name, cmp.Or(d.kind, "STANDARD"), d.comment)})
	}
	return all
}

type fakeRows struct {
	cols []string
	rows [][]driver.Value
	i    int
}

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}
