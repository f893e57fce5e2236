package pgstore

import (
	"strings"
	"sync"
)

// queries expands SQL templates for one store: {s} becomes the quoted
// schema name. Expansions are cached, so that each statement text is
// built once and pgx prepares it once per connection.
type queries struct {
	schema string // quoted
	cache  sync.Map
}

func newQueries(schema string) *queries { return &queries{schema: quoteIdent(schema)} }

func (q *queries) expand(tmpl string) string {
	if v, ok := q.cache.Load(tmpl); ok {
		return v.(string)
	}
	s := strings.ReplaceAll(tmpl, "{s}", q.schema)
	q.cache.Store(tmpl, s)
	return s
}
