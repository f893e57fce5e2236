package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
)

// secretWords are parts of config keys that look like secrets: those go in
// credentials, never in the stored configuration.
var secretWords = []string{"password", "passwd", "secret", "token", "private_key", "privatekey", "passphrase", "api_key", "apikey"}

// settingsFlags are the flags of register and settings that set a
// connection's settings.
type settingsFlags struct {
	interval, offset  time.Duration
	internalDatabase  string
	maxDeleteShare    float64
	impersonationRole string
	projectWorkspaces bool
	tableGrants       bool
}

func (s *settingsFlags) bind(fs *flag.FlagSet) {
	fs.DurationVar(&s.interval, "schedule-interval", 0, "periodic sync every `duration` (default 24h, at least 1m)")
	fs.DurationVar(&s.offset, "schedule-offset", 0, "periodic sync at this `duration` past midnight UTC (default 1h)")
	fs.StringVar(&s.internalDatabase, "internal-database", "", "the `name` of the library's own database, never ingested (default \"immuta\")")
	fs.Float64Var(&s.maxDeleteShare, "max-delete-share", 0, "refuse to mark more than this `share` (0-1) of a container deleted in one sync (0: no limit)")
	fs.StringVar(&s.impersonationRole, "impersonation-role", "", "turn user impersonation on through this `role` (where the technology supports it)")
	fs.BoolVar(&s.projectWorkspaces, "project-workspaces", false, "enable project workspaces (Snowflake only)")
	fs.BoolVar(&s.tableGrants, "table-grants", false, "Snowflake table grants are in use")
}

// apply sets the settings whose flags were given on fs (all of them when
// all is true) on base.
func (s *settingsFlags) apply(fs *flag.FlagSet, base connection.Settings, all bool) connection.Settings {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	given := func(name string) bool { return all || set[name] }
	if given("schedule-interval") {
		base.Schedule.Interval = s.interval
	}
	if given("schedule-offset") {
		base.Schedule.Offset = s.offset
	}
	if given("internal-database") {
		base.InternalDatabase = s.internalDatabase
	}
	if given("max-delete-share") {
		base.MaxDeleteShare = s.maxDeleteShare
	}
	if given("impersonation-role") {
		base.ImpersonationRole = s.impersonationRole
		base.Impersonation = s.impersonationRole != ""
	}
	if given("project-workspaces") {
		base.ProjectWorkspaces = s.projectWorkspaces
	}
	if given("table-grants") {
		base.TableGrants = s.tableGrants
	}
	return base
}

func registerCmd() *command {
	return &command{
		name:     "register",
		synopsis: "KEY --technology TECH [--name DISPLAY] [--config key=value]... [--allow-partial] [settings flags]",
		summary:  "register a data platform as a connection: check credentials, crawl it once, store its hierarchy (admins)",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var (
				tech, name   string
				cfg          keyValues
				allowPartial bool
				sf           settingsFlags
			)
			fs.StringVar(&tech, "technology", "", "the `technology`: postgres, snowflake, trino or databricks")
			fs.StringVar(&name, "name", "", "the display `name` (default the key)")
			fs.Var(&cfg, "config", "non-secret configuration `key=value` (repeat it)")
			fs.BoolVar(&allowPartial, "allow-partial", false, "keep the connection when parts of the platform cannot be listed")
			sf.bind(fs)
			return func(ctx context.Context, inv *invocation, args []string) error {
				key := args[0]
				if tech == "" {
					return usageErrorf("register needs --technology (one of %s)", strings.Join(inv.technologyNames(), ", "))
				}
				for k := range cfg.m {
					lk := strings.ToLower(k)
					for _, w := range secretWords {
						if strings.Contains(lk, w) {
							return usageErrorf("--config %s looks like a secret: secrets are never stored; set %s%s%s%s instead",
								k, envCredPrefix, envKey(key), envCredSeparator, strings.ToUpper(k))
						}
					}
				}
				if name == "" {
					name = key
				}
				settings := sf.apply(fs, connection.DefaultSettings(), false)
				conn, rep, err := inv.svc.Register(ctx, inv.actor, connection.Registration{
					Key:          key,
					DisplayName:  name,
					Technology:   tech,
					Config:       connectors.Config(cfg.m),
					Settings:     &settings,
					AllowPartial: allowPartial,
				})
				if err != nil {
					return err
				}
				out := struct {
					Connection connectionView `json:"connection"`
					Report     reportView     `json:"report"`
				}{newConnectionView(conn), newReportView(rep)}
				if err := inv.emit(out, func(w io.Writer) {
					fmt.Fprintf(w, "Registered %s %q (%s): %s in %s\n", conn.Key, conn.DisplayName, conn.Technology,
						crawled(rep), rep.Duration.Round(time.Millisecond))
					printFailures(w, rep)
				}); err != nil {
					return err
				}
				return newPartialError(rep)
			}
		},
	}
}

// technologyNames lists the technologies connctl can register.
func (inv *invocation) technologyNames() []string {
	var names []string
	for _, t := range inv.app.technologies {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}

func listCmd() *command {
	return &command{
		name:     "list",
		synopsis: "",
		summary:  "list the connections the actor may see",
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, _ []string) error {
				conns, err := inv.svc.List(ctx, inv.actor)
				if err != nil {
					return err
				}
				views := make([]connectionView, 0, len(conns))
				for _, c := range conns {
					views = append(views, newConnectionView(c))
				}
				return inv.emit(struct {
					Connections []connectionView `json:"connections"`
				}{views}, func(w io.Writer) {
					if len(conns) == 0 {
						fmt.Fprintln(w, "No connections.")
						return
					}
					tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "KEY\tTECHNOLOGY\tSTATUS\tLAST SYNC\tNAME")
					for _, c := range conns {
						last := "never"
						if !c.LastSync.IsZero() {
							last = c.LastSync.UTC().Format(time.RFC3339)
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Key, c.Technology, c.Status, last, c.DisplayName)
					}
					_ = tw.Flush()
				})
			}
		},
	}
}

func settingsCmd() *command {
	return &command{
		name:     "settings",
		synopsis: "KEY [settings flags]",
		summary:  "show a connection's settings, or change those whose flags are given (changes: admins)",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var sf settingsFlags
			sf.bind(fs)
			return func(ctx context.Context, inv *invocation, args []string) error {
				conn, err := inv.svc.Get(ctx, inv.actor, args[0])
				if err != nil {
					return err
				}
				changed := false
				fs.Visit(func(f *flag.Flag) { changed = changed || isSettingsFlag(f.Name) })
				if changed {
					if conn, err = inv.svc.UpdateSettings(ctx, inv.actor, conn.Key, sf.apply(fs, conn.Settings, false)); err != nil {
						return err
					}
				}
				return inv.emit(newConnectionView(conn), func(w io.Writer) {
					printConnection(w, conn)
				})
			}
		},
	}
}

func isSettingsFlag(name string) bool {
	switch name {
	case "schedule-interval", "schedule-offset", "internal-database", "max-delete-share",
		"impersonation-role", "project-workspaces", "table-grants":
		return true
	}
	return false
}

func printConnection(w io.Writer, c connection.Connection) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Key:\t%s\n", c.Key)
	fmt.Fprintf(tw, "Name:\t%s\n", c.DisplayName)
	fmt.Fprintf(tw, "Technology:\t%s\n", c.Technology)
	fmt.Fprintf(tw, "Status:\t%s\n", c.Status)
	keys := make([]string, 0, len(c.Config))
	for k := range c.Config {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "Config %s:\t%s\n", k, c.Config[k])
	}
	s := c.Settings
	fmt.Fprintf(tw, "Schedule:\tevery %s at %s past midnight UTC\n", durationOrZero(s.Schedule.Interval), durationOrZero(s.Schedule.Offset))
	imp := "off"
	if s.Impersonation {
		imp = "on, role " + s.ImpersonationRole
	}
	fmt.Fprintf(tw, "Impersonation:\t%s\n", imp)
	fmt.Fprintf(tw, "Project workspaces:\t%t\n", s.ProjectWorkspaces)
	fmt.Fprintf(tw, "Table grants:\t%t\n", s.TableGrants)
	internal := s.InternalDatabase
	if internal == "" {
		internal = connection.DefaultInternalDatabase
	}
	fmt.Fprintf(tw, "Internal database:\t%s\n", internal)
	if s.MaxDeleteShare > 0 {
		fmt.Fprintf(tw, "Max delete share:\t%g\n", s.MaxDeleteShare)
	}
	last := "never"
	if !c.LastSync.IsZero() {
		last = c.LastSync.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(tw, "Last sync:\t%s\n", last)
	_ = tw.Flush()
}

func deregisterCmd() *command {
	return &command{
		name:     "deregister",
		synopsis: "KEY",
		summary:  "delete a connection and everything under it from the store; the platform is not touched (admins)",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				if err := inv.svc.Deregister(ctx, inv.actor, args[0]); err != nil {
					return err
				}
				return inv.emit(struct {
					Deregistered string `json:"deregistered"`
				}{args[0]}, func(w io.Writer) {
					fmt.Fprintf(w, "Deregistered %s.\n", args[0])
				})
			}
		},
	}
}
