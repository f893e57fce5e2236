// Package sqlmeta holds what the SQL connectors (PostgreSQL, Snowflake,
// Trino) share: identifier and literal quoting, reading result rows by
// column name, and assembling tables from per-column catalog rows.
package sqlmeta

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// QuoteIdent quotes a name as a delimited identifier: wrapped in double
// quotes, an embedded double quote doubled. The name keeps its case.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QualifiedName quotes each part and joins them with ".".
func QualifiedName(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = QuoteIdent(p)
	}
	return strings.Join(q, ".")
}

// QuoteLiteral quotes s as a standard SQL string literal, an embedded
// single quote doubled. It is for drivers and statements that cannot take
// bind parameters; use parameters where they can.
func QuoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Record is one result row, read by column name without regard to case,
// so that new columns a platform adds over time do no harm and SHOW output
// (lower case) and INFORMATION_SCHEMA output (upper case) read alike.
type Record struct {
	index  map[string]int
	values []any
}

// Has reports whether the row has a column of that name.
func (r Record) Has(name string) bool {
	_, ok := r.index[strings.ToLower(name)]
	return ok
}

func (r Record) value(name string) any {
	i, ok := r.index[strings.ToLower(name)]
	if !ok {
		return nil
	}
	return r.values[i]
}

// String returns the column as text, "" for NULL or a missing column.
func (r Record) String(name string) string {
	switch v := r.value(name).(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// Int returns the column as an integer; NULL, a missing column or text
// that is not a number gives 0 and false.
func (r Record) Int(name string) (int64, bool) {
	switch v := r.value(name).(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case int:
		return int64(v), true
	case float64:
		return int64(v), true
	case nil:
		return 0, false
	default:
		n, err := strconv.ParseInt(strings.TrimSpace(r.String(name)), 10, 64)
		return n, err == nil
	}
}

// Bool returns the column as a boolean: true, 1, "Y", "YES", "TRUE", "T"
// (any case) are true; anything else, NULL included, is false.
func (r Record) Bool(name string) bool {
	switch v := r.value(name).(type) {
	case bool:
		return v
	case int64:
		return v != 0
	case nil:
		return false
	}
	switch strings.ToUpper(strings.TrimSpace(r.String(name))) {
	case "Y", "YES", "TRUE", "T", "1":
		return true
	}
	return false
}

// Scan calls fn for every row of rows, then closes rows. It returns the
// first error of fn, of reading, or of rows.Err.
func Scan(rows *sql.Rows, fn func(Record) error) (err error) {
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[strings.ToLower(c)] = i
	}
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(Record{index: index, values: values}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ColumnRow is one column of one table, as catalogs list them.
type ColumnRow struct {
	Table  string
	Column hierarchy.Column
}

// Assemble gives each table its columns, ordered by position, and returns
// the tables ordered by name. Columns of tables not in the list are
// dropped (the table vanished between the two queries, or is of a kind
// not listed). Tables listed twice under one name each get the columns.
func Assemble(tables []connectors.Table, cols []ColumnRow) []connectors.Table {
	byName := make(map[string][]int, len(tables))
	for i, t := range tables {
		byName[t.Name] = append(byName[t.Name], i)
	}
	for _, c := range cols {
		for _, i := range byName[c.Table] {
			tables[i].Columns = append(tables[i].Columns, c.Column)
		}
	}
	for i := range tables {
		slices.SortStableFunc(tables[i].Columns, func(a, b hierarchy.Column) int { return cmp.Compare(a.Position, b.Position) })
		if tables[i].Columns == nil {
			tables[i].Columns = []hierarchy.Column{}
		}
	}
	slices.SortStableFunc(tables, func(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) })
	return tables
}
