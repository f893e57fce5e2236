package sqlitestore

// The statements every sync runs, by name. The store prepares them when it
// opens the file, while no connection is in use, and every transaction
// runs them through Tx.StmtContext, which compiles a statement once per
// connection. Other statements are compiled by the transaction that runs
// them (see txn.prepared): preparing one later at the store level would
// take a second connection from the pool while the caller holds one,
// which can deadlock a full pool.
const (
	sqlObjByID       = `SELECT ` + objBase + ` FROM objects WHERE id = ?`
	sqlObjByIDDetail = `SELECT ` + objDetail + ` FROM objects WHERE id = ?`
	sqlObjByKey      = `SELECT ` + objBase + ` FROM objects WHERE depth = ? AND pkey = ?`
	sqlObjByKeyFull  = `SELECT ` + objDetail + ` FROM objects WHERE depth = ? AND pkey = ?`
	sqlIDByKey       = `SELECT id FROM objects WHERE depth = ? AND pkey = ?`
	sqlChildren      = `SELECT ` + objBase + ` FROM objects WHERE depth = ? AND pkey > ? AND pkey < ? ORDER BY depth, pkey LIMIT ?`
	sqlSnapshot      = `SELECT ` + objDetail + ` FROM objects WHERE depth = ? AND pkey > ? AND pkey < ? ORDER BY depth, pkey`
	sqlSummaries     = `SELECT pkey, id, type, state, fingerprint FROM objects WHERE depth = ? AND pkey > ? AND pkey < ? ORDER BY depth, pkey`
	sqlDescendants   = `SELECT n_descendants FROM objects WHERE id = ?`
	sqlChild         = `SELECT depth, pkey, state, columns, tags FROM objects WHERE id = ?`

	sqlUpdateObject = `UPDATE objects SET type = ?5, comment = ?6, columns = ?7, tags = ?8,
		state = ?9, deleted_at = CASE ?3 WHEN 0 THEN deleted_at WHEN 1 THEN NULL ELSE ?1 END,
		fingerprint = CASE WHEN ?3 = 2 THEN 0 WHEN ?4 <> 0 THEN ?4 ELSE fingerprint END, updated_at = ?1
		WHERE depth = ?2 AND pkey = ?10`
	sqlUpdateTags  = `UPDATE objects SET tags = ? WHERE depth = ? AND pkey = ?`
	sqlMarkDeleted = `UPDATE objects SET fingerprint = 0,
		deleted_at = CASE state WHEN 0 THEN ?1 ELSE deleted_at END,
		updated_at = CASE state WHEN 0 THEN ?1 ELSE updated_at END,
		state = 1
		WHERE depth = ?2 AND pkey >= ?3 AND pkey < ?4 AND (state = 0 OR fingerprint <> 0)`
	sqlContainer = `UPDATE objects SET n_children = n_children + ?1, n_descendants = n_descendants + ?1,
		fingerprint = CASE ?2 WHEN 0 THEN fingerprint ELSE ?2 END WHERE depth = ?3 AND pkey = ?4`
	sqlAncestorDesc = `UPDATE objects SET n_descendants = n_descendants + ? WHERE depth = ? AND pkey = ?`
	sqlDeleteTag    = `DELETE FROM tags WHERE name = ? AND pkey = ? AND col = ? AND src = ?`
	sqlSetTagValue  = `UPDATE tags SET value = ? WHERE name = ? AND pkey = ? AND col = ? AND src = ?`
	sqlInsertReq    = `INSERT INTO requests (id, connection, kind, object, opkey, path, col, col_type, state, created_at, validated_at, validated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// The multi-row INSERTs that write new objects and tag rows, by rows per
// statement: a power of two up to objRowsPerInsert (tagRowsPerInsert),
// each prepared once. They are INSERT OR FAIL: a violated constraint
// stops the statement and leaves the rows it wrote before, which the
// caller's transaction rolls back with the rest; with the default ABORT,
// SQLite would keep a statement journal of every page each multi-row
// statement touches, so as to undo it alone, which is a copy of every
// page written and, past 64 KiB a statement, a temporary file.
//
// Each comes in two forms: one binding every value of every row, and a
// shared form for rows that differ only in their own values (an object's
// key, ID, type, comment, fingerprint and columns; a tag row's key), where
// the values common to the rows are bound once: a sync adds a schema's
// tables with the same state, settings, times and tag list, and one tag
// row each, of the same name.
var (
	insertObjectsSQLs       = multiRowSQLs(objRowsPerInsert, insertObjectsSQL)
	insertObjectsSharedSQLs = multiRowSQLs(objRowsPerInsert, insertObjectsSharedSQL)
	insertTagsSQLs          = multiRowSQLs(tagRowsPerInsert, insertTagsSQL)
	insertTagsSharedSQLs    = multiRowSQLs(tagRowsPerInsert, insertTagsSharedSQL)
)

// multiRowSQLs returns the statements f(n), by n, for n a power of two up
// to max (the other entries are empty).
func multiRowSQLs(max int, f func(n int) string) []string {
	out := make([]string, max+1)
	for n := 1; n <= max; n *= 2 {
		out[n] = f(n)
	}
	return out
}

func insertObjectsSQL(n int) string {
	return insertSQL("objects", objInsertColNames, objInsertValues, n)
}

// insertObjectsSharedSQL binds the objShared values common to the rows
// first (?1 to ?8), then objOwn values per row. The rows' own parameters
// are anonymous, numbered on from the largest before them: SQLite lists
// named and numbered parameters, and the driver looks every parameter's
// name up in that list, which numbering them all would make quadratic.
func insertObjectsSharedSQL(n int) string {
	return insertSQL("objects", objSharedColNames, "?1,?2,?3,?4,?5,?6,?7,?8,?,?,?,?,?,?,0,0", n)
}

func insertTagsSQL(n int) string {
	return insertSQL("tags", "name, pkey, col, src, depth, value", "?,?,?,?,?,?", n)
}

// insertTagsSharedSQL binds the name, column, source, depth and value
// common to the rows first (?1 to ?5), then each row's key.
func insertTagsSharedSQL(n int) string {
	return insertSQL("tags", "name, col, src, depth, value, pkey", "?1,?2,?3,?4,?5,?", n)
}

// hotStatements returns the statements the store prepares when it opens.
func hotStatements() []string {
	out := []string{
		lockSQL, sqlObjByID, sqlObjByIDDetail, sqlObjByKey, sqlObjByKeyFull, sqlIDByKey,
		sqlChildren, sqlSnapshot, sqlSummaries, sqlDescendants, sqlChild,
		sqlUpdateObject, sqlUpdateTags, sqlMarkDeleted, sqlContainer, sqlAncestorDesc, sqlDeleteTag, sqlSetTagValue, sqlInsertReq,
	}
	for _, l := range [][]string{insertObjectsSQLs, insertObjectsSharedSQLs, insertTagsSQLs, insertTagsSharedSQLs} {
		for _, q := range l {
			if q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}
