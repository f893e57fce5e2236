package databricks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/internal/retry"
)

// Auth says how the connector authenticates to the workspace. Make one
// with [PAT] or [OAuthM2M]. The zero Auth sends no credentials, which only
// an open (OSS, local) Unity Catalog server accepts.
//
// An Auth holds secrets: every way of printing it (String, GoString, any
// fmt verb, JSON) shows them redacted (B7).
type Auth struct {
	kind         authKind
	token        string // PAT
	clientID     string // OAuth M2M
	clientSecret string // OAuth M2M
}

type authKind uint8

const (
	authNone authKind = iota
	authPAT
	authOAuthM2M
)

// PAT authenticates with a personal access token (or any bearer token,
// such as a Microsoft Entra ID token), sent as "Authorization: Bearer".
func PAT(token string) Auth { return Auth{kind: authPAT, token: token} }

// OAuthM2M authenticates as a service principal with OAuth
// machine-to-machine: the connector exchanges the client ID and secret for
// an access token at the workspace's /oidc/v1/token endpoint, caches it
// until shortly before it expires and then fetches another.
func OAuthM2M(clientID, clientSecret string) Auth {
	return Auth{kind: authOAuthM2M, clientID: clientID, clientSecret: clientSecret}
}

// String describes the method without its secrets.
func (a Auth) String() string {
	switch a.kind {
	case authPAT:
		return "PAT(" + redacted + ")"
	case authOAuthM2M:
		return fmt.Sprintf("OAuthM2M(client_id=%q, client_secret=%s)", a.clientID, redacted)
	}
	return "NoAuth"
}

// GoString is String, so that %#v redacts too.
func (a Auth) GoString() string { return a.String() }

// Format implements fmt.Formatter so that every verb redacts.
func (a Auth) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// MarshalJSON writes the description String gives, as a JSON string.
func (a Auth) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

const redacted = "[REDACTED]"

// validate reports a missing secret or client ID.
func (a Auth) validate() error {
	switch a.kind {
	case authPAT:
		if a.token == "" {
			return fmt.Errorf("databricks: %w: empty personal access token", connections.ErrInvalidInput)
		}
	case authOAuthM2M:
		if a.clientID == "" || a.clientSecret == "" {
			return fmt.Errorf("databricks: %w: OAuth M2M needs a client ID and a client secret", connections.ErrInvalidInput)
		}
	}
	return nil
}

// secrets lists the static secrets, for redaction.
func (a Auth) secrets() []string {
	var s []string
	for _, v := range []string{a.token, a.clientSecret} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// tokenCache holds an OAuth access token. lock is a one-slot semaphore
// rather than a mutex so that callers waiting for another caller's fetch
// still honour their context; the fields it guards are read and written
// only while holding it.
type tokenCache struct {
	lock    chan struct{}
	token   string
	refresh time.Time // fetch a new token from this time on
}

// Refresh margins: a token is replaced a minute before it expires, or
// halfway through its life if that is shorter.
const (
	refreshMargin       = time.Minute
	defaultTokenExpires = time.Hour // when the server gives no expires_in
)

// bearer returns the Authorization header value, fetching an OAuth token
// if the cached one is missing or due for refresh.
func (c *Connector) bearer(ctx context.Context) (string, error) {
	switch c.auth.kind {
	case authPAT:
		return "Bearer " + c.auth.token, nil
	case authOAuthM2M:
		tok, err := c.oauthToken(ctx)
		if err != nil {
			return "", err
		}
		return "Bearer " + tok, nil
	}
	return "", nil
}

func (c *Connector) oauthToken(ctx context.Context) (string, error) {
	select {
	case c.tokens.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.tokens.lock }()
	if c.tokens.token != "" && c.now().Before(c.tokens.refresh) {
		return c.tokens.token, nil
	}
	var tok string
	var life time.Duration
	err := retry.Do(ctx, c.retry, func(ctx context.Context) error {
		var err error
		tok, life, err = c.fetchToken(ctx)
		return err
	})
	if err != nil {
		return "", connections.Wrap("databricks: get OAuth token", c.tokenURL, err)
	}
	c.tokens.token = tok
	c.tokens.refresh = c.now().Add(life - min(refreshMargin, life/2))
	c.log.DebugContext(ctx, "databricks: fetched OAuth token", "expires_in", life)
	return tok, nil
}

// invalidateToken drops the cached OAuth token if it is still tok, so the
// next request fetches a new one.
func (c *Connector) invalidateToken(ctx context.Context, tok string) {
	select {
	case c.tokens.lock <- struct{}{}:
	case <-ctx.Done():
		return
	}
	if c.tokens.token == tok {
		c.tokens.token = ""
	}
	<-c.tokens.lock
}

// fetchToken makes one client-credentials request.
func (c *Connector) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.SetBasicAuth(c.auth.clientID, c.auth.clientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)

	if err := c.acquire(ctx); err != nil {
		return "", 0, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.release()
		return "", 0, c.transportError(ctx, err)
	}
	var body oauthTokenResponse
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	c.release()
	if readErr != nil {
		return "", 0, c.transportError(ctx, readErr)
	}
	jsonErr := json.Unmarshal(raw, &body)

	if resp.StatusCode != http.StatusOK {
		e := &APIError{StatusCode: resp.StatusCode}
		if jsonErr == nil && body.Error != "" {
			e.ErrorCode = body.Error
			e.Message = c.redact(body.ErrorDescription)
		} else {
			e.Message = describeNonJSON(resp)
		}
		// RFC 6749 §5.2: a refused client is 400 or 401 with one of these.
		switch body.Error {
		case "invalid_client", "unauthorized_client", "invalid_grant", "access_denied", "invalid_scope":
			e.denied = true
		}
		if retry.HTTPStatusTransient(resp.StatusCode) {
			return "", 0, retry.TransientAfter(e, c.retryAfter(resp))
		}
		return "", 0, e
	}
	if jsonErr != nil {
		return "", 0, fmt.Errorf("decode token response (HTTP %d, %s): %w", resp.StatusCode, contentType(resp), jsonProblem(jsonErr))
	}
	if body.AccessToken == "" {
		return "", 0, errors.New("token response has no access_token")
	}
	if body.TokenType != "" && !strings.EqualFold(body.TokenType, "bearer") {
		return "", 0, fmt.Errorf("token response has token_type %q, want Bearer", body.TokenType)
	}
	life := defaultTokenExpires
	if body.ExpiresIn > 0 {
		life = time.Duration(body.ExpiresIn) * time.Second
	}
	return body.AccessToken, life, nil
}
