// Package tags derives the tags the library puts on what it finds: the
// connection tag every data source carries (B19) and the New tag on new
// columns (B14), and keeps them apart from the tags people add.
//
// # Who may change which tag
//
// A tag's [hierarchy.TagSource] decides who may change it ([CheckEdit]):
//
//	source       added by                       removed by
//	-----------  -----------------------------  ----------------------------------
//	TagUser      people (Service.AddUserTag)    people (Service.RemoveUserTag)
//	TagSystem    the library (connection tag)   never by people: ErrImmutable
//	TagPlatform  sync, from the platform (B20)  the next sync only: ErrImmutable
//	TagNew       sync, on new columns (B14)     validating the request: ErrImmutable
//
// Names people give tags are checked by [ValidateName]: not empty, no
// control characters, at most [MaxNameLength] characters, and not "New"
// nor a name starting with [ConnectionTagPrefix].
//
// # Connection tags
//
// [DefaultConnectionTag] writes the reference's form with every "." and
// "\" inside a name escaped; [ParseConnectionTag] reads it back, which
// helps hosts that build policies on connection tags.
package tags

import (
	"strings"

	"github.com/govkit/connections/hierarchy"
)

// ConnectionTagPrefix is the first part of every connection tag.
const ConnectionTagPrefix = "Immuta Connections"

// Separator joins the parts of a connection tag.
const Separator = " . "

// ConnectionTagFunc derives the connection tag of the tables in one schema.
// technology is the technology's display name, connection the connection's
// display name. A host replaces DefaultConnectionTag with its own function
// to change the form; it must return the same text for the same input.
type ConnectionTagFunc func(technology, connection, database, schema string) string

// DefaultConnectionTag returns the reference's form,
//
//	Immuta Connections . <Technology> . <Connection name> . <Schema> . <Database>
//
// with every "." or "\" inside a name escaped with "\", so the parts can be
// told apart however the names are spelled.
func DefaultConnectionTag(technology, connection, database, schema string) string {
	parts := []string{ConnectionTagPrefix, technology, connection, schema, database}
	for i := 1; i < len(parts); i++ {
		parts[i] = hierarchy.EscapeSegment(parts[i])
	}
	return strings.Join(parts, Separator)
}

// Connection returns the system tag with the given derived name.
func Connection(name string) hierarchy.Tag {
	return hierarchy.Tag{Name: name, Source: hierarchy.TagSystem}
}

// New returns the New tag sync puts on new columns of known data sources.
func New() hierarchy.Tag {
	return hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}
}

// Platform returns a tag ingested from the platform (B20).
func Platform(name, value string) hierarchy.Tag {
	return hierarchy.Tag{Name: name, Value: value, Source: hierarchy.TagPlatform}
}
