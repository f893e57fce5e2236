package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sync"
	"time"

	"github.com/govkit/connections"
	objsync "github.com/govkit/connections/sync"
)

// scheduleEvent is one line of "schedule --json" output (JSON Lines).
type scheduleEvent struct {
	// Event is "scheduled", "synced", "skipped" or "stopped".
	Event      string      `json:"event"`
	Time       time.Time   `json:"time"`
	Connection string      `json:"connection,omitempty"`
	NextRun    *time.Time  `json:"next_run,omitempty"`
	Report     *reportView `json:"report,omitempty"`
	Error      string      `json:"error,omitempty"`
}

func scheduleCmd() *command {
	return &command{
		name:     "schedule",
		synopsis: "[--for DURATION] [--rescan DURATION]",
		summary:  "run the periodic sync of every connection on its schedule until interrupted (admins)",
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var forD, rescan time.Duration
			fs.DurationVar(&forD, "for", 0, "stop after this `duration` (0: run until interrupted)")
			fs.DurationVar(&rescan, "rescan", 0, "read the connections again this `often`, to see new ones and changed schedules (default 1m)")
			return func(ctx context.Context, inv *invocation, _ []string) error {
				admin, err := inv.svc.IsAdmin(ctx, inv.actor)
				if err != nil {
					return err
				}
				if !admin {
					return fmt.Errorf("schedule: %s may not run the periodic sync of every connection (admins only): %w", inv.actor, connections.ErrPermissionDenied)
				}
				if forD < 0 || rescan < 0 {
					return usageErrorf("--for and --rescan must not be negative")
				}
				conns, err := inv.svc.List(ctx, inv.actor)
				if err != nil {
					return err
				}
				inv.emitted = true
				var mu sync.Mutex
				say := func(ev scheduleEvent, human string) {
					mu.Lock()
					defer mu.Unlock()
					ev.Time = inv.app.now().UTC()
					if inv.g.json {
						b, err := json.Marshal(ev)
						if err == nil {
							fmt.Fprintf(inv.app.stdout, "%s\n", b)
						}
						return
					}
					fmt.Fprintf(inv.app.stdout, "%s  %s\n", ev.Time.Format(time.RFC3339), human)
				}
				now := inv.app.now()
				for _, c := range conns {
					next := objsync.NextRun(c.Settings.Schedule, now).UTC()
					say(scheduleEvent{Event: "scheduled", Connection: c.Key, NextRun: &next},
						fmt.Sprintf("%s: next sync at %s", c.Key, next.Format(time.RFC3339)))
				}
				if len(conns) == 0 {
					say(scheduleEvent{Event: "scheduled"}, "no connections yet; looking for new ones every rescan")
				}
				cancel := inv.svc.Engine().Subscribe(func(ev objsync.Event) {
					if ev.Kind != objsync.EventSkipped {
						return
					}
					msg := ""
					if ev.Err != nil {
						msg = ev.Err.Error()
					}
					say(scheduleEvent{Event: "skipped", Connection: ev.Connection, Error: msg},
						fmt.Sprintf("%s: skipped a slot: %s", ev.Connection, msg))
				})
				defer cancel()
				sched := objsync.NewScheduler(inv.svc.Engine(), &objsync.SchedulerOptions{
					Clock:  inv.app.clock,
					Rescan: rescan,
					Logger: inv.log,
					OnResult: func(key string, rep *objsync.Report, err error) {
						ev := scheduleEvent{Event: "synced", Connection: key}
						human := key + ": "
						if rep != nil {
							v := newReportView(rep)
							ev.Report = &v
							c := rep.Counts
							human += fmt.Sprintf("synced in %s: added %d, deleted remotely %d, reactivated %d; columns +%d -%d ~%d; requests %d, failed %d",
								rep.Duration.Round(time.Millisecond), c.Added, c.Deleted, c.Reactivated, c.ColumnsAdded, c.ColumnsDeleted, c.ColumnsChanged, c.Requests, c.Failed)
						}
						if err != nil {
							ev.Error = err.Error()
							human += " error: " + err.Error()
						}
						say(ev, human)
					},
				})
				runCtx := ctx
				if forD > 0 {
					var stop context.CancelFunc
					runCtx, stop = context.WithTimeout(ctx, forD)
					defer stop()
				}
				if err := sched.Run(runCtx); err != nil {
					return err
				}
				say(scheduleEvent{Event: "stopped"}, "stopped")
				return nil
			}
		},
	}
}
