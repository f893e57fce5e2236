package hierarchy

import "fmt"

// Kind is the level of an object in the hierarchy.
type Kind uint8

// The levels of the hierarchy, top down. A column is not an object of its
// own: it is an entry in a table's data dictionary, addressed by a path one
// segment longer than its table's.
const (
	KindInvalid Kind = iota
	KindHost
	KindDatabase
	KindSchema
	KindTable
	KindColumn
)

// MaxDepth is the number of segments of a table's path, the deepest object.
const MaxDepth = int(KindTable)

var kindNames = [...]string{"invalid", "host", "database", "schema", "table", "column"}

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind returns the kind named s, as String writes it.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), nil
		}
	}
	return KindInvalid, fmt.Errorf("hierarchy: unknown kind %q", s)
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Child returns the kind one level down, or KindInvalid below a column.
func (k Kind) Child() Kind {
	if k == KindInvalid || k >= KindColumn {
		return KindInvalid
	}
	return k + 1
}

// KindOfDepth returns the kind of a path with n segments.
func KindOfDepth(n int) Kind {
	if n < 1 || n > int(KindColumn) {
		return KindInvalid
	}
	return Kind(n)
}
