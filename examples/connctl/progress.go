package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/govkit/connections/hierarchy"
	objsync "github.com/govkit/connections/sync"
)

// progressBar draws a sync's progress on a terminal, on one line it
// rewrites. The total is estimated from what the store holds under the
// synced object (databases, schemas and tables); a first sync, or one that
// finds more than the store had, shows no percentage.
type progressBar struct {
	mu       sync.Mutex
	w        io.Writer
	width    int
	total    int64
	last     time.Time
	drawn    bool
	finished bool
}

// newProgressBar returns a bar for a sync of path, or nil when stderr is
// not a terminal.
func (inv *invocation) newProgressBar(ctx context.Context, path hierarchy.Path) *progressBar {
	if inv.app.progressTTY == nil {
		return nil
	}
	w, width, ok := inv.app.progressTTY()
	if !ok {
		return nil
	}
	b := &progressBar{w: w, width: max(width, 40)}
	if obj, err := inv.svc.Object(ctx, inv.actor, path); err == nil {
		b.total = obj.Descendants
	}
	return b
}

// update is the RunOptions.Progress callback.
func (b *progressBar) update(p objsync.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	now := time.Now()
	if b.drawn && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last, b.drawn = now, true
	done := p.Databases + p.Schemas + p.Tables
	text := fmt.Sprintf(" %d db, %d schemas (%d done), %d tables, %d columns  %s",
		p.Databases, p.Schemas, p.SchemasDone, p.Tables, p.Columns, p.Elapsed.Round(100*time.Millisecond))
	barWidth := min(30, b.width-len(text)-8)
	var bar string
	switch {
	case barWidth < 5:
		bar = ""
	case b.total > 0 && done <= b.total:
		frac := float64(done) / float64(b.total)
		frac = min(frac, 0.99) // the sync still compares and writes
		full := int(frac * float64(barWidth))
		bar = fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", full), strings.Repeat("-", barWidth-full), int(frac*100))
	default:
		pos := int(p.Elapsed/(200*time.Millisecond)) % barWidth
		bar = "[" + strings.Repeat("-", pos) + "#" + strings.Repeat("-", barWidth-pos-1) + "]"
	}
	line := bar + text
	if len(line) > b.width-1 {
		line = line[:b.width-1]
	}
	fmt.Fprintf(b.w, "\r\033[K%s", line)
}

// finish clears the bar's line. It is safe on a nil bar.
func (b *progressBar) finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished = true
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
