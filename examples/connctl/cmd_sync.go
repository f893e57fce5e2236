package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/govkit/connections/hierarchy"
	objsync "github.com/govkit/connections/sync"
)

// maxListed is how many entries of each list of a report the human
// summary prints.
const maxListed = 20

func syncCmd() *command {
	return &command{
		name:     "sync",
		synopsis: "[PATH] [--dry-run] [--wait] [--no-progress]",
		summary:  "sync PATH (a connection or any object in it) with the platform; without PATH every connection (admins) or every object you own",
		maxArgs:  1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var dryRun, wait, noProgress bool
			fs.BoolVar(&dryRun, "dry-run", false, "compute the report without writing anything")
			fs.BoolVar(&wait, "wait", false, "wait for a sync of the same connection that is running instead of failing")
			fs.BoolVar(&noProgress, "no-progress", false, "draw no progress bar, even on a terminal")
			return func(ctx context.Context, inv *invocation, args []string) error {
				var paths []hierarchy.Path
				if len(args) == 1 {
					p, err := parseObjectPath(args[0])
					if err != nil {
						return err
					}
					paths = []hierarchy.Path{p}
				} else {
					var err error
					if paths, err = inv.syncRoots(ctx); err != nil {
						return err
					}
				}
				var reports []reportView
				var errs []error
				var partial error
				for _, p := range paths {
					ro := &objsync.RunOptions{DryRun: dryRun, Wait: wait}
					var bar *progressBar
					if !noProgress && !inv.g.json {
						bar = inv.newProgressBar(ctx, p)
						if bar != nil {
							ro.Progress = bar.update
						}
					}
					rep, err := inv.svc.Sync(ctx, inv.actor, p, ro)
					bar.finish()
					if rep != nil {
						reports = append(reports, newReportView(rep))
						if pe := newPartialError(rep); pe != nil && partial == nil {
							partial = pe
						}
						if !inv.g.json {
							inv.emitted = true
							printReport(inv.app.stdout, rep)
						}
					}
					if err != nil {
						if len(args) == 1 {
							if rep != nil && inv.g.json {
								// Cut short (cancelled): print what was done.
								if werr := inv.emit(reports[0], nil); werr != nil {
									return errors.Join(err, werr)
								}
							}
							return err
						}
						fmt.Fprintf(inv.app.stderr, "connctl: %v\n", err)
						errs = append(errs, err)
					}
				}
				if inv.g.json {
					var v any
					if len(args) == 1 {
						v = reports[0]
					} else {
						if reports == nil {
							reports = []reportView{}
						}
						errViews := make([]errorView, 0, len(errs))
						for _, e := range errs {
							code, kind := classify(e)
							errViews = append(errViews, errorView{Error: e.Error(), Code: kind, ExitCode: code})
						}
						v = struct {
							Reports []reportView `json:"reports"`
							Errors  []errorView  `json:"errors"`
						}{reports, errViews}
					}
					if err := inv.emit(v, nil); err != nil {
						return err
					}
				} else if len(paths) == 0 {
					inv.emitted = true
					fmt.Fprintln(inv.app.stdout, "Nothing to sync.")
				}
				if len(errs) > 0 {
					return errs[0]
				}
				return partial
			}
		},
	}
}

// syncRoots returns what "sync" without a path syncs: every connection
// for admins, and for others the top-most objects they own.
func (inv *invocation) syncRoots(ctx context.Context) ([]hierarchy.Path, error) {
	admin, err := inv.svc.IsAdmin(ctx, inv.actor)
	if err != nil {
		return nil, err
	}
	if admin {
		conns, err := inv.svc.List(ctx, inv.actor)
		if err != nil {
			return nil, err
		}
		var out []hierarchy.Path
		for _, c := range conns {
			out = append(out, hierarchy.Path{c.Key})
		}
		return out, nil
	}
	ids, err := inv.svc.Resolver().OwnedRoots(ctx, inv.actor, "")
	if err != nil {
		return nil, err
	}
	var paths []hierarchy.Path
	for _, id := range ids {
		o, err := inv.svc.Store().Object(ctx, id)
		if err != nil {
			return nil, err
		}
		paths = append(paths, o.Path)
	}
	slices.SortFunc(paths, hierarchy.Path.Compare)
	var out []hierarchy.Path
	for _, p := range paths {
		if len(out) > 0 && p.HasPrefix(out[len(out)-1]) {
			continue // under an object synced already
		}
		out = append(out, p)
	}
	return out, nil
}

// crawled writes "1 database, 2 schemas, 5 tables, 20 columns", leaving
// out the levels of which nothing was listed.
func crawled(r *objsync.Report) string {
	var parts []string
	for _, c := range []struct {
		n    int64
		what string
	}{{r.Counts.Databases, "database"}, {r.Counts.Schemas, "schema"}, {r.Counts.Tables, "table"}, {r.Counts.Columns, "column"}} {
		if c.n > 0 {
			parts = append(parts, plural(c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// printReport prints the summary of a sync report.
func printReport(w io.Writer, r *objsync.Report) {
	what := r.Root.String()
	if len(r.Root) <= 1 {
		what = r.Connection + " (whole connection)"
	}
	verb := "Synced " + what
	if r.DryRun {
		verb = "Dry run of " + what + " (nothing written)"
	}
	fmt.Fprintf(w, "%s in %s: crawled %s", verb, r.Duration.Round(time.Millisecond), crawled(r))
	if r.Counts.Unchanged > 0 {
		fmt.Fprintf(w, "; %s unchanged", plural(r.Counts.Unchanged, "schema"))
	}
	fmt.Fprintln(w)
	c := r.Counts
	fmt.Fprintf(w, "  added %d, deleted remotely %d, reactivated %d, updated %d; columns +%d -%d ~%d; requests %d, conflicts %d, failed %d\n",
		c.Added, c.Deleted, c.Reactivated, c.Updated, c.ColumnsAdded, c.ColumnsDeleted, c.ColumnsChanged, c.Requests, c.Conflicts, c.Failed)
	objects := func(sign string, cs []objsync.ObjectChange, note string) {
		for i, o := range cs {
			if i == maxListed {
				fmt.Fprintf(w, "  ... and %d more\n", len(cs)-maxListed)
				break
			}
			fmt.Fprintf(w, "  %s %s  %s%s\n", sign, o.Path, o.Type, note)
		}
	}
	objects("+", r.Added, "")
	objects("-", r.Deleted, "  (deleted remotely)")
	objects("↺", r.Reactivated, "  (reactivated)")
	columns := func(sign string, cs []objsync.ColumnChange) {
		for i, cc := range cs {
			if i == maxListed {
				fmt.Fprintf(w, "  ... and %d more\n", len(cs)-maxListed)
				break
			}
			col := cc.Table.Child(cc.Column)
			switch {
			case cc.Old == nil && cc.New != nil:
				fmt.Fprintf(w, "  %s %s  %s\n", sign, col, cc.New.Type)
			case cc.New == nil && cc.Old != nil:
				fmt.Fprintf(w, "  %s %s  %s\n", sign, col, cc.Old.Type)
			case cc.Old != nil && cc.New != nil:
				fmt.Fprintf(w, "  %s %s  %s\n", sign, col, columnChange(cc.Old, cc.New))
			}
		}
	}
	columns("+", r.ColumnsAdded)
	columns("-", r.ColumnsDeleted)
	columns("~", r.ColumnsChanged)
	for i, q := range r.Requests {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %d more\n", len(r.Requests)-maxListed)
			break
		}
		fmt.Fprintf(w, "  request %s  %s %s\n", q.ID, q.Kind, q.Table.Child(q.Column))
	}
	for _, cf := range r.Conflicts {
		fmt.Fprintf(w, "  conflict: %s lists %d %ss named %q\n", cf.Container, cf.Count, cf.Kind, cf.Name)
	}
	printFailures(w, r)
	if r.Truncated {
		fmt.Fprintln(w, "  (lists truncated; counts are complete)")
	}
}

func printFailures(w io.Writer, r *objsync.Report) {
	for _, f := range r.Failed {
		fmt.Fprintf(w, "  FAILED %s (%s): %s\n", f.Path, f.Op, strings.TrimSpace(f.Error))
	}
}

// columnChange describes how a column changed: "text -> varchar(100)",
// "position 3 -> 2", "nullable -> not null".
func columnChange(old, new *hierarchy.Column) string {
	var parts []string
	if old.Type != new.Type {
		parts = append(parts, old.Type+" -> "+new.Type)
	}
	if old.Position != new.Position {
		parts = append(parts, fmt.Sprintf("position %d -> %d", old.Position, new.Position))
	}
	if old.Nullable != new.Nullable {
		parts = append(parts, nullability(old.Nullable)+" -> "+nullability(new.Nullable))
	}
	if old.Comment != new.Comment {
		parts = append(parts, "comment changed")
	}
	if len(parts) == 0 {
		return "changed"
	}
	return strings.Join(parts, ", ")
}

func nullability(nullable bool) string {
	if nullable {
		return "nullable"
	}
	return "not null"
}
