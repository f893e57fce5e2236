package postgres_test

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections/connectors/postgres"
	"github.com/govkit/connections/internal/sqlmeta"
)

// dsnEnv names the variable with the DSN of the test server, a superuser
// on a server that trusts the client, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const dsnEnv = "GOVKIT_TEST_POSTGRES_DSN"

// prefix starts the name of every database and role the tests create.
const prefix = "govkit_pgconn_"

// testDSN returns the DSN of the test server, or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("%s is not set: skipping the tests that need a PostgreSQL server (e.g. export %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", dsnEnv, dsnEnv)
	}
	return dsn
}

func unique() string {
	b := make([]byte, 4)
	for i := range b {
		b[i] = byte(rand.N(256))
	}
	return hex.EncodeToString(b)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cleanups are run by TestMain after every test: they drop the shared
// fixture's databases.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func TestMain(m *testing.M) {
	code := m.Run()
	cleanupMu.Lock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanupMu.Unlock()
	os.Exit(code)
}

// connectTo connects to database db (the DSN's when empty) as the DSN's
// user.
func connectTo(ctx context.Context, t testing.TB, db string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if db != "" {
		cfg.Database = db
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to %q: %v", db, err)
	}
	return conn
}

// exec runs SQL statements on database db.
func exec(ctx context.Context, t testing.TB, db string, stmts ...string) {
	t.Helper()
	conn := connectTo(ctx, t, db)
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// createDatabase creates a database and drops it when drop runs.
func createDatabase(ctx context.Context, t testing.TB, name string) (drop func()) {
	t.Helper()
	exec(ctx, t, "", "CREATE DATABASE "+sqlmeta.QuoteIdent(name))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg, err := pgx.ParseConfig(os.Getenv(dsnEnv))
		if err != nil {
			return
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+sqlmeta.QuoteIdent(name)+" WITH (FORCE)")
	}
}

// tempDatabase creates a database dropped when the test ends.
func tempDatabase(t testing.TB, name string) {
	t.Helper()
	drop := createDatabase(testCtx(t), t, name)
	t.Cleanup(drop)
}

// counter counts the statements and batches the connector sends.
type counter struct {
	statements atomic.Int64 // queries, batched ones included
	roundTrips atomic.Int64 // queries outside batches, plus batches
}

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.statements.Add(1)
	c.roundTrips.Add(1)
	return ctx
}
func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.roundTrips.Add(1)
	return ctx
}
func (c *counter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.statements.Add(1)
}
func (c *counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *counter) snapshot() (statements, roundTrips int64) {
	return c.statements.Load(), c.roundTrips.Load()
}

// newConnector returns a connector on the test server, with the DSN's
// database as the maintenance database, closed when the test ends.
func newConnector(t testing.TB, opts *postgres.Options, tracer *counter) *postgres.Connector {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	c, err := postgres.New(testCtx(t), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// closedPort returns a local TCP address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// fakeServer is a TCP server speaking just enough of the PostgreSQL
// protocol to ask for a cleartext password and refuse it, as a server
// with password authentication does.
type fakeServer struct {
	addr     string
	attempts atomic.Int64
	mu       sync.Mutex
	got      []string // passwords received
}

// startFakeServer starts a fake server. mode "refuse" refuses every
// password; "hang" accepts connections and never answers.
func startFakeServer(t testing.TB, mode string) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{addr: l.Addr().String()}
	var wg sync.WaitGroup
	var conns sync.Map
	t.Cleanup(func() {
		_ = l.Close()
		conns.Range(func(k, _ any) bool { _ = k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.attempts.Add(1)
			conns.Store(c, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if mode == "hang" {
					_, _ = c.Read(make([]byte, 1024)) // until closed
					return
				}
				s.refuse(c)
			}()
		}
	}()
	return s
}

func (s *fakeServer) refuse(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	be := pgproto3.NewBackend(c, c)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		if _, ok := msg.(*pgproto3.SSLRequest); ok {
			if _, err := c.Write([]byte("N")); err != nil {
				return
			}
			continue
		}
		if _, ok := msg.(*pgproto3.StartupMessage); !ok {
			return
		}
		break
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return
	}
	if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return
	}
	msg, err := be.Receive()
	if err != nil {
		return
	}
	if pw, ok := msg.(*pgproto3.PasswordMessage); ok {
		s.mu.Lock()
		s.got = append(s.got, pw.Password)
		s.mu.Unlock()
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "28P01",
		Message: `password authentication failed for user "alice"`})
	_ = be.Flush()
}

func (s *fakeServer) passwords() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// hostPort splits an address for a pgx config.
func hostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func mustNotContain(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("text contains the secret %q: %s", s, text)
		}
	}
}
