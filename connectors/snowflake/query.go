package snowflake

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/govkit/connections/internal/retry"
	"github.com/govkit/connections/internal/sqlmeta"
)

// collect runs q with args and converts every row with conv. A failure
// worth retrying (see classify) sends the query again, with backoff,
// until the attempts are used up or ctx ends; each attempt starts from
// an empty result. The error is the driver's or conv's, unwrapped: the
// caller wraps it with c.fail.
func collect[T any](ctx context.Context, c *Connector, op, path, q string, args []any, conv func(sqlmeta.Record) (T, error)) ([]T, error) {
	var out []T
	attempt := 0
	err := retry.Do(ctx, c.policy, func(ctx context.Context) error {
		attempt++
		out = nil
		start := time.Now()
		err := c.queryOnce(ctx, q, args, func(r sqlmeta.Record) error {
			v, err := conv(r)
			if err != nil {
				return &rowError{err}
			}
			out = append(out, v)
			return nil
		})
		if err == nil {
			c.log.DebugContext(ctx, "snowflake: query", "step", op, "object", path, "rows", len(out),
				"duration", time.Since(start), "attempt", attempt)
			return nil
		}
		var re *rowError
		if errors.As(err, &re) {
			return re.err
		}
		if _, transient := classify(err); transient && ctx.Err() == nil {
			c.log.WarnContext(ctx, "snowflake: transient failure, will retry", "step", op, "object", path,
				"attempt", attempt, "error", c.redact.redact(err.Error()))
			return retry.Transient(err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rowError marks an error of a row conversion: bad data, never retried.
type rowError struct{ err error }

func (e *rowError) Error() string { return e.err.Error() }
func (e *rowError) Unwrap() error { return e.err }

func (c *Connector) queryOnce(ctx context.Context, q string, args []any, fn func(sqlmeta.Record) error) error {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	return sqlmeta.Scan(rows, fn)
}

// pageRow is one row of a SHOW page: its name, the converted value, and
// whether to keep it.
type pageRow[T any] struct {
	name string
	v    T
	keep bool
}

// show runs a SHOW command page by page, Snowflake's way around its cap of
// 10,000 rows per SHOW: stmt + " LIMIT n", then stmt + " LIMIT n FROM
// '<last name>'", until a page comes back shorter than n. The cursor is
// case-sensitive and matched by name, so stmt must be scoped to one
// container. A first row equal to the cursor (an overlap) is dropped.
// conv converts each row; rows it does not keep still count towards the
// page length. The error is wrapped with op and path.
func show[T any](ctx context.Context, c *Connector, op, path, stmt string, conv func(r sqlmeta.Record, name string) (T, bool, error)) ([]T, error) {
	var out []T
	cursor, hasCursor := "", false
	seen := map[string]bool{}
	limit := " LIMIT " + strconv.Itoa(c.pageSize)
	for {
		q := stmt + limit
		if hasCursor {
			q += " FROM " + showLiteral(cursor)
		}
		page, err := collect(ctx, c, op, path, q, nil, func(r sqlmeta.Record) (pageRow[T], error) {
			name := r.String("name")
			if name == "" {
				if !r.Has("name") {
					return pageRow[T]{}, errors.New("unexpected SHOW output: no name column")
				}
				return pageRow[T]{}, errors.New("unexpected SHOW output: a row without a name")
			}
			v, keep, err := conv(r, name)
			return pageRow[T]{name: name, v: v, keep: keep}, err
		})
		if err != nil {
			return nil, c.fail(ctx, op, path, err)
		}
		rows := page
		if hasCursor && len(rows) > 0 && rows[0].name == cursor {
			rows = rows[1:]
		}
		for _, r := range rows {
			if r.keep {
				out = append(out, r.v)
			}
		}
		if len(page) < c.pageSize {
			return out, nil
		}
		last := page[len(page)-1].name
		if seen[last] {
			return nil, c.fail(ctx, op, path, errors.New("SHOW paging made no progress: a page ended on a name already seen as the cursor "+strconv.Quote(last)))
		}
		seen[last] = true
		cursor, hasCursor = last, true
	}
}

// showLiteral quotes a name as a Snowflake string literal for SHOW ...
// FROM: a single quote doubled, and a backslash doubled because
// Snowflake reads backslash escapes in string constants.
func showLiteral(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}
