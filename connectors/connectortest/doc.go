// Package connectortest is the conformance suite every
// [connectors.Connector] runs, shaped like gocloud's drivertest: the suite
// owns a small [Fixture] (two databases, a few schemas, tables, views and
// a materialized view with ordered columns, nullability, comments, tags,
// and names with periods, quotes, spaces, mixed case, unicode and a
// backslash), and a [Harness] builds a platform holding it and returns a
// connector on it.
//
// A harness declares how its platform differs from the fixture (case
// folding, its own type names, levels without comments, schemas every
// database has, missing containers that list as empty) instead of the
// suite skipping checks. The fixture is small so that harnesses on real
// servers stay fast.
//
// # Writing a harness
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, connectortest.Harness{
//			Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
//				db := startServer(t)   // or reuse one built by an earlier call
//				load(t, db, f)         // CREATE what f describes, quoting every name
//				return postgres.New(db, nil)
//			},
//			ColumnType:   func(typ string) string { return pgTypes[typ] }, // "INTEGER" → "integer"
//			ExtraSchemas: []string{"public"},
//		})
//	}
//
// # What Run checks
//
//   - Host names the platform; Check succeeds.
//   - Databases includes each fixture database once, with its comment;
//     other databases may be listed.
//   - Schemas and Tables of each fixture database and schema return
//     exactly the fixture's content (in any order): names, types and
//     comments, columns in position order with names, types, positions,
//     nullability and comments.
//   - Listing a missing database or schema gives an error matching
//     connections.ErrNotFound, or nothing if the harness declares
//     MissingIsEmpty.
//   - A cancelled or expired context gives an error matching
//     context.Canceled or context.DeadlineExceeded; Host is exempt, as it
//     may answer from configuration.
//   - Close can be called twice.
//   - Concurrent listings give the same results (run with -race), and
//     values returned are the caller's to change.
//   - A TagReader returns the fixture's tags, when the harness declares
//     Tags; a DatabaseLister hands fn each schema with tables once, in
//     name order, with what Tables lists, and stops at fn's error.
//   - Refused credentials give errors matching
//     connections.ErrPermissionDenied, when the harness can open a
//     connector with them; no error contains Harness.Secrets.
package connectortest
