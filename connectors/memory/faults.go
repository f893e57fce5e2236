package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// Method names a connector method, for counting calls and selecting faults.
type Method string

// The methods of a memory [Connector].
const (
	MethodHost           Method = "Host"
	MethodCheck          Method = "Check"
	MethodDatabases      Method = "Databases"
	MethodSchemas        Method = "Schemas"
	MethodTables         Method = "Tables"
	MethodTags           Method = "Tags"
	MethodDatabaseTables Method = "DatabaseTables"
)

// Call describes a call a connector is about to serve: its method and the
// database and schema it lists (empty above their level).
//
// DatabaseTables is one call with an empty Schema, then one step per
// schema, with Schema set, before that schema's tables are handed to fn:
// the hook runs at each step, and faults and latencies set for a schema
// apply at its step, so a test can fail or slow a DatabaseTables listing
// part way.
type Call struct {
	Method   Method
	Database string
	Schema   string
}

// String returns the call as Go would write it, such as
// Tables("sales", "public").
func (c Call) String() string {
	b := append([]byte(c.Method), '(')
	switch {
	case c.Schema != "":
		b = strconv.AppendQuote(b, c.Database)
		b = append(b, ", "...)
		b = strconv.AppendQuote(b, c.Schema)
	case c.Database != "":
		b = strconv.AppendQuote(b, c.Database)
	}
	return string(append(b, ')'))
}

// ErrInjected is the error of a [Fault] whose Err is nil.
var ErrInjected = errors.New("injected fault")

// ErrClosed is matched by the error of every call on a closed [Connector].
var ErrClosed = errors.New("connector closed")

// Fault makes the calls it selects fail. An empty Method, Database or
// Schema selects every value of it; a fault with a Schema selects only
// calls on that schema (Tables, Tags, and the steps of DatabaseTables).
type Fault struct {
	Method   Method
	Database string
	Schema   string
	// Err is the cause the call's error wraps, so errors.Is(err, Err)
	// holds; nil means ErrInjected. Wrap a connections sentinel or a
	// context error to mimic the platform.
	Err error
	// Times is how many of the next selected calls fail; 0 means every
	// one, for as long as the fault is in place.
	Times int
}

type fault struct {
	Fault
	left int // calls left to fail when Times > 0
}

type scope struct{ database, schema string }

// InjectFault puts a fault in place. Faults are tried in the order they
// were injected; the first that selects a call fails it. A negative Times
// is an error matching connections.ErrInvalidInput.
func (p *Platform) InjectFault(f Fault) error {
	if f.Times < 0 {
		return wrapOp("inject fault", fail(connections.ErrInvalidInput, "Times is %d; want 0 (always) or more", f.Times))
	}
	if f.Err == nil {
		f.Err = ErrInjected
	}
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.faults = append(p.faults, &fault{Fault: f, left: f.Times})
	return nil
}

// ClearFaults removes every fault.
func (p *Platform) ClearFaults() {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.faults = nil
}

// SetLatency sets how long every call waits before it is served, unless
// SetLatencyFor set another for its database or schema. A cancelled
// context ends the wait with an error matching ctx.Err(). Zero or less
// means none.
func (p *Platform) SetLatency(d time.Duration) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.latency = max(d, 0)
}

// SetLatencyFor sets the latency of calls on a database (schema empty:
// Schemas, and the Tables, Tags and DatabaseTables calls of all its
// schemas) or on one schema (Tables, Tags, and its DatabaseTables step).
// The most specific latency set applies; a negative d removes the setting.
func (p *Platform) SetLatencyFor(db, schema string, d time.Duration) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	if d < 0 {
		delete(p.latencies, scope{db, schema})
		return
	}
	if p.latencies == nil {
		p.latencies = make(map[scope]time.Duration)
	}
	p.latencies[scope{db, schema}] = d
}

// SetHook sets a function called before every call is served (see
// [Call] for DatabaseTables), after its latency; an error it returns fails
// the call, wrapped. nil removes the hook. The hook must be safe for
// concurrent use. It runs with no lock held, so it may script the
// platform, for example drop a schema while a DatabaseTables listing
// runs, or block until the test lets the call go on.
func (p *Platform) SetHook(hook func(ctx context.Context, c Call) error) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.hook = hook
}

// Calls returns how many calls of the method the platform's connectors
// received since the platform was made or ResetCalls was called, failed
// ones included. The steps of DatabaseTables are not counted.
func (p *Platform) Calls(m Method) int {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	return p.calls[m]
}

// ResetCalls sets every call count to zero.
func (p *Platform) ResetCalls() {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	clear(p.calls)
}

// RequireCredentials makes the platform accept only connectors opened
// with exactly these credentials (the same names and values); every call
// of others fails with an error matching connections.ErrPermissionDenied.
// nil accepts any credentials again.
func (p *Platform) RequireCredentials(creds connectors.Credentials) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.creds, p.needCreds = maps.Clone(creds), creds != nil
}

// RequireTagCredentials makes Tags calls require these credentials instead
// of those of RequireCredentials, as tag credentials may differ from the
// connection's (B20). nil makes Tags follow RequireCredentials again.
func (p *Platform) RequireTagCredentials(creds connectors.Credentials) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	p.tagCreds, p.needTag = maps.Clone(creds), creds != nil
}

// control counts a call (unless step) and returns its latency and the hook.
func (p *Platform) control(c Call, step bool) (time.Duration, func(context.Context, Call) error) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	if !step {
		if p.calls == nil {
			p.calls = make(map[Method]int)
		}
		p.calls[c.Method]++
	}
	if c.Schema != "" {
		if d, ok := p.latencies[scope{c.Database, c.Schema}]; ok {
			return d, p.hook
		}
		if step {
			return 0, p.hook // the call itself waited for the database's latency
		}
	}
	if c.Database != "" {
		if d, ok := p.latencies[scope{c.Database, ""}]; ok {
			return d, p.hook
		}
	}
	return p.latency, p.hook
}

// fault returns the error of the first fault that selects the call, and
// uses up one of its times. At a step only faults with a Schema apply.
func (p *Platform) fault(c Call, step bool) error {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	for i, f := range p.faults {
		if (f.Method != "" && f.Method != c.Method) || (f.Database != "" && f.Database != c.Database) ||
			(f.Schema != "" && f.Schema != c.Schema) || (step && f.Schema == "") {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left == 0 {
				p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
			}
		}
		return f.Err
	}
	return nil
}

// authorize checks a connector's credentials for a method.
func (p *Platform) authorize(m Method, creds connectors.Credentials) error {
	p.ctl.Lock()
	need, want := p.needCreds, p.creds
	if m == MethodTags && p.needTag {
		need, want = true, p.tagCreds
	}
	p.ctl.Unlock()
	if need && !maps.Equal(creds, want) {
		// Never name a value: only that the credentials were refused.
		return fmt.Errorf("platform %q refused the credentials: %w", p.name, connections.ErrPermissionDenied)
	}
	return nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
