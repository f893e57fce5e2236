package sync

import (
	"context"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// errSlotSkipped is the Err of an EventSkipped.
var errSlotSkipped = fmt.Errorf("%w: the previous periodic sync is still running", connections.ErrSyncInProgress)

// Default schedule (B6): every 24 hours at 01:00 UTC.
const (
	DefaultInterval = 24 * time.Hour
	DefaultOffset   = time.Hour
	// MinInterval is the shortest interval a schedule may have; shorter
	// ones are raised to it.
	MinInterval = time.Minute
	// DefaultRescan is how often a Scheduler reads the connections again to
	// see new ones and changed schedules.
	DefaultRescan = time.Minute
)

// Clock tells the time and waits. Tests give a Scheduler a fake clock so
// that they need no real waiting.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// NextRun returns the first time after t at which a schedule runs: the
// times Offset + k × Interval after the Unix epoch (midnight UTC), so
// that an Interval of 24 hours runs every day at Offset past midnight
// UTC. A zero schedule is the default, every 24 hours at 01:00 UTC; a zero
// or negative Interval with an Offset is every 24 hours at Offset; an
// Interval under MinInterval is MinInterval; a negative Offset is zero.
func NextRun(s store.Schedule, t time.Time) time.Time {
	iv, off := s.Interval, s.Offset
	if iv <= 0 {
		iv = DefaultInterval
		if s.Offset == 0 {
			off = DefaultOffset
		}
	}
	iv = max(iv, MinInterval)
	off = max(off, 0) % iv
	since := t.Sub(time.Unix(0, 0).UTC().Add(off))
	k := since / iv
	if since >= 0 || since%iv == 0 {
		k++
	}
	return time.Unix(0, 0).UTC().Add(off + k*iv)
}

// SchedulerOptions configure a Scheduler. A nil *SchedulerOptions, and
// zero fields, mean the defaults.
type SchedulerOptions struct {
	// Clock tells the time and waits; nil means the real clock.
	Clock Clock
	// Rescan is how often the connections are read again; zero means
	// DefaultRescan.
	Rescan time.Duration
	// OnResult, when set, is called with the outcome of each periodic sync,
	// from the goroutine that ran it.
	OnResult func(key string, rep *Report, err error)
	// Logger receives the scheduler's logs; nil means the engine's.
	Logger *slog.Logger
}

// Scheduler runs the periodic sync of every active connection of an
// engine's store on the connection's Settings.Schedule (B6, B10). It acts
// as the system: it checks no permissions. A slot that comes while the
// connection's previous sync is still running is skipped (and reported by
// an EventSkipped), so a sync that overruns is never started twice.
type Scheduler struct {
	e        *Engine
	clock    Clock
	rescan   time.Duration
	onResult func(string, *Report, error)
	log      *slog.Logger
}

// NewScheduler returns a scheduler over the engine. A nil engine gives a
// scheduler whose Run fails with connections.ErrInvalidInput.
func NewScheduler(e *Engine, opts *SchedulerOptions) *Scheduler {
	var o SchedulerOptions
	if opts != nil {
		o = *opts
	}
	s := &Scheduler{e: e, clock: o.Clock, rescan: o.Rescan, onResult: o.OnResult, log: o.Logger}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.rescan <= 0 {
		s.rescan = DefaultRescan
	}
	if s.log == nil && e != nil {
		s.log = e.log
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Run runs periodic syncs until ctx is done. Each connection first runs
// at the first slot of its schedule after Run sees it. When the store's
// connections cannot be read, Run keeps the slots it planned and reads
// again after Rescan; a slot that passed meanwhile runs then. When ctx is
// done, Run cancels the syncs it started (ctx is their parent), waits for
// them to return, and returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.e == nil {
		return connections.Wrap("sync: scheduler", "", fmt.Errorf("%w: no engine", connections.ErrInvalidInput))
	}
	var (
		wg      gosync.WaitGroup
		mu      gosync.Mutex
		running = map[string]bool{}
		next    = map[string]time.Time{}
	)
	defer wg.Wait()
	for {
		now := s.clock.Now()
		conns, err := s.e.st.Connections(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("sync scheduler: read connections; retrying after the rescan interval", "err", err)
			}
			// Keep the slots already planned: a connection whose slot
			// passes while the store cannot be read runs at the next
			// successful read, not a whole interval later.
			select {
			case <-ctx.Done():
				return nil
			case <-s.clock.After(s.rescan):
			}
			continue
		}
		seen := make(map[string]bool, len(conns))
		for _, c := range conns {
			if c.Status != store.StatusActive {
				continue
			}
			key := c.Key
			seen[key] = true
			slot := NextRun(c.Settings.Schedule, now)
			due, ok := next[key]
			if !ok || slot.Before(due) && due.After(now) {
				// New, or its schedule changed to an earlier slot.
				next[key] = slot
				continue
			}
			if now.Before(due) {
				continue
			}
			next[key] = slot
			mu.Lock()
			busy := running[key]
			if !busy {
				running[key] = true
			}
			mu.Unlock()
			if busy {
				s.log.Info("sync scheduler: previous sync still running; slot skipped", "connection", key, "slot", due)
				s.e.emit(Event{Kind: EventSkipped, Connection: key, Err: errSlotSkipped})
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rep, err := s.e.Sync(ctx, key, nil, nil)
				if err != nil {
					s.log.Warn("sync scheduler: sync did not run to the end", "connection", key, "err", err)
				}
				mu.Lock()
				delete(running, key)
				mu.Unlock()
				if s.onResult != nil {
					s.onResult(key, rep, err)
				}
			}()
		}
		for key := range next {
			if !seen[key] {
				delete(next, key)
			}
		}
		wait := s.rescan
		for _, due := range next {
			wait = min(wait, max(due.Sub(now), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.clock.After(wait):
		}
	}
}
