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
	sqlInsertReq    = `INSERT INTO requests (id, connection, kind, object, opkey, path, col, col_type, state, created_at, validated_at, validated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// insertObjectsSQL and upsertTagsSQL return the multi-row statements that
// write n new objects, or n tag rows.
func insertObjectsSQL(n int) string {
	return insertSQL("objects", objInsertColNames, objInsertValues, n)
}

func upsertTagsSQL(n int) string {
	return insertSQL("tags", "name, pkey, col, src, depth, value", "?,?,?,?,?,?", n) +
		` ON CONFLICT (name, pkey, col, src) DO UPDATE SET value = excluded.value`
}

// hotStatements returns the statements the store prepares when it opens.
func hotStatements() []string {
	out := []string{
		lockSQL, sqlObjByID, sqlObjByIDDetail, sqlObjByKey, sqlObjByKeyFull, sqlIDByKey,
		sqlChildren, sqlSnapshot, sqlDescendants, sqlChild,
		sqlUpdateObject, sqlUpdateTags, sqlMarkDeleted, sqlContainer, sqlAncestorDesc, sqlDeleteTag, sqlInsertReq,
	}
	for n := 1; n <= objRowsPerInsert; n *= 2 {
		out = append(out, insertObjectsSQL(n))
	}
	for n := 1; n <= tagRowsPerInsert; n *= 2 {
		out = append(out, upsertTagsSQL(n))
	}
	return out
}
