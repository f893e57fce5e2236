package trino

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/govkit/connections"
	"github.com/govkit/connections/internal/retry"
)

const redacted = "[REDACTED]"

// fail turns a query's error into the connector's: the context's error
// when ctx ended, otherwise the cause mapped to the connections sentinel
// that fits, wrapped in a *connections.Error naming op and path, with every
// credential removed from the message.
func (c *Connector) fail(ctx context.Context, op, path string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return connections.Wrap(op, path, ctxErr)
	}
	if connections.IsContextError(err) {
		return connections.Wrap(op, path, err)
	}
	s := sentinel(err)
	cause := err
	if s != nil {
		cause = fmt.Errorf("%w: %w", s, err)
	}
	if msg := cause.Error(); c.redact(msg) != msg {
		// The cause holds a secret: keep the sentinel, drop the cause,
		// whose text would show it to whoever unwraps it.
		cause = &redactedError{msg: c.redact(msg), sentinel: s}
	}
	return connections.Wrap(op, path, cause)
}

// sentinel returns the connections sentinel a driver error maps to, or
// nil.
func sentinel(err error) error {
	var trinoErr *trinodrv.ErrTrino
	if errors.As(err, &trinoErr) {
		switch trinoErr.ErrorName {
		case "PERMISSION_DENIED":
			return connections.ErrPermissionDenied
		case "CATALOG_NOT_FOUND", "SCHEMA_NOT_FOUND", "TABLE_NOT_FOUND":
			return connections.ErrNotFound
		}
	}
	var failed *trinodrv.ErrQueryFailed
	if errors.As(err, &failed) {
		switch failed.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return connections.ErrPermissionDenied
		}
	}
	return nil
}

// transientNames are the Trino errors a later attempt can get past.
var transientNames = map[string]bool{
	"SERVER_STARTING_UP":       true,
	"SERVER_SHUTTING_DOWN":     true,
	"NO_NODES_AVAILABLE":       true,
	"TOO_MANY_REQUESTS_FAILED": true,
	"PAGE_TRANSPORT_TIMEOUT":   true,
	"REMOTE_HOST_GONE":         true,
}

// transient reports whether err is worth another attempt: a Trino error
// from a cluster that is starting, stopping or short of nodes, and, when
// retryHTTP is set (the driver retries nothing itself), an HTTP 429, 502, 503
// or 504 or a connection that could not be made.
func transient(err error, retryHTTP bool) bool {
	var trinoErr *trinodrv.ErrTrino
	if errors.As(err, &trinoErr) && transientNames[trinoErr.ErrorName] {
		return true
	}
	if !retryHTTP {
		return false
	}
	var failed *trinodrv.ErrQueryFailed
	if errors.As(err, &failed) && retry.HTTPStatusTransient(failed.StatusCode) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// redact removes every credential, as is and URL-escaped, from s.
func (c *Connector) redact(s string) string {
	return redactSecrets(s, c.secrets)
}

func redactSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		quoted := strconv.Quote(sec)
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec), quoted[1 : len(quoted)-1]} {
			if form != "" {
				s = strings.ReplaceAll(s, form, redacted)
			}
		}
	}
	return s
}

// redactedError is an error whose cause held a credential: only its
// redacted text and the sentinel it matches are kept.
type redactedError struct {
	msg      string
	sentinel error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.sentinel }
