package trino_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/trino"
)

// TestNewWithHostDB runs the connector on a *sql.DB the host opened with
// the trino driver: it works, and Close leaves the host's pool open.
func TestNewWithHostDB(t *testing.T) {
	f := newFake(t, salesFixture()...)
	one := 1
	drv, err := trinodrv.NewConnector(&trinodrv.Config{ServerURI: "http://crawler@" + f.srv.Listener.Addr().String(), RequestRetryMaxAttempts: &one})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(drv)
	defer db.Close()
	c, err := trino.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.Host(context.Background())
	if err != nil || h.Name != "test-env" || h.Version != "476" {
		t.Fatalf("Host = %+v, %v", h, err)
	}
	if ts, err := c.Tables(context.Background(), "hive", "sales"); err != nil || len(ts) != 3 {
		t.Fatalf("Tables = %v, %v", ts, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("Close closed the host's *sql.DB: %v", err)
	}
}

// TestHostOverOtherDriver: with a database/sql driver that is not
// trino-go-client (a proxy, a mock), Host asks the version in SQL.
func TestHostOverOtherDriver(t *testing.T) {
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mock.ExpectQuery(`SELECT node_version FROM system.runtime.nodes WHERE coordinator`).
		WillReturnRows(sqlmock.NewRows([]string{"node_version"}).AddRow("476"))
	c, err := trino.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.Host(context.Background())
	if want := (connectors.Host{Name: "trino", Type: trino.HostType, Version: "476"}); err != nil || h != want {
		t.Fatalf("Host = %+v, %v; want %+v", h, err, want)
	}
	mock.ExpectQuery(`SELECT node_version FROM system.runtime.nodes WHERE coordinator`).WillReturnError(errors.New("boom"))
	if _, err := c.Host(context.Background()); err == nil {
		t.Fatal("Host hid the query's error")
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}

// TestNewLeavesHTTPRetriesToTheDriver: on a host's *sql.DB the connector
// does not retry HTTP statuses (the driver does, as configured), but it
// does run a query again when Trino says the cluster is starting.
func TestNewLeavesHTTPRetriesToTheDriver(t *testing.T) {
	f := newFake(t, salesFixture()...)
	var posts atomic.Int32
	f.setIntercept(func(w http.ResponseWriter, r *http.Request, _ string) bool {
		if r.Method != http.MethodPost {
			return false
		}
		switch posts.Add(1) {
		case 1:
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
			return true
		case 2:
			writeJSON(w, map[string]any{"id": "q", "stats": map[string]any{"state": "FAILED"}, "error": trinoError{
				Message: "Trino server is still initializing", ErrorCode: 65549, ErrorName: "SERVER_STARTING_UP", ErrorType: "INTERNAL_ERROR"}})
			return true
		}
		return false
	})
	one := 1
	drv, err := trinodrv.NewConnector(&trinodrv.Config{ServerURI: "http://crawler@" + f.srv.Listener.Addr().String(), RequestRetryMaxAttempts: &one})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(drv)
	defer db.Close()
	c, err := trino.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Databases(context.Background()); err == nil || posts.Load() != 1 {
		t.Fatalf("Databases = %v after %d POSTs; want the 503 returned after one", err, posts.Load())
	}
	if dbs, err := c.Databases(context.Background()); err != nil || len(dbs) != 2 || posts.Load() != 3 {
		t.Fatalf("Databases = %v, %v after %d POSTs; want success after SERVER_STARTING_UP", dbs, err, posts.Load())
	}
}
