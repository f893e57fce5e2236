package databricks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
)

const (
	testClientID     = "4f1c2d3e-0000-1111-2222-333344445555"
	testClientSecret = "dose-CLIENT-SECRET-0123456789"
)

func oauthFake(t *testing.T) *fakeUC {
	f := newFakeUC(t, loadFixture(t))
	f.clientID, f.clientSecret = testClientID, testClientSecret
	return f
}

func TestOAuthM2M(t *testing.T) {
	f := oauthFake(t)
	c, clock, _ := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, testClientSecret)})

	// Many concurrent calls share one token fetch.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Tables(t.Context(), "main", "default"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if f.issued != 1 {
		t.Fatalf("%d tokens fetched for concurrent calls, want 1", f.issued)
	}
	for _, r := range f.recorded() {
		if r.Path == "/tables" && r.Auth != "Bearer access-token-1" {
			t.Errorf("Authorization %q", r.Auth)
		}
	}

	// The token (1 h) is kept until a minute before it expires...
	clock.Advance(time.Hour - time.Minute - time.Second)
	if _, err := c.Host(t.Context()); err != nil || f.issued != 1 {
		t.Fatalf("before refresh: %v, %d tokens", err, f.issued)
	}
	// ...and replaced then.
	clock.Advance(2 * time.Second)
	if _, err := c.Host(t.Context()); err != nil || f.issued != 2 {
		t.Fatalf("after refresh: %v, %d tokens", err, f.issued)
	}

	// A token the server stops accepting is replaced at once.
	f.revokeAll()
	if _, err := c.Host(t.Context()); err != nil || f.issued != 3 {
		t.Fatalf("after revocation: %v, %d tokens", err, f.issued)
	}
	reqs := f.recorded()
	if last := reqs[len(reqs)-1]; last.Auth != "Bearer access-token-3" {
		t.Fatalf("last request used %q", last.Auth)
	}
}

func TestOAuthShortLivedToken(t *testing.T) {
	f := oauthFake(t)
	f.expiresIn = 60
	c, clock, _ := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, testClientSecret)})
	if _, err := c.Host(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(29 * time.Second) // refreshed halfway through a short life
	if _, err := c.Host(t.Context()); err != nil || f.issued != 1 {
		t.Fatalf("%v, %d tokens", err, f.issued)
	}
	clock.Advance(2 * time.Second)
	if _, err := c.Host(t.Context()); err != nil || f.issued != 2 {
		t.Fatalf("%v, %d tokens", err, f.issued)
	}
}

func TestOAuthRefused(t *testing.T) {
	f := oauthFake(t)
	const wrong = "wrong-SECRET-value"
	c, _, _ := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, wrong)})
	err := c.Check(t.Context())
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("err = %v, want ErrPermissionDenied", err)
	}
	if !strings.Contains(err.Error(), "get OAuth token") || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("err = %v", err)
	}
	if n := f.count("/oidc"); n != 1 {
		t.Fatalf("%d token requests; a refused client must not be retried", n)
	}
	// Without a 401 retry loop either: every API call fails fast.
	if _, err := c.Databases(t.Context()); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatal(err)
	}
}

func TestOAuthTokenEndpointGarbage(t *testing.T) {
	for name, answer := range map[string]func(w http.ResponseWriter){
		"html": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>"))
		},
		"no token": func(w http.ResponseWriter) { writeJSON(w, 200, map[string]any{"token_type": "Bearer"}) },
		"mac": func(w http.ResponseWriter) {
			writeJSON(w, 200, map[string]any{"access_token": "x", "token_type": "mac"})
		},
		"500 html": func(w http.ResponseWriter) { w.WriteHeader(500); _, _ = w.Write([]byte("<html>" + testClientSecret)) },
	} {
		t.Run(name, func(t *testing.T) {
			f := oauthFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/oidc/v1/token" {
					answer(w)
					return true
				}
				return false
			}
			c, _, _ := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, testClientSecret)})
			_, err := c.Host(t.Context())
			if err == nil || !strings.Contains(err.Error(), "databricks: get OAuth token") || strings.Contains(err.Error(), testClientSecret) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestOAuthTokenRetried(t *testing.T) {
	f := oauthFake(t)
	fails := 1
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/oidc/v1/token" && fails > 0 {
			fails--
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	c, _, s := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, testClientSecret)})
	if _, err := c.Host(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w := s.all(); len(w) != 1 || w[0] != 2*time.Second {
		t.Fatalf("waits %v", w)
	}
}

// TestSecretsNeverShown: errors, logs and printed options never contain
// a token, a client secret or an access token, even when the server
// echoes them.
func TestSecretsNeverShown(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/oidc/v1/token" {
			return false
		}
		// A misbehaving server or proxy echoing the request's headers.
		apiErr(w, http.StatusForbidden, "PERMISSION_DENIED", "bad header: "+r.Header.Get("Authorization"))
		return true
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	pf := patFake(t)
	pf.hook = echo
	pat, _, _ := testConnector(t, pf, &Options{Auth: PAT(testPAT), Logger: logger})
	of := oauthFake(t)
	of.hook = echo
	oauthOpts := &Options{Auth: OAuthM2M(testClientID, testClientSecret), Logger: logger}
	oauth, _, _ := testConnector(t, of, oauthOpts)

	var shown []string
	for _, c := range []*Connector{pat, oauth} {
		_, err := c.Tables(t.Context(), "main", "default")
		if !errors.Is(err, connections.ErrPermissionDenied) {
			t.Fatalf("err = %v", err)
		}
		shown = append(shown, err.Error(), fmt.Sprintf("%+v %#v", err, err))
	}
	js, _ := json.Marshal(oauthOpts)
	shown = append(shown, logs.String(),
		fmt.Sprintf("%v %+v %#v %s %q", *oauthOpts, *oauthOpts, *oauthOpts, oauthOpts.Auth, oauthOpts.Auth),
		fmt.Sprintf("%v %+v %#v", PAT(testPAT), Options{Auth: PAT(testPAT)}, PAT(testPAT)),
		string(js))
	if !strings.Contains(logs.String(), "databricks: request") {
		t.Fatalf("no debug logs: %s", logs.String())
	}
	for _, s := range shown {
		for _, secret := range []string{testPAT, testClientSecret, "access-token-1"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows a secret:\n%s", secret, s)
			}
		}
	}
	if !strings.Contains(shown[0], "bad header: Bearer [REDACTED]") {
		t.Errorf("echoed secret not redacted: %s", shown[0])
	}
	if s := fmt.Sprint(OAuthM2M(testClientID, testClientSecret)); !strings.Contains(s, testClientID) {
		t.Errorf("the client ID, not a secret, should show: %s", s)
	}
}

// TestOAuthRevokedUnderLoad: requests refused with a revoked token while
// others fetch a new one, with a single request slot, finish: a request
// gives its slot back before it waits for the token cache.
func TestOAuthRevokedUnderLoad(t *testing.T) {
	f := oauthFake(t)
	c, _, _ := testConnector(t, f, &Options{Auth: OAuthM2M(testClientID, testClientSecret), Concurrency: 1})
	if _, err := c.Host(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // only reached on a deadlock
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Tables(ctx, "main", "default"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
