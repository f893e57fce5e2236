package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func noSleep(waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
}

func TestDo_RetriesTransientThenSucceeds(t *testing.T) {
	var waits []time.Duration
	calls := 0
	err := Do(context.Background(), Policy{Sleep: noSleep(&waits), Base: 100 * time.Millisecond}, func(context.Context) error {
		calls++
		if calls < 3 {
			return Transient(errors.New("busy"))
		}
		return nil
	})
	if err != nil || calls != 3 || len(waits) != 2 {
		t.Fatalf("err %v calls %d waits %v", err, calls, waits)
	}
	if waits[0] < 50*time.Millisecond || waits[0] > 100*time.Millisecond {
		t.Fatalf("first wait %v outside [50ms,100ms]", waits[0])
	}
}

func TestDo_StopsOnPermanentError(t *testing.T) {
	perm := errors.New("denied")
	calls := 0
	err := Do(context.Background(), Policy{}, func(context.Context) error { calls++; return perm })
	if !errors.Is(err, perm) || calls != 1 {
		t.Fatalf("err %v calls %d", err, calls)
	}
}

func TestDo_GivesUpAfterAttemptsWithCause(t *testing.T) {
	var waits []time.Duration
	cause := errors.New("503")
	calls := 0
	err := Do(context.Background(), Policy{Attempts: 3, Sleep: noSleep(&waits)}, func(context.Context) error {
		calls++
		return Transient(cause)
	})
	if err != cause || calls != 3 || IsTransient(err) {
		t.Fatalf("err %v calls %d", err, calls)
	}
}

func TestDo_HonoursRetryAfter(t *testing.T) {
	var waits []time.Duration
	calls := 0
	_ = Do(context.Background(), Policy{Sleep: noSleep(&waits)}, func(context.Context) error {
		calls++
		if calls == 1 {
			return TransientAfter(errors.New("429"), 7*time.Second)
		}
		return nil
	})
	if len(waits) != 1 || waits[0] != 7*time.Second {
		t.Fatalf("waits %v", waits)
	}
	err := Do(context.Background(), Policy{Sleep: noSleep(&waits), MaxRetryAfter: time.Second}, func(context.Context) error {
		return TransientAfter(errors.New("429 for an hour"), time.Hour)
	})
	if err == nil || err.Error() != "429 for an hour" {
		t.Fatalf("a Retry-After beyond MaxRetryAfter must fail at once: %v", err)
	}
}

func TestDo_ContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Base: time.Hour}, func(context.Context) error {
		calls++
		cancel()
		return Transient(errors.New("busy"))
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("err %v calls %d", err, calls)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if d, ok := ParseRetryAfter("3", now); !ok || d != 3*time.Second {
		t.Fatal("seconds")
	}
	if d, ok := ParseRetryAfter(now.Add(90*time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT"), now); !ok || d != 90*time.Second {
		t.Fatalf("date: %v %v", d, ok)
	}
	for _, bad := range []string{"", "-1", "soon"} {
		if _, ok := ParseRetryAfter(bad, now); ok {
			t.Errorf("ParseRetryAfter(%q) accepted", bad)
		}
	}
	if !HTTPStatusTransient(429) || HTTPStatusTransient(403) {
		t.Fatal("HTTPStatusTransient")
	}
}
