package pgstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/cursor"
	"github.com/govkit/connections/store"
)

const requestCols = `id, kind, connection, object_id, path, col, column_type, state, created_at, validated_at, validated_by`

func scanRequest(row pgx.Row) (store.Request, error) {
	var (
		r           store.Request
		kind, state string
		path        []string
		validated   pgtype.Timestamptz
	)
	if err := row.Scan(&r.ID, &kind, &r.Connection, &r.Object, &path, &r.Column, &r.ColumnType, &state, &r.CreatedAt, &validated, &r.ValidatedBy); err != nil {
		return r, err
	}
	r.Kind, r.State, r.CreatedAt = store.RequestKind(kind), store.RequestState(state), r.CreatedAt.UTC()
	if len(path) > 0 {
		r.Path = path
	}
	if validated.Valid {
		r.ValidatedAt = validated.Time.UTC()
	}
	return r, nil
}

// Request returns one request, or ErrNotFound.
func (s *Store) Request(ctx context.Context, id hierarchy.ID) (store.Request, error) {
	const op = "pgstore.Request"
	if err := ctxErr(ctx, op); err != nil {
		return store.Request{}, err
	}
	r, err := scanRequest(s.pool.QueryRow(ctx, s.q.expand(`SELECT `+requestCols+` FROM {s}.requests WHERE id = $1`), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Request{}, fail(op, id.String(), connections.ErrNotFound, "no request with ID %s", id)
	}
	if err != nil {
		return store.Request{}, dbErr(ctx, op, id.String(), err)
	}
	return r, nil
}

type reqCursor struct {
	T int64        `json:"t"` // Unix microseconds
	I hierarchy.ID `json:"i"`
}

// Requests returns up to page.Size() requests the filter selects, newest
// first (by CreatedAt, then ID), starting after the opaque cursor
// page.After, and the cursor of the next page ("" after the last).
func (s *Store) Requests(ctx context.Context, f store.RequestFilter, page store.Page) ([]store.Request, string, error) {
	const op = "pgstore.Requests"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	cur, err := cursor.Parse[reqCursor](op, f.Connection, page.After, nil)
	if err != nil {
		return nil, "", err
	}
	size := page.Size()
	var sb strings.Builder
	sb.WriteString(`SELECT ` + requestCols + ` FROM {s}.requests WHERE true`)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Connection != "" {
		sb.WriteString(` AND connection = ` + arg(f.Connection))
	}
	if f.State != "" {
		sb.WriteString(` AND state = ` + arg(string(f.State)))
	}
	if len(f.Under) > 0 {
		u := arg(f.Under)
		sb.WriteString(` AND (object_id = ANY(` + u + `) OR schema_id = ANY(` + u + `) OR db_id = ANY(` + u + `) OR host_id = ANY(` + u + `))`)
	}
	if cur != nil {
		sb.WriteString(` AND (created_at, id) < (` + arg(time.UnixMicro(cur.T)) + `::timestamptz, ` + arg(cur.I) + `::uuid)`)
	}
	sb.WriteString(` ORDER BY created_at DESC, id DESC LIMIT ` + arg(size+1))
	rows, err := s.pool.Query(ctx, s.q.expand(sb.String()), args...)
	if err != nil {
		return nil, "", dbErr(ctx, op, f.Connection, err)
	}
	defer rows.Close()
	var out []store.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, "", dbErr(ctx, op, f.Connection, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", dbErr(ctx, op, f.Connection, err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		last := out[size-1]
		next = cursor.Encode(reqCursor{T: last.CreatedAt.UnixMicro(), I: last.ID})
	}
	return out, next, nil
}

// Validate closes an open request and removes its tags, in one
// transaction; tags that are already gone are skipped. ErrNotFound if
// there is no such request; ErrConflict if it is not open. A zero At is
// set to now.
func (s *Store) Validate(ctx context.Context, v store.Validation) error {
	const op = "pgstore.Validate"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateValidation(op, v); err != nil {
		return err
	}
	at := stampOr(v.At, timeNow())
	return s.inTx(ctx, op, v.Request.String(), func(tx pgx.Tx) error {
		var (
			state string
			path  []string
		)
		err := tx.QueryRow(ctx, s.q.expand(`SELECT state, path FROM {s}.requests WHERE id = $1 FOR UPDATE`), v.Request).Scan(&state, &path)
		if errors.Is(err, pgx.ErrNoRows) {
			return fail(op, v.Request.String(), connections.ErrNotFound, "no request with ID %s", v.Request)
		}
		if err != nil {
			return err
		}
		if store.RequestState(state) != store.RequestOpen {
			return fail(op, hierarchy.Path(path).String(), connections.ErrConflict, "request %s is %s, not open", v.Request, state)
		}
		b := &pgx.Batch{}
		if len(v.RemoveTags) > 0 {
			obj, col, src, name, _ := tagArrays(v.RemoveTags)
			b.Queue(s.q.expand(`DELETE FROM {s}.tags t USING unnest($1::uuid[], $2::text[], $3::int2[], $4::text[]) AS d(id, col, source, name)
				WHERE t.object_id = d.id AND t.col = d.col AND t.source = d.source AND t.name = d.name`), obj, col, src, name)
		}
		b.Queue(s.q.expand(`UPDATE {s}.requests SET state = $2, validated_at = $3, validated_by = $4 WHERE id = $1`),
			v.Request, string(store.RequestValidated), at, v.By)
		return tx.SendBatch(ctx, b).Close()
	})
}
