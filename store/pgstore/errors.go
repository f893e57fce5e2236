package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	connections "github.com/govkit/connections"
)

// Errors of opening a store over a schema it cannot use. Each matches a
// sentinel of package connections with errors.Is, and the error returned
// says which schema and what was found.
var (
	// ErrForeignSchema: the PostgreSQL schema holds tables that are not a
	// store of this package (or of another application using this package
	// under another name). Nothing is written to it.
	ErrForeignSchema = fmt.Errorf("%w: the PostgreSQL schema is not a govkit store", connections.ErrInvalidInput)
	// ErrNewerSchema: the store's schema was migrated by a newer version
	// of this package; this code does not know it and writes nothing.
	ErrNewerSchema = fmt.Errorf("%w: the store's schema version is newer than this code supports", connections.ErrUnsupported)
	// ErrMigrationNeeded: the store's schema is older than SchemaVersion
	// and Options.SkipMigrate is set; call Store.Migrate (or open without
	// SkipMigrate).
	ErrMigrationNeeded = fmt.Errorf("%w: the store's schema needs migrating", connections.ErrUnsupported)
)

// fail returns an error naming op and path that matches sentinel.
func fail(op, path string, sentinel error, format string, args ...any) error {
	return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// ctxErr returns ctx's error wrapped for op, or nil.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return connections.Wrap(op, "", err)
	}
	return nil
}

// dbErr maps an error of the driver to the sentinels of package
// connections and names op and path. A context that is done wins: the
// error then matches ctx.Err().
func dbErr(ctx context.Context, op, path string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connections.Error
	if errors.As(err, &ce) && ce.Op == op {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return connections.Wrap(op, path, fmt.Errorf("%w (%v)", cerr, err))
	}
	return connections.Wrap(op, path, classify(err))
}

// classify adds the sentinel an error of the driver stands for.
func classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %s", connections.ErrAlreadyExists, describe(pe))
		case pe.Code == "23503": // foreign_key_violation
			return fmt.Errorf("%w: %s", connections.ErrConflict, describe(pe))
		case pe.Code == "40001" || pe.Code == "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: a concurrent transaction got in the way, try again: %w", connections.ErrConflict, err)
		case strings.HasPrefix(pe.Code, "22"): // data_exception: NUL bytes, invalid UTF-8, out of range
			return fmt.Errorf("%w: PostgreSQL rejected a value: %w", connections.ErrInvalidInput, err)
		case strings.HasPrefix(pe.Code, "28"), pe.Code == "42501": // invalid authorization, insufficient_privilege
			return fmt.Errorf("%w: %w", connections.ErrPermissionDenied, err)
		case strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "08"): // admin shutdown, connection exception
			return fmt.Errorf("lost the connection to PostgreSQL: %w", err)
		}
		return err
	}
	if isConnLoss(err) {
		return fmt.Errorf("lost the connection to PostgreSQL: %w", err)
	}
	return err
}

func describe(pe *pgconn.PgError) string {
	if pe.Detail != "" {
		return pe.Detail
	}
	return pe.Message
}

// isConnLoss reports whether err says the connection broke.
func isConnLoss(err error) bool {
	var ne net.Error
	var pe *pgconn.PgError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) || (errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "08"))) ||
		strings.Contains(err.Error(), "conn closed")
}

// retryable reports whether a transaction that failed with err may be run
// again: PostgreSQL aborted it to break a deadlock or a serialization
// conflict, or the statement never reached the server.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return pgconn.SafeToRetry(err)
}

// maxAttempts bounds how often a transaction is run when PostgreSQL
// aborts it for a retryable reason.
const maxAttempts = 6

// inTx runs f in a transaction (READ COMMITTED) and commits it, running it
// again when PostgreSQL aborts it for a retryable reason (deadlock,
// serialization failure). f must not keep state across attempts. Errors
// are mapped by dbErr for op and path; errors f returns already made by
// fail are returned as they are.
func (s *Store) inTx(ctx context.Context, op, path string, f func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, f)
		if err == nil {
			return nil
		}
		var ce *connections.Error
		if errors.As(err, &ce) {
			return err
		}
		if attempt < maxAttempts && retryable(err) && ctx.Err() == nil {
			d := time.Duration(attempt*attempt)*5*time.Millisecond + rand.N(10*time.Millisecond)
			s.log.Debug("pgstore: transaction aborted, running it again", "op", op, "attempt", attempt, "err", err)
			t := time.NewTimer(d)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
			}
		}
		return dbErr(ctx, op, path, err)
	}
}

// commitError marks an error of COMMIT: the outcome is unknown if the
// connection was lost while committing.
type commitError struct{ err error }

func (e *commitError) Error() string {
	if isConnLoss(e.err) {
		return "lost the connection to PostgreSQL while committing; the change may or may not have been written (a later sync converges): " + e.err.Error()
	}
	return "commit: " + e.err.Error()
}
func (e *commitError) Unwrap() error { return e.err }

func (s *Store) tryTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		var ce *connections.Error
		if !errors.As(err, &ce) && isConnLoss(err) {
			return fmt.Errorf("%w; nothing was written", err)
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return &commitError{err}
	}
	return nil
}

// redacted is an error whose text has the DSN's password masked; Unwrap
// still gives the driver's error.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redact masks password in err's text.
func redact(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), password, "xxxxx"), err: err}
}

// parseErrorReason says why a DSN could not be parsed without repeating
// the DSN, which may hold a password: the driver's own messages (and
// those of net/url) quote it.
func parseErrorReason(error) string {
	return "not a PostgreSQL URL (postgres://user:password@host:port/database?param=value) or key=value list; check the port and the escaping of special characters"
}
