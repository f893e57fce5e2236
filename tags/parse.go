package tags

import (
	"fmt"
	"strings"

	"github.com/govkit/connections"
)

// ParseConnectionTag splits a connection tag written by
// DefaultConnectionTag into its parts, undoing the escaping, so that
//
//	ParseConnectionTag(DefaultConnectionTag(t, c, d, s)) == t, c, s, d
//
// for every technology, connection, database and schema name. Note the
// order of the results: the schema comes before the database, as in the
// tag. Text that is not a connection tag in the default form gives an
// error matching connections.ErrInvalidInput that says where it goes
// wrong.
func ParseConnectionTag(s string) (technology, connection, schema, database string, err error) {
	fail := func(format string, args ...any) (string, string, string, string, error) {
		return "", "", "", "", fmt.Errorf("tags: parse connection tag %q: %w: %s", s, connections.ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	head := ConnectionTagPrefix + Separator
	if !strings.HasPrefix(s, head) {
		return fail("does not start with %q", head)
	}
	var (
		parts [4]string
		n     int
		cur   strings.Builder
	)
	for i := len(head); i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '.' && s[i+1] != '\\') {
				return fail(`"\" at byte %d is not followed by "." or "\"`, i)
			}
			i++
			cur.WriteByte(s[i])
		case '.':
			// An unescaped "." only appears in the middle of a separator,
			// whose leading space has gone into cur.
			str := cur.String()
			if !strings.HasSuffix(str, " ") || i+1 == len(s) || s[i+1] != ' ' {
				return fail(`unescaped "." at byte %d is not part of a %q separator`, i, Separator)
			}
			if n == len(parts)-1 {
				return fail("has more than %d parts after %q", len(parts), ConnectionTagPrefix)
			}
			parts[n] = str[:len(str)-1]
			n++
			cur.Reset()
			i++ // the separator's trailing space
		default:
			cur.WriteByte(c)
		}
	}
	if n != len(parts)-1 {
		return fail("has %d parts after %q, want %d (technology, connection, schema, database)", n+1, ConnectionTagPrefix, len(parts))
	}
	parts[n] = cur.String()
	return parts[0], parts[1], parts[2], parts[3], nil
}
