package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govkit/connections"
)

func TestTransient(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code, Message: "m"}) }
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{pg("57P01"), true},
		{pg("57P02"), true},
		{pg("57P03"), true},
		{pg("53300"), true},
		{pg("40001"), true},
		{pg("40P01"), true},
		{pg("08006"), true},
		{pg("28P01"), false},
		{pg("42501"), false},
		{pg("3D000"), false},
		{pg("42P01"), false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{io.ErrUnexpectedEOF, true},
		{&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, false},
		{&net.DNSError{Err: "try again", Name: "x", IsTemporary: true}, true},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{errors.New("syntax error"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestWrapMapsAndScrubs(t *testing.T) {
	const pw = "p@ss w'rd/ü"
	s := newScrubber(pw)
	ctx := context.Background()
	for _, tc := range []struct {
		err  error
		want error
	}{
		{&pgconn.PgError{Code: "28P01", Message: "password authentication failed"}, connections.ErrPermissionDenied},
		{&pgconn.PgError{Code: "28000", Message: "role does not exist"}, connections.ErrPermissionDenied},
		{&pgconn.PgError{Code: "42501", Message: "permission denied for database x"}, connections.ErrPermissionDenied},
		{&pgconn.PgError{Code: "3D000", Message: "database does not exist"}, connections.ErrNotFound},
		{&pgconn.PgError{Code: "3F000", Message: "schema does not exist"}, connections.ErrNotFound},
	} {
		err := s.wrap(ctx, tc.err)
		if !errors.Is(err, tc.want) {
			t.Errorf("wrap(%v) does not match %v", tc.err, tc.want)
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Errorf("wrap(%v) lost the PgError", tc.err)
		}
	}
	for _, text := range []string{
		"failed: password=" + pw + " host=x",
		"url: " + "postgres://u:p%40ss%20w%27rd%2F%C3%BC@h/db",
	} {
		err := s.wrap(ctx, errors.New(text))
		for _, bad := range []string{pw, "p@ss", "p%40ss"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("wrap(%q) = %q, still holds %q", text, err.Error(), bad)
			}
		}
	}
	// Context errors stay visible.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.wrap(cctx, errors.New("conn closed")); !errors.Is(err, context.Canceled) {
		t.Errorf("wrap under a cancelled context = %v, want context.Canceled", err)
	}
	if s.wrap(ctx, nil) != nil {
		t.Error("wrap(nil) != nil")
	}
	if newScrubber("").scrub("abc") != "abc" || (*scrubber)(nil).scrub("abc") != "abc" {
		t.Error("an empty password scrubs")
	}
}
