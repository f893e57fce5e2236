// Package retry runs remote calls again when they fail for a passing
// reason, with jittered exponential backoff that honours a server's
// Retry-After and the caller's context.
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Policy says how often and how long to retry. The zero value means the
// defaults: 5 attempts, 200 ms first delay, 10 s at most between attempts.
type Policy struct {
	// Attempts is the total number of calls, the first included.
	Attempts int
	// Base is the delay before the second attempt; it doubles each time.
	Base time.Duration
	// Max caps the delay between attempts (a Retry-After longer than Max
	// is still honoured, up to MaxRetryAfter).
	Max time.Duration
	// MaxRetryAfter caps how long a server's Retry-After may make us wait;
	// a longer one fails the call instead. Zero means one minute.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx is done; nil means a real timer. Tests
	// replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p Policy) withDefaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Base <= 0 {
		p.Base = 200 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 10 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Minute
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

// transientError marks an error worth retrying.
type transientError struct {
	err   error
	after time.Duration
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// Transient marks err as worth retrying. It returns nil for nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &transientError{err: err}
}

// TransientAfter marks err as worth retrying no sooner than after, as a
// server's Retry-After asks.
func TransientAfter(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &transientError{err: err, after: after}
}

// IsTransient reports whether err was marked worth retrying.
func IsTransient(err error) bool {
	var t *transientError
	return errors.As(err, &t)
}

// Do calls fn until it succeeds, returns an error not marked Transient,
// the attempts are used up, or ctx is done. It returns fn's last error
// (unmarked, so callers see the cause), or ctx's error if ctx ended the
// wait.
func Do(ctx context.Context, p Policy, fn func(ctx context.Context) error) error {
	p = p.withDefaults()
	delay := p.Base
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn(ctx)
		var t *transientError
		if err == nil || !errors.As(err, &t) {
			return err
		}
		if attempt >= p.Attempts {
			return t.err
		}
		if t.after > p.MaxRetryAfter {
			return t.err
		}
		wait := jitter(delay)
		if t.after > wait {
			wait = t.after
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return err
		}
		delay = min(delay*2, p.Max)
	}
}

// jitter returns a delay between d/2 and d ("equal jitter"), so that many
// clients backing off together spread out.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ParseRetryAfter reads an HTTP Retry-After value, in seconds or as an
// HTTP date, relative to now. It reports false for an empty or malformed
// value.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// HTTPStatusTransient reports whether an HTTP status is worth retrying:
// 429 Too Many Requests, 502, 503 and 504.
func HTTPStatusTransient(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
