package trino_test

// fakeTrino is an httptest server speaking the Trino client REST protocol
// the way trino-go-client v1.1.0 expects it: POST /v1/statement with the
// SQL as body answers QUEUED with a nextUri; GETs of the nextUri chain serve
// the result in pages (columns with typeSignature, data rows), optionally
// with empty pages in between; a failure is a FAILED page with an error
// object. It dispatches on the SQL text, emulating Trino's metadata tables
// over a fixture, so the real driver decodes real-looking responses.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type fxColumn struct {
	name     string
	typ      string
	nullable bool
	comment  string
}

type fxTable struct {
	name    string
	typ     string // "BASE TABLE", "VIEW" or "MATERIALIZED VIEW"
	comment string
	columns []fxColumn
}

type fxSchema struct {
	name   string
	tables []fxTable
}

type fxCatalog struct {
	name    string
	schemas []fxSchema
}

// trinoError is the error object of a FAILED query.
type trinoError struct {
	Message   string `json:"message"`
	ErrorCode int    `json:"errorCode"`
	ErrorName string `json:"errorName"`
	ErrorType string `json:"errorType"`
}

// wireColumn is a result column as the coordinator describes it.
type wireColumn struct {
	Name          string         `json:"name"`
	Type          string         `json:"type"`
	TypeSignature map[string]any `json:"typeSignature"`
}

func varcharCol(name string) wireColumn {
	return wireColumn{Name: name, Type: "varchar", TypeSignature: map[string]any{
		"rawType":   "varchar",
		"arguments": []any{map[string]any{"kind": "LONG", "value": 2147483647}},
	}}
}

func bigintCol(name string) wireColumn {
	return wireColumn{Name: name, Type: "bigint", TypeSignature: map[string]any{"rawType": "bigint", "arguments": []any{}}}
}

type result struct {
	columns []wireColumn
	rows    [][]any
	err     *trinoError
}

type fakeQuery struct {
	sql   string
	pages []map[string]any
}

type fakeTrino struct {
	t   testing.TB
	srv *httptest.Server

	user     string // X-Trino-User every statement must carry
	source   string // X-Trino-Source expected, when set
	password string // Basic authentication required, when set
	token    string // Bearer authentication required, when set

	mu          sync.Mutex
	catalogs    []fxCatalog
	failCatalog map[string]trinoError
	pageSize    int  // rows per page; 0 means all in one
	emptyPages  bool // an empty page before every data page
	statements  []string
	deletes     int
	queries     map[string]*fakeQuery
	seq         int
	// intercept, when set, sees every request first with the SQL of its
	// query ("" when none) and may answer it by returning true.
	intercept func(w http.ResponseWriter, r *http.Request, sql string) bool
}

func newFake(t testing.TB, catalogs ...fxCatalog) *fakeTrino {
	t.Helper()
	f := &fakeTrino{t: t, user: "crawler", catalogs: catalogs, failCatalog: map[string]trinoError{}, queries: map[string]*fakeQuery{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func newTLSFake(t testing.TB, catalogs ...fxCatalog) *fakeTrino {
	t.Helper()
	f := &fakeTrino{t: t, user: "crawler", catalogs: catalogs, failCatalog: map[string]trinoError{}, queries: map[string]*fakeQuery{}}
	f.srv = httptest.NewTLSServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTrino) setIntercept(fn func(w http.ResponseWriter, r *http.Request, sql string) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.intercept = fn
}

func (f *fakeTrino) failCatalogWith(catalog string, e trinoError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failCatalog[catalog] = e
}

func (f *fakeTrino) paging(size int, empty bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageSize, f.emptyPages = size, empty
}

// Statements returns the SQL of every POST received, in order.
func (f *fakeTrino) Statements() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.statements)
}

// Deletes returns how many DELETEs (query cancellations) arrived.
func (f *fakeTrino) Deletes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deletes
}

func (f *fakeTrino) resetStatements() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statements = nil
}

func (f *fakeTrino) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sql := ""
	var q *fakeQuery
	var page int
	if r.Method == http.MethodPost && r.URL.Path == "/v1/statement" {
		sql = string(body)
	} else if id, p, ok := parseNextURI(r.URL.Path); ok {
		f.mu.Lock()
		q = f.queries[id]
		f.mu.Unlock()
		if q != nil {
			sql = q.sql
		}
		page = p
	}
	f.mu.Lock()
	intercept := f.intercept
	f.mu.Unlock()
	if intercept != nil && intercept(w, r, sql) {
		return
	}
	if !f.authorized(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/info":
		writeJSON(w, map[string]any{"nodeVersion": map[string]any{"version": "476"}, "environment": "test-env",
			"coordinator": true, "starting": false, "uptime": "5.00m"})
	case r.Method == http.MethodHead && r.URL.Path == "/v1/statement":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodDelete:
		f.mu.Lock()
		f.deletes++
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/statement":
		f.post(w, r, sql)
	case r.Method == http.MethodGet && q != nil:
		if page < 1 || page >= len(q.pages) {
			http.Error(w, "no such page", http.StatusNotFound)
			return
		}
		writeJSON(w, q.pages[page])
	default:
		f.t.Errorf("fake trino: unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "unexpected request", http.StatusNotFound)
	}
}

func (f *fakeTrino) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet && r.URL.Path == "/v1/info" {
		return true // like Trino: /v1/info needs no authentication
	}
	if f.password != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != f.password {
			// A hostile server that echoes what it got: the connector
			// must keep it out of its errors.
			http.Error(w, "Unauthorized: bad credentials for "+u+" with password "+p+" header "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return false
		}
	}
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, "Unauthorized: token "+r.Header.Get("Authorization"), http.StatusUnauthorized)
		return false
	}
	return true
}

func parseNextURI(path string) (id string, page int, ok bool) {
	rest, found := strings.CutPrefix(path, "/v1/statement/executing/")
	if !found {
		return "", 0, false
	}
	id, p, found := strings.Cut(rest, "/")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, false
	}
	return id, n, true
}

func (f *fakeTrino) post(w http.ResponseWriter, r *http.Request, sql string) {
	if got := r.Header.Get("X-Trino-User"); got != f.user {
		f.t.Errorf("fake trino: X-Trino-User = %q, want %q", got, f.user)
	}
	if f.source != "" && r.Header.Get("X-Trino-Source") != f.source {
		f.t.Errorf("fake trino: X-Trino-Source = %q, want %q", r.Header.Get("X-Trino-Source"), f.source)
	}
	if r.Header.Get("X-Trino-Prepared-Statement") != "" || strings.HasPrefix(sql, "EXECUTE") {
		f.t.Errorf("fake trino: got a prepared statement, want plain SQL: %q", sql)
	}
	res := f.answer(sql)

	f.mu.Lock()
	f.statements = append(f.statements, sql)
	f.seq++
	id := fmt.Sprintf("20260101_000000_%05d_fake", f.seq)
	q := &fakeQuery{sql: sql}
	f.queries[id] = q
	pageSize, emptyPages := f.pageSize, f.emptyPages
	f.mu.Unlock()

	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	next := func(i int) string { return fmt.Sprintf("%s/v1/statement/executing/%s/%d", base, id, i) }
	mk := func(state string) map[string]any {
		return map[string]any{"id": id, "infoUri": base + "/ui/query.html?" + id, "stats": map[string]any{"state": state}}
	}
	// Page 0 answers the POST: queued, nothing known yet.
	pages := []map[string]any{mk("QUEUED")}
	switch {
	case res.err != nil:
		p := mk("FAILED")
		p["error"] = res.err
		pages = append(pages, p)
	default:
		// A running page before the columns are known.
		pages = append(pages, mk("RUNNING"))
		chunk := pageSize
		if chunk <= 0 {
			chunk = max(len(res.rows), 1)
		}
		for start := 0; start < len(res.rows); start += chunk {
			if emptyPages {
				p := mk("RUNNING")
				p["columns"] = res.columns
				pages = append(pages, p)
			}
			p := mk("RUNNING")
			p["columns"] = res.columns
			p["data"] = res.rows[start:min(start+chunk, len(res.rows))]
			pages = append(pages, p)
		}
		last := mk("FINISHED")
		last["columns"] = res.columns
		pages = append(pages, last)
	}
	for i := range len(pages) - 1 {
		pages[i]["nextUri"] = next(i + 1)
	}
	f.mu.Lock()
	q.pages = pages
	f.mu.Unlock()
	writeJSON(w, pages[0])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

const (
	identRE = `"((?:[^"]|"")*)"`
	litRE   = `'((?:[^']|'')*)'`
)

var (
	reCatalogs     = regexp.MustCompile(`^SELECT catalog_name FROM system\.metadata\.catalogs ORDER BY catalog_name$`)
	reCheck        = regexp.MustCompile(`^SELECT catalog_name FROM system\.metadata\.catalogs LIMIT 1$`)
	reVersion      = regexp.MustCompile(`^SELECT node_version FROM system\.runtime\.nodes WHERE coordinator$`)
	reSchemas      = regexp.MustCompile(`^SELECT schema_name FROM ` + identRE + `\.information_schema\.schemata WHERE schema_name <> 'information_schema' ORDER BY schema_name$`)
	reSchemaExists = regexp.MustCompile(`^SELECT schema_name FROM ` + identRE + `\.information_schema\.schemata WHERE schema_name = ` + litRE + `$`)
	reTables       = regexp.MustCompile(`^SELECT table_name, table_type FROM ` + identRE + `\.information_schema\.tables WHERE table_schema = ` + litRE + `$`)
	reColumns      = regexp.MustCompile(`^SELECT table_name, column_name, ordinal_position, data_type, is_nullable, comment FROM ` + identRE +
		`\.information_schema\.columns WHERE table_schema = ` + litRE + ` ORDER BY table_name, ordinal_position$`)
	reMVs      = regexp.MustCompile(`^SELECT name FROM system\.metadata\.materialized_views WHERE catalog_name = ` + litRE + ` AND schema_name = ` + litRE + `$`)
	reComments = regexp.MustCompile(`^SELECT table_name, comment FROM system\.metadata\.table_comments WHERE catalog_name = ` + litRE + ` AND schema_name = ` + litRE + `$`)
)

func unident(s string) string { return strings.ReplaceAll(s, `""`, `"`) }
func unlit(s string) string   { return strings.ReplaceAll(s, `''`, `'`) }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// answer evaluates sql over the fixture as Trino would.
func (f *fakeTrino) answer(sql string) result {
	f.mu.Lock()
	defer f.mu.Unlock()
	catalogOf := func(name string) (*fxCatalog, *result) {
		if e, ok := f.failCatalog[name]; ok {
			return nil, &result{err: &e}
		}
		for i := range f.catalogs {
			if f.catalogs[i].name == name {
				return &f.catalogs[i], nil
			}
		}
		return nil, nil
	}
	notFound := func(name string) result {
		return result{err: &trinoError{Message: fmt.Sprintf("line 1:27: Catalog '%s' not found", name), ErrorCode: 44, ErrorName: "CATALOG_NOT_FOUND", ErrorType: "USER_ERROR"}}
	}
	schemaOf := func(c *fxCatalog, name string) *fxSchema {
		for i := range c.schemas {
			if c.schemas[i].name == name {
				return &c.schemas[i]
			}
		}
		return nil
	}
	// eachTable calls fn for the tables of catalog.schema; a missing
	// catalog in an information_schema query fails, in system.metadata
	// it gives no rows.
	eachTable := func(catalog, schema string, strict bool, fn func(fxTable)) *result {
		c, failed := catalogOf(catalog)
		if failed != nil {
			return failed
		}
		if c == nil {
			if strict {
				r := notFound(catalog)
				return &r
			}
			return nil
		}
		if s := schemaOf(c, schema); s != nil {
			for _, t := range s.tables {
				fn(t)
			}
		}
		return nil
	}

	switch {
	case reCatalogs.MatchString(sql), reCheck.MatchString(sql):
		res := result{columns: []wireColumn{varcharCol("catalog_name")}}
		names := []string{}
		for _, c := range f.catalogs {
			names = append(names, c.name)
		}
		for c := range f.failCatalog {
			if !slices.Contains(names, c) {
				names = append(names, c)
			}
		}
		slices.Sort(names)
		if reCheck.MatchString(sql) && len(names) > 1 {
			names = names[:1]
		}
		for _, n := range names {
			res.rows = append(res.rows, []any{n})
		}
		return res
	case reVersion.MatchString(sql):
		return result{columns: []wireColumn{varcharCol("node_version")}, rows: [][]any{{"476"}}}
	case reSchemas.MatchString(sql):
		name := unident(reSchemas.FindStringSubmatch(sql)[1])
		c, failed := catalogOf(name)
		if failed != nil {
			return *failed
		}
		if c == nil {
			return notFound(name)
		}
		res := result{columns: []wireColumn{varcharCol("schema_name")}}
		for _, s := range c.schemas {
			if s.name != "information_schema" { // WHERE schema_name <> 'information_schema'
				res.rows = append(res.rows, []any{s.name})
			}
		}
		return res
	case reSchemaExists.MatchString(sql):
		m := reSchemaExists.FindStringSubmatch(sql)
		catalog, schema := unident(m[1]), unlit(m[2])
		c, failed := catalogOf(catalog)
		if failed != nil {
			return *failed
		}
		if c == nil {
			return notFound(catalog)
		}
		res := result{columns: []wireColumn{varcharCol("schema_name")}}
		if schema == "information_schema" || schemaOf(c, schema) != nil {
			res.rows = append(res.rows, []any{schema})
		}
		return res
	case reTables.MatchString(sql):
		m := reTables.FindStringSubmatch(sql)
		res := result{columns: []wireColumn{varcharCol("table_name"), varcharCol("table_type")}}
		if failed := eachTable(unident(m[1]), unlit(m[2]), true, func(t fxTable) {
			typ := t.typ
			if typ == "MATERIALIZED VIEW" {
				typ = "BASE TABLE" // information_schema knows no other types
			}
			res.rows = append(res.rows, []any{t.name, typ})
		}); failed != nil {
			return *failed
		}
		// Trino lists tables in no particular order.
		slices.Reverse(res.rows)
		return res
	case reColumns.MatchString(sql):
		m := reColumns.FindStringSubmatch(sql)
		res := result{columns: []wireColumn{varcharCol("table_name"), varcharCol("column_name"), bigintCol("ordinal_position"),
			varcharCol("data_type"), varcharCol("is_nullable"), varcharCol("comment")}}
		var tables []fxTable
		if failed := eachTable(unident(m[1]), unlit(m[2]), true, func(t fxTable) { tables = append(tables, t) }); failed != nil {
			return *failed
		}
		slices.SortFunc(tables, func(a, b fxTable) int { return strings.Compare(a.name, b.name) })
		for _, t := range tables {
			for i, c := range t.columns {
				yes := "NO"
				if c.nullable {
					yes = "YES"
				}
				res.rows = append(res.rows, []any{t.name, c.name, i + 1, c.typ, yes, nullable(c.comment)})
			}
		}
		return res
	case reMVs.MatchString(sql):
		m := reMVs.FindStringSubmatch(sql)
		res := result{columns: []wireColumn{varcharCol("name")}}
		if failed := eachTable(unlit(m[1]), unlit(m[2]), false, func(t fxTable) {
			if t.typ == "MATERIALIZED VIEW" {
				res.rows = append(res.rows, []any{t.name})
			}
		}); failed != nil {
			return *failed
		}
		return res
	case reComments.MatchString(sql):
		m := reComments.FindStringSubmatch(sql)
		res := result{columns: []wireColumn{varcharCol("table_name"), varcharCol("comment")}}
		if failed := eachTable(unlit(m[1]), unlit(m[2]), false, func(t fxTable) {
			res.rows = append(res.rows, []any{t.name, nullable(t.comment)})
		}); failed != nil {
			return *failed
		}
		return res
	}
	f.t.Errorf("fake trino: unexpected SQL %q", sql)
	return result{err: &trinoError{Message: "line 1:1: mismatched input", ErrorCode: 1, ErrorName: "SYNTAX_ERROR", ErrorType: "USER_ERROR"}}
}
