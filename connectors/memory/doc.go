// Package memory is a scriptable in-memory data platform, and a
// [connectors.Connector] over it, for tests, examples and benchmarks.
//
// A [Platform] holds databases, schemas and tables with their columns,
// comments and platform tags. A test scripts it between syncs (add, drop
// and rename tables and columns, change types and nullability, reorder
// columns, tag objects) and reads it through a [Connector], which
// implements the optional abilities [connectors.TagReader] and
// [connectors.DatabaseLister]. [Platform.Technology] describes the platform
// as the technology "memory", so it can be put in a [connectors.Registry].
// There is no global state: every platform is independent.
//
//	p := memory.NewPlatform("demo")
//	_ = p.AddDatabase("sales", "")
//	_ = p.AddSchema("sales", "public", "")
//	_ = p.AddTable("sales", "public", connectors.Table{Name: "orders", Columns: cols})
//	c := p.Connector(nil)
//
// # Listings
//
// Every listing returns fresh values the caller may keep and change:
// databases, schemas and tables ordered by name (byte order, tables of the
// same name in the order they were added), columns by position, numbered
// 1..n. Duplicate table names within one schema are refused by
// [Platform.AddTable] but can be made on purpose with
// [Platform.AddDuplicate], as real platforms expose them (a table and a
// view of one name, names that differ only in case on a case-folding
// reader); the listing reports both.
//
// # Faults
//
// [Platform.InjectFault] makes the calls a [Fault] selects (by [Method],
// database and schema) fail with a given error, always or for the next N
// calls. [Platform.SetLatency] and [Platform.SetLatencyFor] add latency,
// during which a cancelled context ends the call. [Platform.SetHook] runs a
// function before every call for arbitrary control, and [Platform.Calls]
// counts calls per method, so a test can assert that round trips grow with
// schemas, not tables.
//
// Each call goes through these steps, in order: it is counted; a closed
// connector or a done context fails it; it sleeps its latency; the hook
// runs; a matching fault fails it; the credentials are checked; the data
// is read.
//
// # Credentials
//
// [Platform.RequireCredentials] makes every call of a connector opened
// with other credentials fail with an error matching
// connections.ErrPermissionDenied. Error messages never contain
// credential values.
//
// # Generated content
//
// [Platform.AddGeneratedSchema] adds a schema whose tables a function
// produces on every listing, so a platform of millions of tables does not
// hold them in memory. [Platform.AddSynthetic] builds a deterministic
// synthetic platform from a [Spec] on top of it, and [Synthetic.SetVersion]
// churns about one table in a hundred per version step, so a benchmark can
// measure a re-sync after churn.
package memory
