package databricks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

const testPAT = "dapi0123456789abcdef-SECRET"

func patFake(t *testing.T) *fakeUC {
	f := newFakeUC(t, loadFixture(t))
	f.pat = testPAT
	return f
}

func TestHost(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	h, err := c.Host(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (connectors.Host{Name: "prod-metastore", Type: "METASTORE"}); h != want {
		t.Fatalf("Host = %+v, want %+v", h, want)
	}
	// The OSS server gives only the ID.
	f.set(func(f *fakeUC) { f.data.MetastoreSummary = specMetastoreSummary{MetastoreID: "ms-1"} })
	if h, err := c.Host(t.Context()); err != nil || h.Name != "ms-1" {
		t.Fatalf("Host = %+v, %v; want the metastore ID as name", h, err)
	}
	for _, r := range f.recorded() {
		if r.Auth != "Bearer "+testPAT {
			t.Errorf("request %s sent Authorization %q", r.Path, r.Auth)
		}
	}
}

func TestCheck(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	if err := c.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	bad, _, _ := testConnector(t, f, &Options{Auth: PAT("wrong")})
	err := bad.Check(t.Context())
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("Check with a wrong token: %v, want ErrPermissionDenied", err)
	}
}

func TestDatabasesSkipsSystemAndInternal(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	dbs, err := c.Databases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Database{
		{Name: "main", Type: "MANAGED_CATALOG"},
		{Name: "sales", Type: "MANAGED_CATALOG", Comment: "Sales data"},
		{Name: "Ünï \"Cat\".Mixed Case", Type: "MANAGED_CATALOG", Comment: "hostile names"},
	}
	if !reflect.DeepEqual(dbs, want) {
		t.Fatalf("Databases = %+v\nwant %+v", dbs, want)
	}

	all, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), IncludeSystem: true})
	dbs, err = all.Databases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dbs {
		names = append(names, d.Name)
	}
	if want := []string{"main", "sales", "system", "Ünï \"Cat\".Mixed Case"}; !slices.Equal(names, want) {
		t.Fatalf("with IncludeSystem: %q, want %q", names, want)
	}
}

func TestSchemas(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	got, err := c.Schemas(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Schema{{Name: "analytics"}, {Name: "default", Comment: "Default schema"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Schemas = %+v, want %+v", got, want)
	}
	all, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), IncludeSystem: true})
	got, err = all.Schemas(t.Context(), "main")
	if err != nil || len(got) != 3 || got[2].Name != "information_schema" {
		t.Fatalf("with IncludeSystem: %+v, %v", got, err)
	}
	_, err = c.Schemas(t.Context(), "nope")
	if !errors.Is(err, connections.ErrNotFound) || !strings.Contains(err.Error(), "list schemas nope") {
		t.Fatalf("unknown catalog: %v, want ErrNotFound naming the step and catalog", err)
	}
	if _, err := c.Schemas(t.Context(), ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("empty catalog: %v", err)
	}
}

func TestTablesMapping(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	got, err := c.Tables(t.Context(), "main", "default")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, tb := range got {
		types[tb.Name] = tb.Type
	}
	wantTypes := map[string]string{
		"orders":         hierarchy.TypeTable,
		"customers":      hierarchy.TypeExternal,
		"orders_v":       hierarchy.TypeView,
		"daily_totals":   hierarchy.TypeMaterializedView,
		"events":         hierarchy.TypeStreaming,
		"revenue_metric": "METRIC_VIEW",
		"sf_accounts":    hierarchy.TypeForeign,
		"orders_clone":   hierarchy.TypeTable,
		"ext_clone":      hierarchy.TypeExternal,
		"ice":            hierarchy.TypeIceberg,
	}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Fatalf("types = %v\nwant %v", types, wantTypes)
	}
	if !slices.IsSortedFunc(got, func(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("tables not in name order")
	}
	i := slices.IndexFunc(got, func(tb connectors.Table) bool { return tb.Name == "orders" })
	orders := got[i]
	if orders.Comment != "All orders" {
		t.Errorf("comment %q", orders.Comment)
	}
	wantCols := []hierarchy.Column{
		{Name: "id", Type: "bigint", Position: 1, Nullable: false, Comment: "Order ID"},
		{Name: "email", Type: "string", Position: 2, Nullable: true},
		{Name: "amount", Type: "decimal(10,2)", Position: 3, Nullable: true},
		{Name: "placed_at", Type: "timestamp", Position: 4, Nullable: true},
	}
	if !reflect.DeepEqual(orders.Columns, wantCols) {
		t.Fatalf("columns = %+v\nwant %+v", orders.Columns, wantCols)
	}
	if i := slices.IndexFunc(got, func(tb connectors.Table) bool { return tb.Name == "revenue_metric" }); got[i].Columns == nil || len(got[i].Columns) != 0 {
		t.Errorf("a table without columns should have an empty, non-nil column list: %#v", got[i].Columns)
	}
	if _, err := c.Tables(t.Context(), "main", "nope"); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("unknown schema: %v", err)
	}
}

func TestTableTypeUnknownKept(t *testing.T) {
	for in, want := range map[string]string{
		"":                 hierarchy.TypeTable,
		"SOME_FUTURE_TYPE": "SOME_FUTURE_TYPE",
		"METRIC_VIEW":      "METRIC_VIEW",
	} {
		if got := tableType(tableInfo{TableType: in}); got != want {
			t.Errorf("tableType(%q) = %q, want %q", in, got, want)
		}
	}
	// type_name stands in for a missing type_text.
	tb := toTable(tableInfo{Name: "x", Columns: []columnInfo{{Name: "a", TypeName: "INT"}}})
	if tb.Columns[0].Type != "INT" {
		t.Errorf("type %q", tb.Columns[0].Type)
	}
}

func TestPaging(t *testing.T) {
	f := patFake(t)
	f.set(func(f *fakeUC) { f.pageSize = 2; f.empty = true })
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	dbs, err := c.Databases(t.Context())
	if err != nil || len(dbs) != 3 {
		t.Fatalf("Databases = %v, %v", dbs, err)
	}
	tables, err := c.Tables(t.Context(), "main", "default")
	if err != nil || len(tables) != 10 {
		t.Fatalf("Tables = %d tables, %v; want 10", len(tables), err)
	}
	// 10 tables in pages of 2, each after an empty page: 5 full pages,
	// 5 empty ones before them and one empty last page.
	if n := f.count("/tables"); n != 11 {
		t.Errorf("%d table requests, want 11", n)
	}
	var tokens []string
	for _, r := range f.recorded() {
		if r.Path != "/tables" {
			continue
		}
		if r.Query.Get("max_results") != "0" {
			t.Errorf("max_results = %q, want 0", r.Query.Get("max_results"))
		}
		tokens = append(tokens, r.Query.Get("page_token"))
	}
	if want := []string{"", "o0", "e2", "o2", "e4", "o4", "e6", "o6", "e8", "o8", "e10"}; !slices.Equal(tokens, want) {
		t.Errorf("page tokens %q, want %q", tokens, want)
	}
}

func TestMaxResultsCappedPerEndpoint(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), MaxResults: 500})
	if _, err := c.Databases(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tables(t.Context(), "main", "default"); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.recorded() {
		want := map[string]string{"/catalogs": "500", "/tables": "50"}[r.Path]
		if got := r.Query.Get("max_results"); got != want {
			t.Errorf("%s max_results = %q, want %q", r.Path, got, want)
		}
	}
}

func TestRepeatedPageTokenStops(t *testing.T) {
	f := patFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		writeJSON(w, http.StatusOK, specListCatalogsResponse{Catalogs: []specCatalogInfo{}, NextPageToken: "same"})
		return true
	}
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	if _, err := c.Databases(t.Context()); err == nil || !strings.Contains(err.Error(), "repeated a page token") {
		t.Fatalf("err = %v", err)
	}
}

// TestRequestsGrowWithSchemasNotTables: a crawl makes one table listing
// per schema whatever the number of tables.
func TestRequestsGrowWithSchemasNotTables(t *testing.T) {
	crawl := func(schemas, tables int) int {
		var data specFixture
		data.Catalogs = []specCatalogInfo{{Name: "c"}}
		for s := range schemas {
			sn := fmt.Sprintf("s%d", s)
			data.Schemas = append(data.Schemas, specSchemaInfo{Name: sn, CatalogName: "c", FullName: "c." + sn})
			for i := range tables {
				data.Tables = append(data.Tables, specTableInfo{Name: fmt.Sprintf("t%d", i), CatalogName: "c", SchemaName: sn, TableType: "MANAGED",
					Columns: []specColumnInfo{{Name: "a", TypeText: "int"}, {Name: "b", TypeText: "int", Position: 1}}})
			}
		}
		f := newFakeUC(t, data)
		c, _, _ := testConnector(t, f, nil)
		dbs, err := c.Databases(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range dbs {
			ss, err := c.Schemas(t.Context(), d.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				ts, err := c.Tables(t.Context(), d.Name, s.Name)
				if err != nil || len(ts) != tables {
					t.Fatalf("Tables: %d, %v", len(ts), err)
				}
				n += len(ts)
			}
		}
		if n != schemas*tables {
			t.Fatalf("crawled %d tables, want %d", n, schemas*tables)
		}
		return len(f.recorded())
	}
	few, many := crawl(3, 1), crawl(3, 40)
	if few != many {
		t.Errorf("3 schemas: %d requests with 1 table each, %d with 40", few, many)
	}
	if double := crawl(6, 40); double-many != 3 {
		t.Errorf("6 schemas: %d requests, 3 schemas: %d; want 3 more", double, many)
	}
}

func TestRetryAfter(t *testing.T) {
	f := patFake(t)
	var mu sync.Mutex
	fails := map[string]int{}
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		key := r.URL.Query().Get("schema_name")
		switch {
		case key == "default" && fails[key] == 0:
			fails[key]++
			w.Header().Set("Retry-After", "1")
			apiErr(w, http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "Too many requests")
			return true
		case key == "analytics" && fails[key] < 3:
			fails[key]++
			status := []int{http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusBadGateway}[fails[key]-1]
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Retry-After", time.Date(2026, 1, 2, 3, 4, 8, 0, time.UTC).Format(http.TimeFormat))
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html><body>upstream unavailable</body></html>"))
			return true
		}
		return false
	}
	c, _, s := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	tables, err := c.Tables(t.Context(), "main", "default")
	if err != nil || len(tables) != 10 {
		t.Fatalf("Tables after a 429: %d, %v", len(tables), err)
	}
	if w := s.all(); len(w) != 1 || w[0] != time.Second {
		t.Fatalf("waits %v, want [1s] from Retry-After: 1", w)
	}
	if n := f.count("/tables"); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	// 503, 504, 502 with Retry-After as an HTTP date 3 s after the clock.
	if _, err := c.Tables(t.Context(), "main", "analytics"); err != nil {
		t.Fatal(err)
	}
	if w := s.all()[1:]; len(w) != 3 || w[0] != 3*time.Second || w[2] != 3*time.Second {
		t.Fatalf("waits %v, want 3 × 3s from the Retry-After date", w)
	}
}

func TestRetryGivesUp(t *testing.T) {
	f := patFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		apiErr(w, http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "slow down")
		return true
	}
	c, _, s := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	_, err := c.Databases(t.Context())
	if err == nil || !strings.Contains(err.Error(), "HTTP 429 REQUEST_LIMIT_EXCEEDED: slow down") {
		t.Fatalf("err = %v", err)
	}
	if len(f.recorded()) != 5 || len(s.all()) != 4 {
		t.Fatalf("%d requests, %d waits; want 5 and 4", len(f.recorded()), len(s.all()))
	}
	// A Retry-After beyond a minute fails at once.
	f.set(func(f *fakeUC) {
		f.requests = nil
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Retry-After", "3600")
			apiErr(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "maintenance")
			return true
		}
	})
	if _, err := c.Databases(t.Context()); err == nil || len(f.recorded()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(f.recorded()))
	}
}

func TestPermissionDeniedOnOneSchema(t *testing.T) {
	f := patFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == apiPrefix+"/tables" && r.URL.Query().Get("schema_name") == "us" {
			apiErr(w, http.StatusForbidden, "PERMISSION_DENIED", "User does not have USE SCHEMA on Schema 'sales.us'.")
			return true
		}
		return false
	}
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	schemas, err := c.Schemas(t.Context(), "sales")
	if err != nil {
		t.Fatal(err)
	}
	var denied []string
	for _, s := range schemas {
		_, err := c.Tables(t.Context(), "sales", s.Name)
		switch {
		case err == nil:
		case errors.Is(err, connections.ErrPermissionDenied):
			denied = append(denied, s.Name)
			want := "databricks: list tables sales.us: HTTP 403 PERMISSION_DENIED: User does not have USE SCHEMA on Schema 'sales.us'."
			if err.Error() != want {
				t.Errorf("error %q\nwant  %q", err, want)
			}
			var ae *APIError
			var ce *connections.Error
			if !errors.As(err, &ae) || ae.ErrorCode != "PERMISSION_DENIED" || !errors.As(err, &ce) || ce.Path != "sales.us" {
				t.Errorf("error types: %#v", err)
			}
		default:
			t.Errorf("schema %s: %v", s.Name, err)
		}
	}
	if !slices.Equal(denied, []string{"us"}) {
		t.Fatalf("denied %v, want [us]", denied)
	}
	if errors.Is(err, connections.ErrNotFound) {
		t.Error("permission denied also matches ErrNotFound")
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   error
	}{
		{404, "RESOURCE_DOES_NOT_EXIST", connections.ErrNotFound},
		{404, "", connections.ErrNotFound},
		{400, "TABLE_DOES_NOT_EXIST", connections.ErrNotFound},
		{403, "PERMISSION_DENIED", connections.ErrPermissionDenied},
		{401, "UNAUTHENTICATED", connections.ErrPermissionDenied},
		{401, "", connections.ErrPermissionDenied},
		{400, "INVALID_PARAMETER_VALUE", connections.ErrInvalidInput},
	} {
		e := &APIError{StatusCode: tc.status, ErrorCode: tc.code}
		for _, s := range []error{connections.ErrNotFound, connections.ErrPermissionDenied, connections.ErrInvalidInput} {
			if got := errors.Is(e, s); got != (s == tc.want) {
				t.Errorf("%d %s: errors.Is(%v) = %v", tc.status, tc.code, s, got)
			}
		}
	}
}

// TestGarbage: answers that are not what the API sends give clear
// errors, never a panic.
func TestGarbage(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"html 200", "text/html", "<html>login</html>", 200, "decode response (HTTP 200, text/html): invalid JSON at offset 1"},
		{"truncated", "application/json", `{"catalogs":[{"name":"a"`, 200, "truncated JSON"},
		{"wrong type", "application/json", `{"catalogs":"nope"}`, 200, "unexpected JSON string for field \"catalogs\""},
		{"wrong item", "application/json", `{"catalogs":[{"name":42}]}`, 200, "unexpected JSON number"},
		{"empty 200", "", "", 200, "truncated JSON"},
		{"html 500", "text/html; charset=utf-8", "<html>oops " + testPAT + "</html>", 500, "HTTP 500: Internal Server Error (the body, text/html, is not the API's error JSON)"},
		{"garbage 403", "application/json", `{"error_code":`, 403, "HTTP 403: Forbidden (the body, application/json, is not the API's error JSON)"},
		{"json array 404", "application/json", `[1,2]`, 404, "HTTP 404: Not Found"},
		{"binary", "application/octet-stream", "\x00\xff\xfe", 200, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := patFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
				return true
			}
			c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
			_, err := c.Databases(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "databricks: list catalogs: ") {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testPAT) || strings.Contains(err.Error(), "<html>") {
				t.Fatalf("error quotes the body: %v", err)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	t.Run("in flight", func(t *testing.T) {
		f := patFake(t)
		arrived := make(chan struct{}, 1)
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			arrived <- struct{}{}
			<-r.Context().Done()
			return true
		}
		c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-arrived; cancel() }()
		_, err := c.Tables(ctx, "main", "default")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("before", func(t *testing.T) {
		f := patFake(t)
		c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := c.Databases(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if len(f.recorded()) != 0 {
			t.Fatal("a request was sent with a cancelled context")
		}
	})
	t.Run("waiting for a slot", func(t *testing.T) {
		f := patFake(t)
		c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), Concurrency: 1})
		c.slots <- struct{}{} // the only slot is taken
		ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		defer cancel()
		if _, err := c.Databases(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		<-c.slots
	})
	t.Run("during backoff", func(t *testing.T) {
		f := patFake(t)
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			apiErr(w, http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "later")
			return true
		}
		c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
		ctx, cancel := context.WithCancel(t.Context())
		c.retry.Sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
		if _, err := c.Databases(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConcurrencyBounded(t *testing.T) {
	f := patFake(t)
	gate := make(chan struct{})
	arrived := make(chan struct{}, 16)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		arrived <- struct{}{}
		<-gate
		return false
	}
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), Concurrency: 2})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.Tables(t.Context(), "main", "default"); err != nil {
				t.Error(err)
			}
		})
	}
	<-arrived
	<-arrived
	if len(c.slots) != 2 {
		t.Errorf("%d slots taken with 2 requests in flight", len(c.slots))
	}
	close(gate)
	wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.peak > 2 {
		t.Fatalf("%d requests in flight at once, limit 2", f.peak)
	}
}

func TestHostileNames(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), Tags: TagsColumns})
	const cat, sch, tbl = "Ünï \"Cat\".Mixed Case", "sch 'quoted'/slash ü%2F", "Tàble.Name \"x\" ?#&=% /"
	schemas, err := c.Schemas(t.Context(), cat)
	if err != nil || len(schemas) != 1 || schemas[0].Name != sch {
		t.Fatalf("Schemas = %+v, %v", schemas, err)
	}
	tables, err := c.Tables(t.Context(), cat, sch)
	if err != nil || len(tables) != 1 || tables[0].Name != tbl {
		t.Fatalf("Tables = %+v, %v", tables, err)
	}
	if cols := tables[0].Columns; len(cols) != 2 || cols[0].Name != "col.with dots ü" || cols[1].Name != "MixedCase" {
		t.Fatalf("columns %+v", cols)
	}
	tags, err := c.Tags(t.Context(), cat, sch)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.TagAssignment{
		{Table: tbl, Name: "Hostile Tag", Value: "ü"},
		{Table: tbl, Column: "col.with dots ü", Name: "pii", Value: "yes"},
	}
	if !reflect.DeepEqual(tags, want) {
		t.Fatalf("Tags = %+v\nwant %+v", tags, want)
	}
	// On the wire: the query is form-encoded; path segments escape "/",
	// "%", "?" and "#", so the full name stays one segment.
	for _, r := range f.recorded() {
		if strings.HasPrefix(r.Path, "/entity-tag-assignments/tables/") {
			wantRaw := apiPrefix + "/entity-tag-assignments/tables/%C3%9Cn%C3%AF%20%22Cat%22.Mixed%20Case.sch%20%27quoted%27%2Fslash%20%C3%BC%252F.T%C3%A0ble.Name%20%22x%22%20%3F%23&=%25%20%2F/tags"
			if r.RawPath != wantRaw {
				t.Errorf("raw path %s\nwant     %s", r.RawPath, wantRaw)
			}
		}
		if r.Path == "/tables" && (r.Query.Get("catalog_name") != cat || r.Query.Get("schema_name") != sch) {
			t.Errorf("tables query %v", r.Query)
		}
	}
}

func TestTags(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), Tags: TagsTables})
	got, err := c.Tags(t.Context(), "main", "default")
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.TagAssignment{
		{Table: "orders", Name: "certified"},
		{Table: "orders", Name: "domain", Value: "finance"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tags(tables) = %+v", got)
	}
	if n := f.count("/entity-tag-assignments/"); n != 10 {
		t.Errorf("%d tag requests for 10 tables, want 10", n)
	}

	cols, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT), Tags: TagsColumns})
	f.set(func(f *fakeUC) {
		f.requests = nil
		f.pageSize = 1 // page the tag listings too
		f.empty = true
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.EscapedPath(), "main.default.events") {
				apiErr(w, http.StatusForbidden, "PERMISSION_DENIED", "no access")
				return true
			}
			return false
		}
	})
	got, err = cols.Tags(t.Context(), "main", "default")
	if err != nil {
		t.Fatal(err)
	}
	want = []connectors.TagAssignment{
		{Table: "customers", Column: "Name", Name: "pii", Value: "name"},
		{Table: "orders", Name: "certified"},
		{Table: "orders", Name: "domain", Value: "finance"},
		{Table: "orders", Column: "email", Name: "class.email_address", Value: "true"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tags(columns) = %+v\nwant %+v", got, want)
	}

	// 401 is not "cannot see this entity": it fails the call.
	f.set(func(f *fakeUC) {
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, apiPrefix+"/entity-tag-assignments/") {
				apiErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", "expired")
				return true
			}
			return false
		}
	})
	if _, err := cols.Tags(t.Context(), "main", "default"); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("401 on tags: %v", err)
	}

	off, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	if _, err := off.Tags(t.Context(), "main", "default"); !errors.Is(err, connections.ErrUnsupported) {
		t.Fatalf("tags off: %v", err)
	}
}

func TestClose(t *testing.T) {
	f := patFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: PAT(testPAT)})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Databases(t.Context()); err == nil {
		t.Fatal("Databases after Close succeeded")
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts *Options
	}{
		{"", nil},
		{"ftp://x", nil},
		{"https://", nil},
		{"https://x?q=1", nil},
		{"https://user:pw@x", nil},
		{"https://x", &Options{Auth: PAT("")}},
		{"https://x", &Options{Auth: OAuthM2M("id", "")}},
		{"https://x", &Options{MaxResults: -1}},
		{"https://x", &Options{Concurrency: 1000}},
		{"https://x", &Options{Tags: 9}},
	} {
		if _, err := New(tc.url, nil, tc.opts); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("New(%q, %+v) = %v, want ErrInvalidInput", tc.url, tc.opts, err)
		}
	}
	c, err := New("https://adb-1.2.azuredatabricks.net/", nil, nil)
	if err != nil || c.base != "https://adb-1.2.azuredatabricks.net" || c.tokenURL != c.base+"/oidc/v1/token" {
		t.Fatalf("New: %v %+v", err, c)
	}
}
