// Package storetest is the conformance suite every [store.Store] runs:
// the in-memory, SQLite and PostgreSQL stores pass it unchanged.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := memstore.New(nil)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run calls newStore once per subtest. The store may be shared with other
// tests and processes (several test binaries may use one PostgreSQL
// database): every subtest works in connections with keys of its own (see
// [Key]), uses tag and policy names of its own, and never assumes that
// the store is otherwise empty.
//
// Each subtest checks one rule of the contract written in package store;
// its name and failure messages say which. Subtests of [store.Locker] and
// [store.ChildLister] run only if the store implements them.
//
// # For implementers
//
//   - The input checks that do not depend on the backend are package
//     store's Validate functions ([store.ValidateChangeSet] and the
//     others); calling them first gives the errors the suite expects.
//   - Names, keys and paths sort in byte order (in PostgreSQL, COLLATE "C").
//   - Times are compared as instants with microsecond precision; a store
//     may return them in UTC.
//   - The Locker subtests sleep for about a second in all; two of them run
//     in parallel.
//
// The package also offers small helpers for tests of other packages that
// need a populated store: [NewTree], [Child], [Table], [Columns], [Add];
// and for store benchmarks: [Fixture] and [Tables].
package storetest
