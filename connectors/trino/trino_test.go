package trino_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/trino"
	"github.com/govkit/connections/hierarchy"
)

func salesFixture() []fxCatalog {
	return []fxCatalog{
		{name: "hive", schemas: []fxSchema{
			{name: "information_schema", tables: []fxTable{{name: "tables", typ: "BASE TABLE", columns: []fxColumn{{name: "table_name", typ: "varchar", nullable: true}}}}},
			{name: "sales", tables: []fxTable{
				{name: "orders", typ: "BASE TABLE", comment: "one row per order", columns: []fxColumn{
					{name: "id", typ: "bigint"},
					{name: "customer", typ: "varchar(100)", nullable: true, comment: "who ordered"},
					{name: "amount", typ: "decimal(10,2)", nullable: true},
				}},
				{name: "daily_totals", typ: "MATERIALIZED VIEW", comment: "refreshed nightly", columns: []fxColumn{
					{name: "day", typ: "date", nullable: true},
					{name: "total", typ: "decimal(38,2)", nullable: true},
				}},
				{name: "big_orders", typ: "VIEW", columns: []fxColumn{
					{name: "id", typ: "bigint", nullable: true},
				}},
			}},
			{name: "empty"},
		}},
		{name: "iceberg", schemas: []fxSchema{
			{name: "information_schema"},
			{name: "lake", tables: []fxTable{{name: "events", typ: "BASE TABLE", columns: []fxColumn{{name: "ts", typ: "timestamp(6) with time zone", nullable: true}}}}},
		}},
	}
}

// open returns a connector on f made by Open, as a registry would.
func open(t testing.TB, f *fakeTrino, cfg connectors.Config, opts *trino.Options) *trino.Connector {
	t.Helper()
	full := connectors.Config{trino.ConfigServer: f.srv.URL, trino.ConfigUser: f.user}
	for k, v := range cfg {
		full[k] = v
	}
	var o trino.Options
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil && full[trino.ConfigSSLCert] == "" {
		o.HTTPClient = f.srv.Client()
	}
	c, err := trino.Open(context.Background(), full, nil, &o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestTechnology(t *testing.T) {
	tech := trino.Technology()
	if tech.Name != "trino" || tech.DisplayName != "Trino" || tech.Levels != [4]string{"Cluster", "Catalog", "Schema", "Table"} ||
		!tech.Impersonation || tech.ProjectWorkspaces || tech.Validate == nil || tech.Open == nil {
		t.Fatalf("technology: %+v", tech)
	}
	reg, err := connectors.NewRegistry(tech)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Lookup("trino"); err != nil {
		t.Fatal(err)
	}
	if conn, err := tech.Open(context.Background(), connectors.Config{"server": "ftp://x"}, nil); conn != nil || !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("Open with a bad config = %#v, %v; want a nil Connector", conn, err)
	}
	f := newFake(t, salesFixture()...)
	f.source = trino.DefaultSource
	conn, err := tech.Open(context.Background(), connectors.Config{"server": f.srv.URL, "user": "crawler"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestEveryLevel(t *testing.T) {
	f := newFake(t, salesFixture()...)
	f.source = "govcrawler"
	c := open(t, f, connectors.Config{trino.ConfigSource: "govcrawler"}, nil)
	ctx := context.Background()

	h, err := c.Host(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (connectors.Host{Name: "test-env", Type: "CLUSTER", Version: "476"}); h != want {
		t.Errorf("Host = %+v, want %+v", h, want)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}

	dbs, err := c.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []connectors.Database{{Name: "hive", Type: "CATALOG"}, {Name: "iceberg", Type: "CATALOG"}}; !reflect.DeepEqual(dbs, want) {
		t.Errorf("Databases = %+v, want %+v", dbs, want)
	}

	schemas, err := c.Schemas(ctx, "hive")
	if err != nil {
		t.Fatal(err)
	}
	if want := []connectors.Schema{{Name: "empty"}, {Name: "sales"}}; !reflect.DeepEqual(schemas, want) {
		t.Errorf("Schemas = %+v, want %+v", schemas, want)
	}

	tables, err := c.Tables(ctx, "hive", "sales")
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Table{
		{Name: "big_orders", Type: hierarchy.TypeView, Columns: []hierarchy.Column{{Name: "id", Type: "bigint", Position: 1, Nullable: true}}},
		{Name: "daily_totals", Type: hierarchy.TypeMaterializedView, Comment: "refreshed nightly", Columns: []hierarchy.Column{
			{Name: "day", Type: "date", Position: 1, Nullable: true},
			{Name: "total", Type: "decimal(38,2)", Position: 2, Nullable: true},
		}},
		{Name: "orders", Type: hierarchy.TypeTable, Comment: "one row per order", Columns: []hierarchy.Column{
			{Name: "id", Type: "bigint", Position: 1},
			{Name: "customer", Type: "varchar(100)", Position: 2, Nullable: true, Comment: "who ordered"},
			{Name: "amount", Type: "decimal(10,2)", Position: 3, Nullable: true},
		}},
	}
	if !reflect.DeepEqual(tables, want) {
		t.Errorf("Tables =\n%+v\nwant\n%+v", tables, want)
	}

	empty, err := c.Tables(ctx, "hive", "empty")
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("Tables(empty schema) = %v, %v; want an empty list", empty, err)
	}

	lake, err := c.Tables(ctx, "iceberg", "lake")
	if err != nil || len(lake) != 1 || lake[0].Columns[0].Type != "timestamp(6) with time zone" {
		t.Errorf("Tables(iceberg.lake) = %+v, %v", lake, err)
	}
}

func TestSQLIsFilteredBySchema(t *testing.T) {
	f := newFake(t, salesFixture()...)
	c := open(t, f, nil, nil)
	if _, err := c.Tables(context.Background(), "hive", "sales"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`SELECT table_name, table_type FROM "hive".information_schema.tables WHERE table_schema = 'sales'`,
		`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, comment FROM "hive".information_schema.columns WHERE table_schema = 'sales' ORDER BY table_name, ordinal_position`,
		`SELECT name FROM system.metadata.materialized_views WHERE catalog_name = 'hive' AND schema_name = 'sales'`,
		`SELECT table_name, comment FROM system.metadata.table_comments WHERE catalog_name = 'hive' AND schema_name = 'sales'`,
	}
	if got := f.Statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("statements =\n%q\nwant\n%q", got, want)
	}
}

func TestMultiPageResults(t *testing.T) {
	var tables []fxTable
	for i := range 23 {
		tables = append(tables, fxTable{name: "t" + string(rune('a'+i)), typ: "BASE TABLE", columns: []fxColumn{
			{name: "c1", typ: "integer"}, {name: "c2", typ: "varchar", nullable: true},
		}})
	}
	var schemas []fxSchema
	for i := range 7 {
		schemas = append(schemas, fxSchema{name: "s" + string(rune('0'+i))})
	}
	schemas[0].tables = tables
	f := newFake(t, fxCatalog{name: "hive", schemas: schemas})
	f.paging(2, true) // two rows a page, an empty page before each
	c := open(t, f, nil, nil)
	ctx := context.Background()

	got, err := c.Schemas(ctx, "hive")
	if err != nil || len(got) != 7 {
		t.Fatalf("Schemas over pages = %v, %v", got, err)
	}
	ts, err := c.Tables(ctx, "hive", "s0")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 23 {
		t.Fatalf("got %d tables over pages, want 23", len(ts))
	}
	for _, tb := range ts {
		if len(tb.Columns) != 2 || tb.Columns[0].Name != "c1" || tb.Columns[1].Position != 2 {
			t.Fatalf("table %s columns %+v", tb.Name, tb.Columns)
		}
	}
}

func TestHostileNamesAreQuoted(t *testing.T) {
	const (
		catalog = `we"ird.Cat`
		schema  = `O'Brien."ünï".Sch`
		table   = `Mixed"Case.Tbl 表`
		column  = `cöl'"x.y`
	)
	f := newFake(t, fxCatalog{name: catalog, schemas: []fxSchema{{name: schema, tables: []fxTable{
		{name: table, typ: "BASE TABLE", comment: `it's "odd"`, columns: []fxColumn{{name: column, typ: "varchar", nullable: true, comment: `a 'b' "c"`}}},
		{name: "plain", typ: "MATERIALIZED VIEW"},
	}}}})
	c := open(t, f, nil, nil)
	ctx := context.Background()

	dbs, err := c.Databases(ctx)
	if err != nil || len(dbs) != 1 || dbs[0].Name != catalog {
		t.Fatalf("Databases = %+v, %v", dbs, err)
	}
	schemas, err := c.Schemas(ctx, catalog)
	if err != nil || len(schemas) != 1 || schemas[0].Name != schema {
		t.Fatalf("Schemas = %+v, %v", schemas, err)
	}
	tables, err := c.Tables(ctx, catalog, schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Table{
		{Name: table, Type: hierarchy.TypeTable, Comment: `it's "odd"`, Columns: []hierarchy.Column{{Name: column, Type: "varchar", Position: 1, Nullable: true, Comment: `a 'b' "c"`}}},
		{Name: "plain", Type: hierarchy.TypeMaterializedView, Columns: []hierarchy.Column{}},
	}
	if !reflect.DeepEqual(tables, want) {
		t.Errorf("Tables =\n%+v\nwant\n%+v", tables, want)
	}
	all := strings.Join(f.Statements(), "\n")
	for _, frag := range []string{
		`FROM "we""ird.Cat".information_schema.schemata WHERE schema_name <> 'information_schema'`,
		`FROM "we""ird.Cat".information_schema.tables WHERE table_schema = 'O''Brien."ünï".Sch'`,
		`FROM "we""ird.Cat".information_schema.columns WHERE table_schema = 'O''Brien."ünï".Sch' ORDER BY`,
		`materialized_views WHERE catalog_name = 'we"ird.Cat' AND schema_name = 'O''Brien."ünï".Sch'`,
	} {
		if !strings.Contains(all, frag) {
			t.Errorf("no statement contains %s\nstatements:\n%s", frag, all)
		}
	}
}

func TestBrokenCatalogFailsAlone(t *testing.T) {
	f := newFake(t, salesFixture()...)
	f.failCatalogWith("broken", trinoError{Message: "Catalog 'broken' failed to initialize", ErrorCode: 65536, ErrorName: "GENERIC_INTERNAL_ERROR", ErrorType: "INTERNAL_ERROR"})
	c := open(t, f, nil, &trino.Options{RetryAttempts: 1})
	ctx := context.Background()

	dbs, err := c.Databases(ctx)
	if err != nil || len(dbs) != 3 {
		t.Fatalf("Databases = %+v, %v; want the broken catalog listed too", dbs, err)
	}
	_, err = c.Schemas(ctx, "broken")
	var trinoErr *trinodrv.ErrTrino
	if err == nil || !errors.As(err, &trinoErr) || trinoErr.ErrorName != "GENERIC_INTERNAL_ERROR" {
		t.Fatalf("Schemas(broken) = %v; want the catalog's error", err)
	}
	var ce *connections.Error
	if !errors.As(err, &ce) || ce.Path != "broken" || !strings.Contains(err.Error(), "list schemas") {
		t.Errorf("error %q does not name the step and the catalog", err)
	}
	if _, err := c.Tables(ctx, "broken", "x"); err == nil {
		t.Fatal("Tables(broken) succeeded")
	}
	// The other catalogs are unaffected.
	if s, err := c.Schemas(ctx, "hive"); err != nil || len(s) != 2 {
		t.Fatalf("Schemas(hive) after broken = %v, %v", s, err)
	}
	if ts, err := c.Tables(ctx, "iceberg", "lake"); err != nil || len(ts) != 1 {
		t.Fatalf("Tables(iceberg.lake) after broken = %v, %v", ts, err)
	}
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, salesFixture()...)
	c := open(t, f, connectors.Config{trino.ConfigExcludeCatalogs: "iceberg"}, &trino.Options{RetryAttempts: 1})

	if _, err := c.Schemas(ctx, "nope"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("missing catalog: %v, want ErrNotFound", err)
	}
	if _, err := c.Tables(ctx, "hive", "nope"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("missing schema: %v, want ErrNotFound", err)
	}
	if _, err := c.Tables(ctx, "nope", "sales"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("missing catalog of schema: %v, want ErrNotFound", err)
	}
	if _, err := c.Schemas(ctx, "iceberg"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("excluded catalog: %v, want ErrNotFound", err)
	}
	if _, err := c.Tables(ctx, "", "x"); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("empty catalog: %v, want ErrInvalidInput", err)
	}

	for _, tc := range []struct {
		name string
		err  trinoError
		want error
	}{
		{"PERMISSION_DENIED", trinoError{Message: "Access Denied: Cannot access catalog hive", ErrorCode: 4, ErrorName: "PERMISSION_DENIED", ErrorType: "USER_ERROR"}, connections.ErrPermissionDenied},
		{"SCHEMA_NOT_FOUND", trinoError{Message: "Schema 'x' does not exist", ErrorCode: 36, ErrorName: "SCHEMA_NOT_FOUND", ErrorType: "USER_ERROR"}, connections.ErrNotFound},
		{"CATALOG_NOT_FOUND", trinoError{Message: "Catalog 'x' not found", ErrorCode: 44, ErrorName: "CATALOG_NOT_FOUND", ErrorType: "USER_ERROR"}, connections.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.failCatalogWith("hive", tc.err)
			_, err := c.Tables(ctx, "hive", "sales")
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.err.Message) || !strings.Contains(err.Error(), "hive.sales") {
				t.Errorf("error %q lacks the server's message or the object", err)
			}
		})
	}
}

func TestUnauthorizedIsPermissionDenied(t *testing.T) {
	f := newFake(t, salesFixture()...)
	f.setIntercept(func(w http.ResponseWriter, r *http.Request, _ string) bool {
		if r.Method == http.MethodPost {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return true
		}
		return false
	})
	c := open(t, f, nil, nil)
	err := c.Check(context.Background())
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("Check = %v, want ErrPermissionDenied", err)
	}
	if n := len(f.Statements()); n != 0 {
		t.Errorf("a 401 was retried: %d statements reached the server", n)
	}
}

func TestRetryTransientStatus(t *testing.T) {
	ctx := context.Background()
	t.Run("503 on submit then success", func(t *testing.T) {
		f := newFake(t, salesFixture()...)
		var posts atomic.Int32
		f.setIntercept(func(w http.ResponseWriter, r *http.Request, _ string) bool {
			if r.Method == http.MethodPost && posts.Add(1) == 1 {
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
				return true
			}
			return false
		})
		c := open(t, f, nil, nil)
		dbs, err := c.Databases(ctx)
		if err != nil || len(dbs) != 2 {
			t.Fatalf("Databases after a 503 = %v, %v", dbs, err)
		}
		if posts.Load() != 2 {
			t.Errorf("%d POSTs, want 2 (the driver must not retry on its own as well)", posts.Load())
		}
	})
	t.Run("502 on a page then success", func(t *testing.T) {
		f := newFake(t, salesFixture()...)
		f.paging(1, false)
		var failed atomic.Bool
		f.setIntercept(func(w http.ResponseWriter, r *http.Request, sql string) bool {
			if r.Method == http.MethodGet && strings.Contains(sql, "information_schema.columns") && strings.HasSuffix(r.URL.Path, "/3") && !failed.Swap(true) {
				http.Error(w, "Bad Gateway", http.StatusBadGateway)
				return true
			}
			return false
		})
		c := open(t, f, nil, nil)
		ts, err := c.Tables(ctx, "hive", "sales")
		if err != nil || len(ts) != 3 || len(ts[2].Columns) != 3 {
			t.Fatalf("Tables after a 502 mid-result = %+v, %v", ts, err)
		}
		if !failed.Load() {
			t.Fatal("the 502 was never served")
		}
	})
	t.Run("503 forever gives up", func(t *testing.T) {
		f := newFake(t, salesFixture()...)
		var posts atomic.Int32
		f.setIntercept(func(w http.ResponseWriter, r *http.Request, _ string) bool {
			if r.Method == http.MethodPost {
				posts.Add(1)
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
				return true
			}
			return false
		})
		c := open(t, f, nil, &trino.Options{RetryAttempts: 2})
		_, err := c.Databases(ctx)
		var qf *trinodrv.ErrQueryFailed
		if !errors.As(err, &qf) || qf.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("got %v, want the 503", err)
		}
		if posts.Load() != 2 {
			t.Errorf("%d POSTs, want 2", posts.Load())
		}
	})
}

func TestCancellation(t *testing.T) {
	f := newFake(t, salesFixture()...)
	arrived := make(chan struct{}, 1)
	f.setIntercept(func(w http.ResponseWriter, r *http.Request, sql string) bool {
		if r.Method == http.MethodGet && strings.Contains(sql, "information_schema.schemata") {
			select {
			case arrived <- struct{}{}:
			default:
			}
			<-r.Context().Done() // hang until the client gives up
			return true
		}
		return false
	})
	c := open(t, f, nil, nil)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	start := time.Now()
	_, err := c.Schemas(ctx, "hive")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Schemas after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
	// The driver cancels the query on the server too.
	for deadline := time.Now().Add(5 * time.Second); f.Deletes() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled query was never deleted on the server")
		}
	}

	ctx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := c.Schemas(ctx, "hive"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Schemas past deadline = %v, want context.DeadlineExceeded", err)
	}

	done, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if _, err := c.Databases(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Databases on a cancelled context = %v", err)
	}
}

func TestMalformedResponsesAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		page func(w http.ResponseWriter, r *http.Request, sql string) bool
	}{
		{"garbage on submit", func(w http.ResponseWriter, r *http.Request, _ string) bool {
			if r.Method == http.MethodPost {
				_, _ = w.Write([]byte(`{"id": "x", "nextUri": [garbage`))
				return true
			}
			return false
		}},
		{"garbage page", func(w http.ResponseWriter, r *http.Request, sql string) bool {
			if r.Method == http.MethodGet && sql != "" {
				_, _ = w.Write([]byte(`<html>502 from a proxy</html>`))
				return true
			}
			return false
		}},
		{"row shorter than its columns", func(w http.ResponseWriter, r *http.Request, sql string) bool {
			if r.Method == http.MethodGet && sql != "" {
				writeJSON(w, map[string]any{"id": "x", "stats": map[string]any{"state": "FINISHED"},
					"columns": []wireColumn{varcharCol("catalog_name"), varcharCol("other")}, "data": [][]any{{"hive"}}})
				return true
			}
			return false
		}},
		{"wrong value type", func(w http.ResponseWriter, r *http.Request, sql string) bool {
			if r.Method == http.MethodGet && sql != "" {
				writeJSON(w, map[string]any{"id": "x", "stats": map[string]any{"state": "FINISHED"},
					"columns": []wireColumn{bigintCol("catalog_name")}, "data": [][]any{{map[string]any{"a": 1}}}})
				return true
			}
			return false
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, salesFixture()...)
			f.setIntercept(tc.page)
			c := open(t, f, nil, &trino.Options{RetryAttempts: 1})
			if dbs, err := c.Databases(context.Background()); err == nil {
				t.Fatalf("Databases = %v, want an error", dbs)
			}
		})
	}
}

func TestCredentialsNeverInErrorsOrLogs(t *testing.T) {
	const password = `s3cr"et/p@ss w0rd`
	const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig"
	certPEM := func(f *fakeTrino) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}))
	}
	for _, tc := range []struct {
		name   string
		creds  connectors.Credentials
		secret string
		setup  func(f *fakeTrino)
	}{
		{"password", connectors.Credentials{trino.CredentialPassword: password}, password, func(f *fakeTrino) { f.password = "other" }},
		{"access token", connectors.Credentials{trino.CredentialAccessToken: token}, token, func(f *fakeTrino) { f.token = "other" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTLSFake(t, salesFixture()...)
			tc.setup(f)
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := connectors.Config{trino.ConfigServer: f.srv.URL, trino.ConfigUser: "crawler", trino.ConfigSSLCert: certPEM(f)}
			c, err := trino.Open(context.Background(), cfg, tc.creds, &trino.Options{Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Check(context.Background())
			if !errors.Is(err, connections.ErrPermissionDenied) {
				t.Fatalf("Check with refused credentials = %v, want ErrPermissionDenied", err)
			}
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), tc.secret) {
					t.Fatalf("error chain shows the secret: %q", e.Error())
				}
			}
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("the server echoed the secret, yet the error %q shows no redaction", err)
			}
			if strings.Contains(logs.String(), tc.secret) {
				t.Fatalf("logs show the secret: %s", logs.String())
			}
		})
	}
	t.Run("accepted over TLS", func(t *testing.T) {
		f := newTLSFake(t, salesFixture()...)
		f.password = password
		cfg := connectors.Config{trino.ConfigServer: f.srv.URL, trino.ConfigUser: "crawler", trino.ConfigSSLCert: certPEM(f)}
		c, err := trino.Open(context.Background(), cfg, connectors.Credentials{trino.CredentialPassword: password}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Databases(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unreachable server", func(t *testing.T) {
		f := newTLSFake(t)
		url := f.srv.URL
		f.srv.Close()
		c, err := trino.Open(context.Background(), connectors.Config{trino.ConfigServer: url, trino.ConfigUser: "crawler", trino.ConfigSSLVerification: "NONE"},
			connectors.Credentials{trino.CredentialPassword: password}, &trino.Options{RetryAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Check(context.Background())
		if err == nil || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "s3cr") {
			t.Fatalf("Check on a closed server = %v", err)
		}
	})
}

// TestRoundTripsGrowWithSchemasNotTables crawls two clusters of the same
// shape but 1 and 40 tables a schema: the statement counts must match.
func TestRoundTripsGrowWithSchemasNotTables(t *testing.T) {
	crawl := func(schemas, tablesPer int) int {
		var cat fxCatalog
		cat.name = "hive"
		for s := range schemas {
			sch := fxSchema{name: "s" + string(rune('a'+s))}
			for i := range tablesPer {
				sch.tables = append(sch.tables, fxTable{name: "t" + string(rune('a'+i%26)) + string(rune('a'+i/26)), typ: "BASE TABLE",
					columns: []fxColumn{{name: "a", typ: "integer"}, {name: "b", typ: "integer"}}})
			}
			cat.schemas = append(cat.schemas, sch)
		}
		f := newFake(t, cat)
		c := open(t, f, nil, nil)
		ctx := context.Background()
		dbs, err := c.Databases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, db := range dbs {
			ss, err := c.Schemas(ctx, db.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				ts, err := c.Tables(ctx, db.Name, s.Name)
				if err != nil || len(ts) != tablesPer {
					t.Fatalf("Tables(%s) = %d tables, %v", s.Name, len(ts), err)
				}
			}
		}
		return len(f.Statements())
	}
	small, big := crawl(3, 1), crawl(3, 40)
	if small != big {
		t.Errorf("statements with 1 table a schema: %d, with 40: %d; want equal", small, big)
	}
	if more := crawl(6, 1); more-small != 3*4 {
		t.Errorf("3 more schemas cost %d statements, want 12", more-small)
	}
}

func TestCatalogFilters(t *testing.T) {
	f := newFake(t, salesFixture()...)
	ctx := context.Background()
	c := open(t, f, connectors.Config{trino.ConfigCatalogs: "iceberg, nope"}, nil)
	dbs, err := c.Databases(ctx)
	if err != nil || len(dbs) != 1 || dbs[0].Name != "iceberg" {
		t.Fatalf("Databases with catalogs=iceberg: %+v, %v", dbs, err)
	}
	if _, err := c.Schemas(ctx, "hive"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("Schemas of a catalog left out = %v", err)
	}

	f.resetStatements()
	c = open(t, f, connectors.Config{trino.ConfigTableComments: "false"}, nil)
	ts, err := c.Tables(ctx, "hive", "sales")
	if err != nil || ts[1].Comment != "" || ts[1].Type != hierarchy.TypeMaterializedView {
		t.Fatalf("Tables without comments = %+v, %v", ts, err)
	}
	for _, s := range f.Statements() {
		if strings.Contains(s, "table_comments") {
			t.Errorf("table_comments read although turned off: %s", s)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := connectors.Config{"server": "https://trino.example.com:8443", "user": "crawler"}
	if err := trino.Validate(ok); err != nil {
		t.Fatal(err)
	}
	with := func(k, v string) connectors.Config {
		c := connectors.Config{}
		for a, b := range ok {
			c[a] = b
		}
		if v == "<delete>" {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for name, cfg := range map[string]connectors.Config{
		"no server":           with("server", "<delete>"),
		"no user":             with("user", "<delete>"),
		"bad scheme":          with("server", "ftp://x"),
		"user info":           with("server", "https://u:pw@x"),
		"path":                with("server", "https://x/hive"),
		"bad port":            with("server", "https://x:99999"),
		"not a URI":           with("server", "https://x:%zz"),
		"unknown key":         with("catalog_filter", "x"),
		"password in config":  with("password", "pw"),
		"bad bool":            with("table_comments", "maybe"),
		"bad verification":    with("ssl_verification", "SOME"),
		"bad timeout":         with("query_timeout", "soon"),
		"ssl on http":         connectors.Config{"server": "http://x", "user": "u", "ssl_verification": "NONE"},
		"both certificates":   {"server": "https://x", "user": "u", "ssl_cert_path": "/x", "ssl_cert": "y"},
		"negative timeout":    with("query_timeout", "-1s"),
		"blank user":          with("user", "  "),
		"query in server URI": with("server", "https://x?catalog=hive"),
	} {
		err := trino.Validate(cfg)
		if !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("%s: Validate = %v, want ErrInvalidInput", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: error shows a secret: %v", name, err)
		}
	}

	ctx := context.Background()
	for name, tc := range map[string]struct {
		cfg   connectors.Config
		creds connectors.Credentials
	}{
		"password over http": {connectors.Config{"server": "http://x", "user": "u"}, connectors.Credentials{"password": "pw"}},
		"two credentials":    {ok, connectors.Credentials{"password": "pw", "access_token": "t"}},
		"unknown credential": {ok, connectors.Credentials{"private_key": "pw"}},
	} {
		if _, err := trino.Open(ctx, tc.cfg, tc.creds, nil); !errors.Is(err, connections.ErrInvalidInput) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: Open = %v, want ErrInvalidInput without the secret", name, err)
		}
	}
	if _, err := trino.Open(ctx, with("ssl_verification", "NONE"), nil, &trino.Options{HTTPClient: http.DefaultClient}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("ssl keys with HTTPClient: %v", err)
	}
	if _, err := trino.New(nil, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("New(nil) = %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	f := newFake(t)
	c := open(t, f, nil, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
