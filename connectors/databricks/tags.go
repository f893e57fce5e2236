package databricks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// Tags lists the Unity Catalog tags on the tables of a schema and, with
// TagsColumns, on their columns (B20). It lists the schema's tables once,
// then asks the entity tag assignments API about each table (TagsTables)
// or each table and each column (TagsColumns), up to Options.Concurrency
// requests at a time. A table or column the credentials cannot see (403 or
// 404 for that entity) has no tags; any other failure fails the call.
// With TagsOff it fails with connections.ErrUnsupported.
func (c *Connector) Tags(ctx context.Context, database, schema string) ([]connectors.TagAssignment, error) {
	const op = "databricks: list tags"
	obj := hierarchy.Path{database, schema}.String()
	if c.tags == TagsOff {
		return nil, connections.Wrap(op, obj, fmt.Errorf("%w: tags are off (set the %q config key)", connections.ErrUnsupported, ConfigTags))
	}
	tables, err := c.listTables(ctx, database, schema)
	if err != nil {
		return nil, err
	}
	type entity struct {
		typ, table, column string
	}
	var todo []entity
	for _, t := range tables {
		todo = append(todo, entity{typ: "tables", table: t.Name})
		if c.tags == TagsColumns {
			for _, col := range t.Columns {
				todo = append(todo, entity{typ: "columns", table: t.Name, column: col.Name})
			}
		}
	}
	found := make([][]connectors.TagAssignment, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for i, e := range todo {
		g.Go(func() error {
			names := []string{database, schema, e.table}
			if e.column != "" {
				names = append(names, e.column)
			}
			// The API names entities by their dotted full name.
			full := strings.Join(names, ".")
			path := "/entity-tag-assignments/" + e.typ + "/" + url.PathEscape(full) + "/tags"
			tags, err := list[tagAssignment, listTagAssignmentsResponse](gctx, c, op, hierarchy.Path(names).String(), path, nil, c.pageSize(maxTagPage))
			if invisible(err) {
				c.log.DebugContext(gctx, "databricks: no access to tags", "entity", hierarchy.Path(names).String(), "error", err)
				return nil
			}
			if err != nil {
				return err
			}
			for _, a := range tags {
				found[i] = append(found[i], connectors.TagAssignment{Table: e.table, Column: e.column, Name: a.TagKey, Value: a.TagValue})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := slices.Concat(found...)
	slices.SortFunc(out, func(a, b connectors.TagAssignment) int {
		return cmp.Or(strings.Compare(a.Table, b.Table), strings.Compare(a.Column, b.Column), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// invisible reports whether err says an entity is hidden from the
// credentials or gone: 403 or 404, not 401 (credentials refused outright).
func invisible(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode == http.StatusUnauthorized {
		return false
	}
	return errors.Is(ae, connections.ErrPermissionDenied) || errors.Is(ae, connections.ErrNotFound)
}
