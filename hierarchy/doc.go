// Package hierarchy is the object model of a registered data platform:
// the levels Host > Database > Schema > Table, the columns that form a
// table's data dictionary, stable object IDs, paths kept as name segments,
// and the enable settings that are resolved down the hierarchy.
//
// # Paths
//
// A [Path] is a list of name segments, the connection key first:
//
//	Path{"snow", "SALES", "PUBLIC", "ORDERS"}
//
// Names keep the platform's case and may contain any character. The text
// form joins the segments with "." and escapes a "." or "\" inside a name
// with "\", so that [Parse] of [Path.String] gives back the same path for
// every name:
//
//	Path{"snow", "my.db", `a\b`}.String() == `snow.my\.db.a\\b`
//
// # Identity
//
// Every object has an [ID] that does not depend on its name. A table that
// is renamed on the platform is a new object; a table that is dropped and
// comes back keeps its ID, settings, grants and tags.
//
// This package imports nothing outside the standard library.
package hierarchy
