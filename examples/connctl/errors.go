package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	objsync "github.com/govkit/connections/sync"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailure    = 1 // anything else: already exists, conflict, platform down...
	exitUsage      = 2 // bad command line, or input the library rejects
	exitPermission = 3 // the actor may not, or the platform refused the credentials
	exitNotFound   = 4 // no such connection, object or request
	exitPartial    = 5 // a sync ran but some subtrees failed (the report says which)
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// partialError says a sync ran and reported failed subtrees. When the
// root of the sync is one of them (nothing could be synced), rootErr is its
// cause, which decides the exit code.
type partialError struct {
	failed  int64
	rootErr error
}

func (e *partialError) Error() string {
	if e.rootErr != nil {
		return fmt.Sprintf("sync failed: %v", e.rootErr)
	}
	return fmt.Sprintf("sync finished with %d failed subtree(s); see the report", e.failed)
}

// newPartialError returns the error of a report with failed subtrees, or
// nil when it has none.
func newPartialError(r *objsync.Report) error {
	if r == nil || r.Counts.Failed == 0 {
		return nil
	}
	pe := &partialError{failed: r.Counts.Failed}
	for _, f := range r.Failed {
		if f.Path.Equal(r.Root) && f.Err != nil {
			pe.rootErr = f.Err
			break
		}
	}
	return pe
}

// classify maps an error to an exit code and a stable code string for
// the JSON error object.
func classify(err error) (int, string) {
	var ue *usageError
	var pe *partialError
	switch {
	case errors.As(err, &ue):
		return exitUsage, "usage"
	case errors.As(err, &pe) && pe.rootErr != nil:
		return classify(pe.rootErr)
	case errors.As(err, &pe):
		return exitPartial, "partial"
	case errors.Is(err, connections.ErrPermissionDenied):
		return exitPermission, "permission_denied"
	case errors.Is(err, connections.ErrNotFound):
		return exitNotFound, "not_found"
	case errors.Is(err, connections.ErrInvalidInput), errors.Is(err, hierarchy.ErrInvalidPath):
		return exitUsage, "invalid_input"
	case errors.Is(err, connections.ErrAlreadyExists):
		return exitFailure, "already_exists"
	case errors.Is(err, connections.ErrImmutable):
		return exitFailure, "immutable"
	case errors.Is(err, connections.ErrSyncInProgress):
		return exitFailure, "sync_in_progress"
	case errors.Is(err, connections.ErrLimitExceeded):
		return exitFailure, "limit_exceeded"
	case errors.Is(err, connections.ErrConflict):
		return exitFailure, "conflict"
	case errors.Is(err, connections.ErrUnsupported):
		return exitFailure, "unsupported"
	case errors.Is(err, context.DeadlineExceeded):
		return exitFailure, "timeout"
	case errors.Is(err, context.Canceled):
		return exitFailure, "canceled"
	default:
		return exitFailure, "failure"
	}
}
