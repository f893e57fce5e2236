package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govkit/connections"
)

// ErrClosed is returned by the methods of a closed [Connector].
var ErrClosed = errors.New("postgres: connector is closed")

// redacted replaces secrets in error text.
const redacted = "[REDACTED]"

// driverError is an error of the driver or of the server, its text
// scrubbed of secrets. It unwraps to the connections sentinel it maps to,
// to the server's *pgconn.PgError, to a network error and to the context's
// error, but never to the driver's own error values, some of which hold
// the connection settings, password included.
type driverError struct {
	msg  string
	errs []error
}

func (e *driverError) Error() string   { return e.msg }
func (e *driverError) Unwrap() []error { return e.errs }

// transient reports whether a driver error is worth trying again: the
// connection failed or was cut, the server is shutting down or starting,
// has no free connection slots, or gave up a transaction that may well
// succeed the next time.
func transient(err error) bool {
	if err == nil || connections.IsContextError(err) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", // admin_shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now
			"53300", // too_many_connections
			"40001", // serialization_failure
			"40P01", // deadlock_detected
			"08000", // connection_exception
			"08003", // connection_does_not_exist
			"08006", // connection_failure
			"08001": // sqlclient_unable_to_establish_sqlconnection
			return true
		}
		return false
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, pgconn.ErrConnClosed):
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTemporary || dns.IsTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return pgconn.SafeToRetry(err)
}

// sentinel returns the connections sentinel a driver error maps to, or
// nil.
func sentinel(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	switch {
	case strings.HasPrefix(pe.Code, "28"), // invalid authorization, bad password
		pe.Code == "42501": // insufficient_privilege
		return connections.ErrPermissionDenied
	case pe.Code == "3D000", // invalid_catalog_name: no such database
		pe.Code == "3F000": // invalid_schema_name
		return connections.ErrNotFound
	}
	return nil
}

// scrubber removes secrets from text. It is held by pointer, so that
// printing a struct that holds one shows an address, not the secrets.
type scrubber struct{ secrets []string }

// newScrubber returns a scrubber of the password as it is and in the
// encodings a connection string may carry it in.
func newScrubber(password string) *scrubber {
	s := &scrubber{}
	if password == "" {
		return s
	}
	s.secrets = []string{password}
	for _, v := range []string{url.QueryEscape(password), url.PathEscape(password), url.UserPassword("u", password).String()[2:]} {
		if v != password && v != "" && !slices.Contains(s.secrets, v) {
			s.secrets = append(s.secrets, v)
		}
	}
	return s
}

// scrub returns text with every secret replaced by [REDACTED].
func (s *scrubber) scrub(text string) string {
	if s == nil {
		return text
	}
	for _, secret := range s.secrets {
		text = strings.ReplaceAll(text, secret, redacted)
	}
	return text
}

// String hides the secrets.
func (s *scrubber) String() string { return redacted }

// wrap turns an error of the driver into a *driverError with its text
// scrubbed, mapped to a connections sentinel, and matching ctx's error if
// ctx is done. Errors already wrapped are returned as they are.
func (s *scrubber) wrap(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var de *driverError
	if errors.As(err, &de) {
		return err
	}
	e := &driverError{msg: s.scrub(err.Error())}
	if sen := sentinel(err); sen != nil {
		e.errs = append(e.errs, sen)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		e.errs = append(e.errs, pe)
	}
	switch {
	case errors.Is(err, context.Canceled):
		e.errs = append(e.errs, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		e.errs = append(e.errs, context.DeadlineExceeded)
	case ctx.Err() != nil:
		e.errs = append(e.errs, ctx.Err())
	}
	var op *net.OpError
	if errors.As(err, &op) {
		e.errs = append(e.errs, op)
	}
	return e
}

// errorf returns an error of the connector's own, matching each of errs.
func errorf(msg string, errs ...error) error {
	return &driverError{msg: msg, errs: errs}
}
