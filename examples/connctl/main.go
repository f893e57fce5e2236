// Command connctl drives github.com/govkit/connections from the command line:
// it registers a data platform as a connection, browses and syncs its
// hierarchy, enables data sources, grants Data Owner, tags objects, manages the
// "New Column Added" policy and its validation requests, and runs the periodic
// sync. It is built only on the library's public packages.
//
//	go run ./examples/connctl [global flags] <command> [flags] [arguments]
//
// The store is chosen by --store (a SQLite file, connctl.db by default, or a
// postgres:// DSN), the actor by --as, admins by --admins. Credentials are
// read at run time from GOVKIT_CRED_<KEY>__<NAME> environment variables or
// the file GOVKIT_CREDENTIALS_FILE names, and are never stored.
//
// Every command prints a human summary, or with --json one JSON document on
// standard output. Exit codes: 0 success, 1 failure, 2 usage or invalid
// input, 3 permission denied, 4 not found, 5 sync finished with failed
// subtrees. Run "connctl help" for the commands; the README's connctl section
// documents each with a session transcript.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/databricks"
	"github.com/govkit/connections/connectors/postgres"
	"github.com/govkit/connections/connectors/snowflake"
	"github.com/govkit/connections/connectors/trino"
	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		environ: os.Environ(),
		technologies: []connectors.Technology{
			postgres.Technology(),
			snowflake.Technology(),
			trino.Technology(),
			databricks.Technology(),
		},
		openStore: openStore,
		progressTTY: func() (io.Writer, int, bool) {
			fd := int(os.Stderr.Fd())
			if !term.IsTerminal(fd) {
				return nil, 0, false
			}
			width, _, err := term.GetSize(fd)
			if err != nil || width <= 0 {
				width = 80
			}
			return os.Stderr, width, true
		},
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
