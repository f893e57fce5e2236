package snowflake

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections"
	"github.com/govkit/connections/internal/retry"
)

// Snowflake error numbers the connector acts on. Server errors carry the
// number Snowflake prints as "002003 (02000): ..."; driver errors are the
// gosnowflake ErrCode* and Err* constants.
const (
	errDoesNotExist          = 2003   // 002003: object does not exist or not authorized
	errObjectDoesNotExist    = 2043   // 002043: object does not exist, or operation cannot be performed
	errInsufficientPrivilege = 3001   // 003001: insufficient privileges to operate on ...
	errNoWarehouse           = 606    // 000606: no active warehouse selected in the current session
	errInfoSchemaTooMuchData = 90030  // 090030: information schema query returned too much data
	errShowTooManyRows       = 90153  // 090153: SHOW result exceeded 10,000 rows; use LIMIT
	errSessionGone           = 390111 // session no longer exists
	errAuthTokenExpired      = 390114 // authentication token has expired
)

// classify maps an error from the driver to the library's sentinels, and
// marks the ones worth retrying. It returns the sentinel (or nil) and
// whether the failure is transient.
func classify(err error) (sentinel error, transient bool) {
	if err == nil || connections.IsContextError(err) {
		return nil, false
	}
	var se *gosnowflake.SnowflakeError
	if errors.As(err, &se) {
		return classifyNumber(se)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT) {
		return nil, true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return nil, true
	}
	return nil, false
}

func classifyNumber(se *gosnowflake.SnowflakeError) (error, bool) {
	switch n := se.Number; {
	case n == errDoesNotExist, n == errObjectDoesNotExist:
		return connections.ErrNotFound, false
	case n == errInsufficientPrivilege:
		return connections.ErrPermissionDenied, false
	case n == errNoWarehouse:
		return connections.ErrInvalidInput, false
	case n == errSessionGone:
		return nil, true
	case n == gosnowflake.ErrCodeServiceUnavailable, n == gosnowflake.ErrFailedToGetChunk:
		return nil, true
	case n == gosnowflake.ErrFailedToPostQuery, n == gosnowflake.ErrFailedToAuth:
		// The driver gives up on an HTTP status after its own retries and
		// reports the status as the first message argument.
		if len(se.MessageArgs) > 0 {
			if code, ok := se.MessageArgs[0].(int); ok {
				if retry.HTTPStatusTransient(code) || code == 408 {
					return nil, true
				}
				if code == 401 || code == 403 {
					return connections.ErrPermissionDenied, false
				}
			}
		}
		if n == gosnowflake.ErrFailedToAuth {
			return connections.ErrPermissionDenied, false
		}
		return nil, false
	case n == gosnowflake.ErrCodeFailedToConnect, n == gosnowflake.ErrFailedToAuthSAML,
		n == gosnowflake.ErrFailedToAuthOKTA, n == gosnowflake.ErrRoleNotExist,
		n == gosnowflake.ErrObjectNotExistOrAuthorized, n == errAuthTokenExpired:
		return connections.ErrPermissionDenied, false
	case n >= 390100 && n < 390500:
		// Login and session errors: 390100 incorrect user name or
		// password, 390101/390102 user disabled or locked, 390144 invalid
		// JWT, 390303/390318 invalid or expired OAuth token, 390422 IP not
		// allowed by a network policy, ...
		return connections.ErrPermissionDenied, false
	case n >= gosnowflake.ErrCodeEmptyAccountCode && n <= gosnowflake.ErrCodeFailedToParsePort,
		n == gosnowflake.ErrCodePrivateKeyParseError, n == gosnowflake.ErrCodeFailedToParseAuthenticator,
		n == gosnowflake.ErrCodeEmptyPasswordAndToken, n == gosnowflake.ErrCodeEmptyOAuthParameters:
		return connections.ErrInvalidInput, false
	}
	switch se.SQLState {
	case "42501":
		return connections.ErrPermissionDenied, false
	case "08001", "08006":
		return nil, true
	}
	return nil, false
}

// isNumber reports whether err is a Snowflake error with that number.
func isNumber(err error, n int) bool {
	var se *gosnowflake.SnowflakeError
	return errors.As(err, &se) && se.Number == n
}

// failure is the cause of a connector error: its text is redacted and
// names the sentinel; errors.Is and errors.As see the sentinel, the
// context's error and the driver's error.
type failure struct {
	msg  string
	errs []error
}

func (f *failure) Error() string   { return f.msg }
func (f *failure) Unwrap() []error { return f.errs }

// redactor removes secret values from text.
type redactor struct {
	secrets []string
}

const redacted = "[REDACTED]"

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		r.secrets = append(r.secrets, s)
		// A PEM key can leak line by line; redact each line of its body.
		if strings.Contains(s, "\n") {
			for line := range strings.SplitSeq(s, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 8 && !strings.HasPrefix(line, "-----") {
					r.secrets = append(r.secrets, line)
				}
			}
		}
	}
	return r
}

func (r redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

// fail wraps err into a *connections.Error naming op and the object path,
// with the sentinel the driver error maps to and ctx's error when the
// context ended the call. Secrets are redacted from the text.
func (c *Connector) fail(ctx context.Context, op, path string, err error) error {
	if err == nil {
		return nil
	}
	var cerr *connections.Error
	if errors.As(err, &cerr) {
		return err // already wrapped by a lower step
	}
	sentinel, _ := classify(err)
	if hasSentinel(err) {
		sentinel = nil
	}
	errs := make([]error, 0, 3)
	msg := c.redact.redact(err.Error())
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		errs = append(errs, ctxErr)
		msg = ctxErr.Error() + ": " + msg
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		errs = append(errs, sentinel)
		msg = sentinel.Error() + ": " + msg
	}
	if isNumber(err, errNoWarehouse) {
		msg += " (columns are read from INFORMATION_SCHEMA, which needs a warehouse: set the warehouse config key or a default warehouse for the user)"
	}
	errs = append(errs, err)
	return connections.Wrap("snowflake: "+op, path, &failure{msg: msg, errs: errs})
}

// hasSentinel reports whether err already matches one of the library's
// sentinels, so that classification adds no second one.
func hasSentinel(err error) bool {
	for _, s := range []error{connections.ErrNotFound, connections.ErrPermissionDenied, connections.ErrInvalidInput, connections.ErrConflict, connections.ErrUnsupported} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
