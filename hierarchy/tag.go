package hierarchy

import "fmt"

// TagSource says where a tag comes from, which decides who may remove it.
type TagSource uint8

// The sources of tags.
const (
	// TagUser tags are added and removed by people.
	TagUser TagSource = iota
	// TagSystem tags, such as the connection tag (B19), are derived by the
	// library and cannot be edited or deleted.
	TagSystem
	// TagNew is the New tag sync puts on new columns of known data
	// sources (B14); validating the column removes it (B22).
	TagNew
	// TagPlatform tags are ingested from the platform's own tags (B20) and
	// replaced by every sync.
	TagPlatform
)

var tagSourceNames = [...]string{"user", "system", "new", "platform"}

// String returns "user", "system", "new" or "platform".
func (s TagSource) String() string {
	if int(s) < len(tagSourceNames) {
		return tagSourceNames[s]
	}
	return fmt.Sprintf("TagSource(%d)", uint8(s))
}

// ParseTagSource returns the source named s, as String writes it.
func ParseTagSource(s string) (TagSource, error) {
	for i, n := range tagSourceNames {
		if n == s {
			return TagSource(i), nil
		}
	}
	return TagUser, fmt.Errorf("hierarchy: unknown tag source %q", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s TagSource) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *TagSource) UnmarshalText(b []byte) error {
	v, err := ParseTagSource(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// NewTagName is the name of the tag sync puts on new columns (B14).
const NewTagName = "New"

// Tag is a label on an object or a column. A tag is identified by its
// source and name; Value is optional (platforms such as Snowflake give tags
// values).
type Tag struct {
	Name   string    `json:"name"`
	Value  string    `json:"value,omitempty"`
	Source TagSource `json:"source"`
}

// String returns the name, with "=value" when there is a value.
func (t Tag) String() string {
	if t.Value == "" {
		return t.Name
	}
	return t.Name + "=" + t.Value
}
