package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// insertRequest stores r, raised by a change set of connection conn at at
// (microseconds), on the object whose path key is opkey. An empty
// Connection, State (open) and CreatedAt (at) are filled in.
func insertRequest(ctx context.Context, q *txn, r *store.Request, conn string, opkey []byte, at int64) error {
	path, err := json.Marshal([]string(r.Path))
	if err != nil {
		return err
	}
	state := r.State
	if state == "" {
		state = store.RequestOpen
	}
	created := at
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.UnixMicro()
	}
	_, err = q.exec(sqlInsertReq,
		r.ID[:], conn, string(r.Kind), r.Object[:], opkey, path, r.Column, r.ColumnType, string(state), created,
		toMicros(r.ValidatedAt), r.ValidatedBy)
	return err
}

const reqCols = `id, connection, kind, object, opkey, path, col, col_type, state, created_at, validated_at, validated_by`

// scanRequest reads a row selected with reqCols, and returns the request
// and its object's path key.
func scanRequest(sc scanner) (store.Request, []byte, error) {
	var (
		r                    store.Request
		id, obj, opkey, path []byte
		kind, state          string
		created              int64
		validated            sql.NullInt64
	)
	if err := sc.Scan(&id, &r.Connection, &kind, &obj, &opkey, &path, &r.Column, &r.ColumnType, &state, &created, &validated, &r.ValidatedBy); err != nil {
		return r, nil, err
	}
	copy(r.ID[:], id)
	copy(r.Object[:], obj)
	var segs []string
	if err := json.Unmarshal(path, &segs); err != nil {
		return r, nil, err
	}
	r.Path = segs
	r.Kind, r.State = store.RequestKind(kind), store.RequestState(state)
	r.CreatedAt, r.ValidatedAt = time.UnixMicro(created).UTC(), fromMicros(validated)
	return r, opkey, nil
}

// Request returns one request, or ErrNotFound.
func (s *Store) Request(ctx context.Context, id hierarchy.ID) (store.Request, error) {
	const op = "sqlitestore.Request"
	var r store.Request
	err := s.read(ctx, op, id.String(), func(q *txn) error {
		var err error
		r, _, err = scanRequest(q.row(`SELECT `+reqCols+` FROM requests WHERE id = ?`, id[:]))
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no request with ID %s", id)
		}
		return err
	})
	return r, err
}

// reqCursor is Requests' cursor: the creation time and ID of the last
// request returned.
func encodeReqCursor(r store.Request) string {
	b := binary.AppendVarint(nil, r.CreatedAt.UnixMicro())
	b = append(b, r.ID[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeReqCursor(s string) (int64, hierarchy.ID, bool) {
	var id hierarchy.ID
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, id, false
	}
	t, n := binary.Varint(b)
	if n <= 0 || len(b)-n != len(id) {
		return 0, id, false
	}
	copy(id[:], b[n:])
	return t, id, true
}

// Requests returns up to page.Size() requests the filter selects, newest
// first (by CreatedAt, then ID), starting after the opaque cursor
// page.After, and the cursor of the next page ("" after the last). The
// Under filter is applied while reading in that order: a request is kept
// if its object's path key starts with the key of one of the objects.
func (s *Store) Requests(ctx context.Context, f store.RequestFilter, page store.Page) ([]store.Request, string, error) {
	const op = "sqlitestore.Requests"
	query := `SELECT ` + reqCols + ` FROM requests WHERE 1`
	var args []any
	if f.Connection != "" {
		query += ` AND connection = ?`
		args = append(args, f.Connection)
	}
	if f.State != "" {
		query += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if page.After != "" {
		t, id, ok := decodeReqCursor(page.After)
		if !ok {
			if err := ctx.Err(); err != nil {
				return nil, "", connections.Wrap(op, f.Connection, err)
			}
			return nil, "", fail(op, f.Connection, connections.ErrInvalidInput, "malformed cursor %q", page.After)
		}
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, t, id[:])
	}
	query += ` ORDER BY created_at DESC, id DESC`
	size := page.Size()
	if len(f.Under) == 0 {
		query += ` LIMIT ?`
		args = append(args, size+1)
	}
	var (
		out  []store.Request
		next string
	)
	err := s.read(ctx, op, f.Connection, func(q *txn) error {
		var under map[string]struct{}
		if len(f.Under) > 0 {
			under = make(map[string]struct{}, len(f.Under))
			for _, id := range f.Under {
				var key []byte
				err := q.row(`SELECT pkey FROM objects WHERE id = ?`, id[:]).Scan(&key)
				if errors.Is(err, sql.ErrNoRows) {
					continue
				}
				if err != nil {
					return err
				}
				under[string(key)] = struct{}{}
			}
			if len(under) == 0 {
				return nil
			}
		}
		rows, err := q.query(query, args...)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			r, opkey, err := scanRequest(rows)
			if err != nil {
				return err
			}
			if under != nil && !keyUnder(opkey, under) {
				continue
			}
			if len(out) == size {
				next = encodeReqCursor(out[size-1])
				break
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// keyUnder reports whether the object with key k, or one above it, has a
// key in keys.
func keyUnder(k []byte, keys map[string]struct{}) bool {
	for n := 0; n < len(k); {
		_, rest, err := nextSegment(k[n:])
		if err != nil {
			return false
		}
		n = len(k) - len(rest)
		if _, ok := keys[string(k[:n])]; ok {
			return true
		}
	}
	return false
}

// Validate closes an open request and removes its tags atomically; tags
// that are already gone are skipped. ErrNotFound if there is no such
// request; ErrConflict if it is not open. A zero At is set to now.
func (s *Store) Validate(ctx context.Context, v store.Validation) error {
	const op = "sqlitestore.Validate"
	if err := store.ValidateValidation(op, v); err != nil {
		return err
	}
	at := s.stamp(v.At)
	return s.write(ctx, op, v.Request.String(), func(q *txn) error {
		var (
			state string
			path  []byte
		)
		err := q.row(`SELECT state, path FROM requests WHERE id = ?`, v.Request[:]).Scan(&state, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, v.Request.String(), connections.ErrNotFound, "no request with ID %s", v.Request)
		}
		if err != nil {
			return err
		}
		if store.RequestState(state) != store.RequestOpen {
			var segs []string
			_ = json.Unmarshal(path, &segs)
			return fail(op, hierarchy.Path(segs).String(), connections.ErrConflict, "request %s is %s, not open", v.Request, state)
		}
		// One edit per object.
		byObject := map[hierarchy.ID][]tagRec{}
		var order []hierarchy.ID
		for _, t := range v.RemoveTags {
			if _, ok := byObject[t.Object]; !ok {
				order = append(order, t.Object)
			}
			byObject[t.Object] = append(byObject[t.Object], tagRec{col: t.Column, src: t.Tag.Source, name: t.Tag.Name})
		}
		for _, id := range order {
			err := editTags(ctx, q, op, id, func(_ *objRow, tags []tagRec) ([]tagRec, error) {
				for _, t := range byObject[id] {
					tags, _ = dropTag(tags, t)
				}
				return tags, nil
			})
			if err != nil && !errors.Is(err, connections.ErrNotFound) {
				return err
			}
		}
		_, err = q.exec(`UPDATE requests SET state = ?, validated_at = ?, validated_by = ? WHERE id = ?`,
			string(store.RequestValidated), toMicros(at), v.By, v.Request[:])
		return err
	})
}
