package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

// app is everything a run of connctl depends on, wired by main (and by the
// tests, which swap the store, the technologies and the terminal).
type app struct {
	stdout, stderr io.Writer
	// environ is the process environment, KEY=VALUE.
	environ []string
	// technologies are the platforms connctl can register.
	technologies []connectors.Technology
	// openStore opens the store named by --store.
	openStore func(ctx context.Context, spec string, log *slog.Logger) (store.Store, error)
	// progressTTY returns where to draw the sync progress bar and the
	// terminal's width, or false when stderr is not a terminal.
	progressTTY func() (io.Writer, int, bool)
	// clock is what schedule waits on; nil means the real clock.
	clock objsync.Clock
}

// now returns the time on the app's clock.
func (a *app) now() time.Time {
	if a.clock != nil {
		return a.clock.Now()
	}
	return time.Now()
}

// getenv returns the value of the environment variable name, or "".
func (a *app) getenv(name string) string {
	for _, kv := range a.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// command is one subcommand of connctl.
type command struct {
	name     string
	synopsis string // arguments and flags, after the name
	summary  string
	// minArgs and maxArgs bound the positional arguments; maxArgs < 0
	// means no limit.
	minArgs, maxArgs int
	// setup defines the command's own flags on fs and returns the function
	// that runs it once the flags are parsed.
	setup func(fs *flag.FlagSet) func(ctx context.Context, inv *invocation, args []string) error
}

// commands returns the commands in the order help lists them.
func commands() []*command {
	return []*command{
		registerCmd(), listCmd(), treeCmd(), showCmd(), syncCmd(),
		enableCmd("enable"), enableCmd("disable"), enableCmd("inherit"),
		deleteCmd(), grantCmd("grant"), grantCmd("revoke"), tagsCmd(),
		policyCmd(), requestsCmd(), validateCmd(), settingsCmd(),
		deregisterCmd(), adminsCmd(), scheduleCmd(),
	}
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// invocation is one run of one command: its options, output and service.
type invocation struct {
	app   *app
	g     *globals
	cmd   *command
	actor perms.Principal
	svc   *connection.Service
	creds *credentials
	log   *slog.Logger
	// emitted reports that the command printed its result.
	emitted bool
}

// run runs connctl with the arguments (without the program name) and
// returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	g := newGlobals(a.getenv)
	top := flag.NewFlagSet("connctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	g.bind(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printHelp(a.stdout)
			return exitOK
		}
		return a.fail(g, nil, usageErrorf("%v", err), true)
	}
	rest := top.Args()
	if len(rest) == 0 {
		a.printHelp(a.stderr)
		return a.fail(g, nil, usageErrorf("no command given"), false)
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		return a.help(g, rest)
	}
	cmd := findCommand(name)
	if cmd == nil {
		return a.fail(g, nil, usageErrorf("unknown command %q (run \"connctl help\" for the list)", name), false)
	}
	fs := flag.NewFlagSet("connctl "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.bind(fs)
	runFn := cmd.setup(fs)
	pos, err := parseInterspersed(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printCommandHelp(a.stdout, cmd, fs)
			return exitOK
		}
		return a.fail(g, cmd, usageErrorf("%v", err), true)
	}
	if len(pos) < cmd.minArgs || (cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs) {
		return a.fail(g, cmd, usageErrorf("%s takes %s", cmd.name, argCount(cmd.minArgs, cmd.maxArgs)), true)
	}
	inv := &invocation{app: a, g: g, cmd: cmd}
	if err := inv.prepare(); err != nil {
		return a.fail(g, cmd, err, false)
	}
	if g.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	err = inv.open(ctx)
	if err == nil {
		defer inv.close()
		err = runFn(ctx, inv, pos)
	}
	if err != nil {
		if inv.emitted && g.json {
			// The result is on stdout already; say why it failed on stderr.
			return a.fail(&globals{}, cmd, err, false)
		}
		return a.fail(g, cmd, err, false)
	}
	return exitOK
}

// prepare checks the actor and reads the credentials, before anything
// touches the store.
func (inv *invocation) prepare() error {
	actor, err := inv.g.principal()
	if err != nil {
		return err
	}
	inv.actor = actor
	creds, err := loadCredentials(inv.app.environ, inv.g.credFile)
	if err != nil {
		return err
	}
	inv.creds = creds
	for _, w := range creds.warnings {
		fmt.Fprintf(inv.app.stderr, "connctl: warning: %s\n", w)
	}
	return nil
}

// open opens the store and the service.
func (inv *invocation) open(ctx context.Context) error {
	inv.log = slog.New(slog.DiscardHandler)
	if inv.g.verbose {
		inv.log = slog.New(slog.NewTextHandler(inv.app.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st, err := inv.app.openStore(ctx, inv.g.store, inv.log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	reg, err := connectors.NewRegistry(inv.app.technologies...)
	if err != nil {
		_ = st.Close()
		return fmt.Errorf("technologies: %w", err)
	}
	svc, err := connection.New(ctx, st, reg, &connection.Options{
		Credentials: inv.creds.lookup,
		Logger:      inv.log,
	})
	if err != nil {
		_ = st.Close()
		return err
	}
	inv.svc = svc
	return nil
}

func (inv *invocation) close() {
	if inv.svc != nil {
		if err := inv.svc.Store().Close(); err != nil {
			fmt.Fprintf(inv.app.stderr, "connctl: warning: close store: %v\n", err)
		}
	}
}

// emit prints the command's result: v as JSON with --json, human(w)
// otherwise.
func (inv *invocation) emit(v any, human func(w io.Writer)) error {
	inv.emitted = true
	if inv.g.json {
		return writeJSON(inv.app.stdout, v)
	}
	human(inv.app.stdout)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fail reports err and returns its exit code. With --json the error is
// also written to stdout as {"error", "code", "exit_code"}; withUsage adds a
// hint on how to get help.
func (a *app) fail(g *globals, cmd *command, err error, withUsage bool) int {
	code, kind := classify(err)
	fmt.Fprintf(a.stderr, "connctl: %v\n", err)
	if withUsage {
		if cmd != nil {
			fmt.Fprintf(a.stderr, "usage: connctl %s %s\nrun \"connctl help %s\" for details\n", cmd.name, cmd.synopsis, cmd.name)
		} else {
			fmt.Fprintln(a.stderr, "run \"connctl help\" for usage")
		}
	}
	if g != nil && g.json {
		_ = writeJSON(a.stdout, errorView{Error: err.Error(), Code: kind, ExitCode: code})
	}
	return code
}

func argCount(minArgs, maxArgs int) string {
	switch {
	case minArgs == 0 && maxArgs == 0:
		return "no arguments"
	case minArgs == maxArgs:
		return fmt.Sprintf("exactly %d argument(s)", minArgs)
	case maxArgs < 0:
		return fmt.Sprintf("at least %d argument(s)", minArgs)
	default:
		return fmt.Sprintf("%d to %d arguments", minArgs, maxArgs)
	}
}

// help prints the list of commands, or one command's help.
func (a *app) help(g *globals, args []string) int {
	if len(args) == 0 {
		a.printHelp(a.stdout)
		return exitOK
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		return a.fail(g, nil, usageErrorf("unknown command %q", args[0]), false)
	}
	fs := flag.NewFlagSet("connctl "+cmd.name, flag.ContinueOnError)
	cmd.setup(fs)
	a.printCommandHelp(a.stdout, cmd, fs)
	return exitOK
}

func (a *app) printHelp(w io.Writer) {
	fmt.Fprint(w, `connctl drives govkit/connections: register a data platform as a connection,
browse and sync it, enable data sources, grant Data Owner, tag, validate.

usage: connctl [global flags] <command> [flags] [arguments]

commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `  help        show help for a command: connctl help <command>

global flags (also accepted after the command):
`)
	fs := flag.NewFlagSet("connctl", flag.ContinueOnError)
	newGlobals(func(string) string { return "" }).bind(fs)
	printFlags(w, fs)
	fmt.Fprint(w, `
paths use the text form key.database.schema.table; write \. for a period and
\\ for a backslash inside a name (quote them for the shell).

credentials (never stored): GOVKIT_CRED_<KEY>__<NAME>=value, e.g.
GOVKIT_CRED_PROD_PG__PASSWORD (the key upper-cased, "-" as "_"); tag
credentials GOVKIT_TAGCRED_<KEY>__<NAME>; or a file named by
--credentials-file / GOVKIT_CREDENTIALS_FILE.

exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 permission denied,
4 not found, 5 sync finished with failed subtrees.
`)
}

func (a *app) printCommandHelp(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: connctl %s %s\n\n%s\n", cmd.name, cmd.synopsis, cmd.summary)
	global := flag.NewFlagSet("", flag.ContinueOnError)
	newGlobals(func(string) string { return "" }).bind(global)
	own := flag.NewFlagSet("", flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if global.Lookup(f.Name) == nil {
			own.Var(f.Value, f.Name, f.Usage)
			own.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	if n := countFlags(own); n > 0 {
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, own)
	}
	fmt.Fprintln(w, "\nglobal flags: run \"connctl help\".")
}

func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}

// printFlags prints flags as "  --name value   usage (default x)".
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var lines [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if name != "" {
			left += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		lines = append(lines, [2]string{left, usage})
	})
	sort.SliceStable(lines, func(i, j int) bool { return lines[i][0] < lines[j][0] })
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
	}
}

// durationOrZero formats d for people, or "-" when it is zero.
func durationOrZero(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.String()
}
