package snowflake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/snowflake"
)

// fakeLogin is a Snowflake endpoint that refuses every sign-in, quoting
// the request body back in its message as a careless server might, so
// that the test sees whether secrets reach the error text.
func fakeLogin(t *testing.T, status int) (cfg connectors.Config, logins *atomic.Int32) {
	t.Helper()
	logins = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/session/v1/login-request") {
			http.NotFound(w, r)
			return
		}
		logins.Add(1)
		body, _ := io.ReadAll(r.Body)
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data":    nil,
			"code":    "390100",
			"message": "Incorrect username or password was specified. Request: " + string(body),
			"success": false,
		})
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	return connectors.Config{"account": "testacct", "user": "SVC", "host": host, "port": port, "protocol": "http", "warehouse": "WH"}, logins
}

func TestOpen_RefusedSignInNeverLeaksCredentials(t *testing.T) {
	const password = "Pa55-w0rd-do-not-print"
	cfg, logins := fakeLogin(t, http.StatusOK)
	c, err := snowflake.Open(context.Background(), cfg, connectors.Credentials{"password": password}, &snowflake.Options{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Check(context.Background())
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("err %v", err)
	}
	if logins.Load() == 0 {
		t.Fatal("the driver never signed in")
	}
	if strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("error text %q", err)
	}
	if strings.Contains(connectors.Credentials{"password": password}.String(), password) {
		t.Fatal("credentials print their values")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestOpen_ForbiddenIsPermissionDenied(t *testing.T) {
	cfg, _ := fakeLogin(t, http.StatusForbidden)
	c, err := snowflake.Technology().Open(context.Background(), cfg, connectors.Credentials{"password": "x-secret-x"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Host(context.Background())
	if !errors.Is(err, connections.ErrPermissionDenied) || strings.Contains(err.Error(), "x-secret-x") {
		t.Fatalf("err %v", err)
	}
}

func TestTechnology(t *testing.T) {
	tech := snowflake.Technology()
	if tech.Name != "snowflake" || tech.DisplayName != "Snowflake" || tech.Levels != [4]string{"Account", "Database", "Schema", "Object"} ||
		!tech.Impersonation || !tech.ProjectWorkspaces || tech.Validate == nil || tech.Open == nil {
		t.Fatalf("%+v", tech)
	}
	reg, err := connectors.NewRegistry(tech)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Lookup("snowflake"); err != nil {
		t.Fatal(err)
	}
	if err := tech.Validate(connectors.Config{"account": "myorg-myacct", "user": "u", "authenticator": "SNOWFLAKE_JWT"}); err != nil {
		t.Fatal(err)
	}
	if err := tech.Validate(connectors.Config{}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = tech.Open(context.Background(), connectors.Config{"account": "a"}, connectors.Credentials{"password": "pw-secret"})
	buf.WriteString(err.Error())
	if !errors.Is(err, connections.ErrInvalidInput) || strings.Contains(buf.String(), "pw-secret") {
		t.Fatalf("open without user: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tech.Open(ctx, connectors.Config{"account": "a", "user": "u"}, connectors.Credentials{"password": "p"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("open with a cancelled context: %v", err)
	}
}
