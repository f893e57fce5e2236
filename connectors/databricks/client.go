package databricks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/internal/retry"
)

const userAgent = "govkit-connections-databricks"

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 64 << 10

// APIError is an error answer from the Unity Catalog API or the OAuth token
// endpoint. errors.Is maps it to the library's sentinels:
// connections.ErrNotFound for RESOURCE_DOES_NOT_EXIST (and the other
// *_DOES_NOT_EXIST codes) or HTTP 404; connections.ErrPermissionDenied for
// PERMISSION_DENIED, UNAUTHENTICATED, a refused OAuth client, HTTP 401 or
// 403. Its text never contains credentials.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// ErrorCode is the API's error_code, such as "PERMISSION_DENIED", or
	// the OAuth error, such as "invalid_client"; empty when the body was
	// not the API's JSON.
	ErrorCode string
	// Message is the API's message, or a description of a body that was
	// not JSON (an HTML error page from a proxy, say); the body itself is
	// never included.
	Message string

	denied     bool // a refused OAuth client
	staleToken bool // the API refused an OAuth access token
}

// Error returns "HTTP 403 PERMISSION_DENIED: message".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.ErrorCode != "" {
		b.WriteByte(' ')
		b.WriteString(e.ErrorCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is reports whether the error means target, one of the connections
// sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case connections.ErrNotFound:
		return e.StatusCode == http.StatusNotFound ||
			strings.HasSuffix(e.ErrorCode, "_DOES_NOT_EXIST") || e.ErrorCode == "NOT_FOUND"
	case connections.ErrPermissionDenied:
		return e.denied || e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden ||
			e.ErrorCode == "PERMISSION_DENIED" || e.ErrorCode == "UNAUTHENTICATED"
	case connections.ErrInvalidInput:
		return e.ErrorCode == "INVALID_PARAMETER_VALUE" || e.ErrorCode == "BAD_REQUEST"
	}
	return false
}

// acquire takes one of the in-flight request slots, or gives up when ctx
// is done.
func (c *Connector) acquire(ctx context.Context) error {
	select {
	case c.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Connector) release() { <-c.slots }

// get sends a GET to the API path (below the API prefix; already escaped)
// with the query, retrying passing failures, and decodes the JSON answer
// into out. op and obj name the step and the object for errors.
func (c *Connector) get(ctx context.Context, op, obj, path string, query url.Values, out any) error {
	if c.closed.Load() {
		return connections.Wrap(op, obj, errClosed)
	}
	u := c.base + apiPrefix + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	retried401 := false
	err := retry.Do(ctx, c.retry, func(ctx context.Context) error {
		err := c.attempt(ctx, u, out)
		var ae *APIError
		if errors.As(err, &ae) && ae.staleToken && !retried401 {
			// The OAuth token may have been revoked or expired early:
			// try once more with a new one.
			retried401 = true
			return retry.Transient(err)
		}
		return err
	})
	if err != nil {
		return connections.Wrap(op, obj, err)
	}
	return nil
}

// attempt makes one request.
func (c *Connector) attempt(ctx context.Context, u string, out any) error {
	authz, err := c.bearer(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	err = c.roundTrip(ctx, req, out)
	// After roundTrip has given its slot back: the token cache may be
	// held by a caller fetching a token, which needs a slot.
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized && c.auth.kind == authOAuthM2M {
		c.invalidateToken(ctx, strings.TrimPrefix(authz, "Bearer "))
		ae.staleToken = true
	}
	return err
}

// roundTrip sends req in one of the in-flight slots and decodes the JSON
// answer into out, or returns the error answer.
func (c *Connector) roundTrip(ctx context.Context, req *http.Request, out any) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	start := c.now()
	resp, err := c.client.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()
	c.log.DebugContext(ctx, "databricks: request", "path", req.URL.Path, "status", resp.StatusCode, "elapsed", c.now().Sub(start))

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := c.apiError(resp, req.Header.Get("Authorization"))
		if retry.HTTPStatusTransient(resp.StatusCode) {
			after := c.retryAfter(resp)
			c.log.InfoContext(ctx, "databricks: retrying", "path", req.URL.Path, "status", resp.StatusCode, "retry_after", after)
			return retry.TransientAfter(e, after)
		}
		return e
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("decode response (HTTP %d, %s): %w", resp.StatusCode, contentType(resp), jsonProblem(err))
	}
	return nil
}

// apiError builds the error for a non-2xx answer from its body.
func (c *Connector) apiError(resp *http.Response, sent string) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body apiErrorBody
	if err == nil && json.Unmarshal(raw, &body) == nil && (body.ErrorCode != "" || body.Message != "") {
		e.ErrorCode = body.ErrorCode
		e.Message = c.redact(body.Message, strings.TrimPrefix(sent, "Bearer "))
		return e
	}
	e.Message = describeNonJSON(resp)
	return e
}

// describeNonJSON describes an error answer that is not the API's JSON
// without quoting it: such bodies are proxy or login pages that may echo
// anything.
func describeNonJSON(resp *http.Response) string {
	return fmt.Sprintf("%s (the body, %s, is not the API's error JSON)", http.StatusText(resp.StatusCode), contentType(resp))
}

func contentType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	if ct == "" {
		return "no content type"
	}
	return "unknown content type"
}

// jsonProblem keeps what a JSON decoding error says about where it failed,
// without the offending bytes where it would quote them.
func jsonProblem(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at offset %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("unexpected JSON %s for field %q", typ.Value, typ.Field)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("truncated JSON")
	}
	return errors.New("invalid JSON")
}

// transportError classifies a failed round trip: the context's own error
// when it is done, otherwise a transient error (connection reset, timeout,
// DNS) worth retrying. Requests are idempotent reads, and a token request
// has no side effects.
func (c *Connector) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return retry.Transient(err)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func (c *Connector) retryAfter(resp *http.Response) time.Duration {
	d, _ := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	return d
}

// redact replaces every known secret in s.
func (c *Connector) redact(s string, extra ...string) string {
	for _, secret := range append(c.auth.secrets(), extra...) {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// page is implemented by the list responses.
type page[T any] interface {
	items() []T
	next() string
}

func (r *listCatalogsResponse) items() []catalogInfo { return r.Catalogs }
func (r *listCatalogsResponse) next() string         { return r.NextPageToken }
func (r *listSchemasResponse) items() []schemaInfo   { return r.Schemas }
func (r *listSchemasResponse) next() string          { return r.NextPageToken }
func (r *listTablesResponse) items() []tableInfo     { return r.Tables }
func (r *listTablesResponse) next() string           { return r.NextPageToken }
func (r *listTagAssignmentsResponse) items() []tagAssignment {
	return r.TagAssignments
}
func (r *listTagAssignmentsResponse) next() string { return r.NextPageToken }

// list reads every page of a listing: it sends max_results (0 lets the
// server choose the page size) and follows next_page_token until it is
// absent or empty. A page may be empty and still carry a token.
func list[T any, R any, P interface {
	*R
	page[T]
}](ctx context.Context, c *Connector, op, obj, path string, query url.Values, pageSize int) ([]T, error) {
	if query == nil {
		query = url.Values{}
	}
	query.Set("max_results", strconv.Itoa(pageSize))
	var all []T
	seen := map[string]bool{}
	for {
		var r R
		p := P(&r)
		if err := c.get(ctx, op, obj, path, query, p); err != nil {
			return nil, err
		}
		all = append(all, p.items()...)
		tok := p.next()
		if tok == "" {
			return all, nil
		}
		if seen[tok] {
			return nil, connections.Wrap(op, obj, errors.New("the server repeated a page token; stopping to avoid a loop"))
		}
		seen[tok] = true
		query.Set("page_token", tok)
	}
}
