package sync

import (
	"slices"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of events.
const (
	// EventStarted: a sync began (Root is set).
	EventStarted EventKind = "sync_started"
	// EventFinished: a sync ended; Report is set, and Err when it was cut
	// short.
	EventFinished EventKind = "sync_finished"
	// EventSkipped: the scheduler skipped a slot because the connection's
	// previous sync was still running; Err says why.
	EventSkipped EventKind = "sync_skipped"
	// EventObjectAdded, EventObjectDeleted and EventObjectReactivated: an
	// object was stored, marked deleted remotely, or reactivated (Object
	// is set).
	EventObjectAdded       EventKind = "object_added"
	EventObjectDeleted     EventKind = "object_deleted"
	EventObjectReactivated EventKind = "object_reactivated"
	// EventColumnAdded, EventColumnDeleted and EventColumnChanged: a data
	// dictionary changed (Column is set).
	EventColumnAdded   EventKind = "column_added"
	EventColumnDeleted EventKind = "column_deleted"
	EventColumnChanged EventKind = "column_changed"
	// EventRequestRaised: a validation request was raised (Request is set).
	EventRequestRaised EventKind = "request_raised"
	// EventConflict: a container lists a name more than once (Conflict is
	// set).
	EventConflict EventKind = "conflict"
	// EventSubtreeFailed: a subtree could not be synced (Failure is set).
	EventSubtreeFailed EventKind = "subtree_failed"
)

// Event is something a sync did, given to the handlers registered with
// Engine.Subscribe. Change events are emitted after the change is
// written; a dry run emits no events at all. Exactly one of the pointer
// fields is set, matching Kind (none for EventStarted).
type Event struct {
	Kind       EventKind      `json:"kind"`
	Connection string         `json:"connection"`
	Root       hierarchy.Path `json:"root,omitempty"`
	Time       time.Time      `json:"time"`
	Object     *ObjectChange  `json:"object,omitempty"`
	Column     *ColumnChange  `json:"column,omitempty"`
	Request    *RequestRef    `json:"request,omitempty"`
	Conflict   *Conflict      `json:"conflict,omitempty"`
	Failure    *Failure       `json:"failure,omitempty"`
	Report     *Report        `json:"report,omitempty"`
	// Err is why a sync ended early (EventFinished) or a slot was skipped
	// (EventSkipped).
	Err error `json:"-"`
}

type subscriber struct {
	fn func(Event)
}

// Subscribe registers fn to receive every event of every sync the Engine
// runs, until the returned cancel func is called (cancel is idempotent).
//
// Handlers are called one at a time, in the order events happen, from the
// goroutines doing the sync: a handler must return quickly (hand the event
// to a channel or queue if it has real work to do) and must not call the
// Engine's Sync or Subscribe, which would deadlock.
func (e *Engine) Subscribe(fn func(Event)) (cancel func()) {
	if fn == nil {
		return func() {}
	}
	s := &subscriber{fn: fn}
	e.subMu.Lock()
	list := append(slices.Clone(*e.subs.Load()), s)
	e.subs.Store(&list)
	e.subMu.Unlock()
	return func() {
		e.subMu.Lock()
		defer e.subMu.Unlock()
		list := slices.DeleteFunc(slices.Clone(*e.subs.Load()), func(x *subscriber) bool { return x == s })
		e.subs.Store(&list)
	}
}

// listening reports whether any handler is registered, so that callers
// can skip building events nobody receives.
func (e *Engine) listening() bool { return len(*e.subs.Load()) > 0 }

// emit hands ev to every handler, one event at a time.
func (e *Engine) emit(ev Event) {
	if !e.listening() {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	for _, s := range *e.subs.Load() {
		s.fn(ev)
	}
}
