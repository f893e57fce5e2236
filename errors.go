package connections

import (
	"context"
	"errors"
)

// Sentinel errors. Every package of the library wraps its errors so that
// errors.Is matches one of these for each outcome a caller can act on;
// stores and connectors map their driver's errors to them.
var (
	// ErrNotFound: the connection, object, request, grant or tag does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a connection key, grant or tag is already taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidInput: an argument is malformed; the error says which and why.
	ErrInvalidInput = errors.New("invalid input")
	// ErrPermissionDenied: the actor may not do this, or the platform refused
	// the credentials.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrSyncInProgress: another sync of the same connection is running.
	ErrSyncInProgress = errors.New("sync in progress")
	// ErrLimitExceeded: a configured limit, such as the number of children
	// an enabled object may have, is exceeded.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrImmutable: the thing, such as a system tag, cannot be changed.
	ErrImmutable = errors.New("immutable")
	// ErrConflict: the request conflicts with the current state, such as a
	// write based on a stale read or duplicate names on the platform.
	ErrConflict = errors.New("conflict")
	// ErrUnsupported: the technology or store does not offer this.
	ErrUnsupported = errors.New("unsupported")
)

// Error adds what was being done, and to what, to an error. It is shaped
// like fs.PathError: Op is the operation ("register", "sync", "enable"...),
// Path the text form of the object path or the connection key it concerns
// (may be empty), Err the cause, which errors.Is and errors.As see through.
type Error struct {
	Op   string
	Path string
	Err  error
}

// Error returns "op path: cause", or "op: cause" without a path.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return e.Op + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Wrap returns err wrapped in an *Error naming op and path, or nil if err
// is nil. Context cancellation is wrapped too, so errors.Is(err,
// context.Canceled) still holds.
func Wrap(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Path: path, Err: err}
}

// IsContextError reports whether err comes from a cancelled or expired
// context.
func IsContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
