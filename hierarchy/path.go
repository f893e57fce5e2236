package hierarchy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Path names an object by its name segments, the connection key first. A
// path of one segment is a host (the connection), of four a table, of five a
// column. Paths are values: methods that derive a path return a new one and
// never alias the receiver.
type Path []string

// ErrInvalidPath is matched (with errors.Is) by every error Parse returns.
var ErrInvalidPath = errors.New("invalid path")

// Kind returns the level the path addresses, KindInvalid if it is empty or
// deeper than a column.
func (p Path) Kind() Kind { return KindOfDepth(len(p)) }

// Key returns the connection key, the first segment, or "" for an empty
// path.
func (p Path) Key() string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

// Name returns the last segment, or "" for an empty path.
func (p Path) Name() string {
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// Parent returns the path without its last segment (nil for a path of one
// segment or none).
func (p Path) Parent() Path {
	if len(p) <= 1 {
		return nil
	}
	return slices.Clone(p[:len(p)-1])
}

// Child returns a new path with name appended.
func (p Path) Child(name string) Path {
	c := make(Path, len(p)+1)
	copy(c, p)
	c[len(p)] = name
	return c
}

// Equal reports whether p and q have the same segments.
func (p Path) Equal(q Path) bool { return slices.Equal(p, q) }

// HasPrefix reports whether q is p or an ancestor of p.
func (p Path) HasPrefix(q Path) bool {
	return len(q) <= len(p) && slices.Equal(p[:len(q)], q)
}

// Compare orders paths segment by segment, as slices.Compare does.
func (p Path) Compare(q Path) int { return slices.Compare(p, q) }

// Validate reports whether p is a well-formed path: one to five segments,
// none of them empty.
func (p Path) Validate() error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	if len(p) > int(KindColumn) {
		return fmt.Errorf("%w: %d segments, at most %d (a column) allowed", ErrInvalidPath, len(p), int(KindColumn))
	}
	for i, s := range p {
		if s == "" {
			return fmt.Errorf("%w: segment %d is empty", ErrInvalidPath, i+1)
		}
	}
	return nil
}

// String returns the text form of p: the segments joined with ".", each
// "." or "\" inside a segment escaped with "\".
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		writeEscaped(&b, s)
	}
	return b.String()
}

// EscapeSegment returns name with every "." and "\" escaped with "\", the
// form a name takes inside a path's or a tag's text.
func EscapeSegment(name string) string {
	if !strings.ContainsAny(name, `.\`) {
		return name
	}
	var b strings.Builder
	writeEscaped(&b, name)
	return b.String()
}

func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// Parse parses the text form of a path written by Path.String. A "\" must
// be followed by "." or "\"; segments must not be empty. The error names
// the offending position and wraps ErrInvalidPath.
func Parse(s string) (Path, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	var (
		p   Path
		seg strings.Builder
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("%w: %q ends with an unfinished escape", ErrInvalidPath, s)
			}
			i++
			if n := s[i]; n != '.' && n != '\\' {
				return nil, fmt.Errorf("%w: %q has an invalid escape %q at byte %d (only \\. and \\\\ are allowed)", ErrInvalidPath, s, `\`+string(n), i-1)
			}
			seg.WriteByte(s[i])
		case '.':
			if seg.Len() == 0 {
				return nil, fmt.Errorf("%w: %q has an empty segment before byte %d", ErrInvalidPath, s, i)
			}
			p = append(p, seg.String())
			seg.Reset()
		default:
			seg.WriteByte(c)
		}
	}
	if seg.Len() == 0 {
		return nil, fmt.Errorf("%w: %q ends with an empty segment", ErrInvalidPath, s)
	}
	p = append(p, seg.String())
	if len(p) > int(KindColumn) {
		return nil, fmt.Errorf("%w: %q has %d segments, at most %d (a column) allowed", ErrInvalidPath, s, len(p), int(KindColumn))
	}
	return p, nil
}

// MustParse is Parse for paths known to be valid, such as literals in
// tests and examples. It panics on an invalid path.
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// MarshalText implements encoding.TextMarshaler with the text form.
func (p Path) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse; empty text
// gives a nil path, as a nil path marshals to empty text.
func (p *Path) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = nil
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
