package sqlitestore

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// Path keys.
//
// An object's path is stored as one BLOB, its key, that sorts the way
// paths do: segment by segment, each segment in byte order, a path before
// every path below it. Each segment is written as its bytes, with a 0x00
// byte escaped as 0x00 0xFF, followed by the terminator 0x00 0x01. So:
//
//   - the key of a path is a prefix of the keys of every path below it,
//     and the objects below a path are exactly the keys in
//     [key, keyEnd(key)): one index range per depth, whatever the names;
//   - memcmp order of keys (SQLite's order for BLOBs) is path order, so
//     the children of a container, read in key order, come ordered by name
//     in byte order, and tags read in key order come in path order.

var errBadKey = errors.New("malformed path key")

// appendSegment appends the encoding of one path segment to dst.
func appendSegment(dst []byte, name string) []byte {
	for {
		i := strings.IndexByte(name, 0)
		if i < 0 {
			dst = append(dst, name...)
			break
		}
		dst = append(dst, name[:i]...)
		dst = append(dst, 0, 0xff)
		name = name[i+1:]
	}
	return append(dst, 0, 1)
}

// pathKey returns the key of p.
func pathKey(p hierarchy.Path) []byte {
	n := 0
	for _, s := range p {
		n += len(s) + 2
	}
	k := make([]byte, 0, n)
	for _, s := range p {
		k = appendSegment(k, s)
	}
	return k
}

// childKey returns the key of the child named name of the object whose key
// is parent. It does not change parent.
func childKey(parent []byte, name string) []byte {
	k := make([]byte, len(parent), len(parent)+len(name)+2)
	copy(k, parent)
	return appendSegment(k, name)
}

// keyEnd returns the smallest key greater than every key that has k as a
// prefix: k with its last byte (the terminator 0x01) raised to 0x02.
func keyEnd(k []byte) []byte {
	e := slices.Clone(k)
	if len(e) > 0 {
		e[len(e)-1]++
	}
	return e
}

// nextSegment splits the first segment off k.
func nextSegment(k []byte) (seg string, rest []byte, err error) {
	i := bytes.IndexByte(k, 0)
	if i < 0 || i+1 >= len(k) {
		return "", nil, errBadKey
	}
	if k[i+1] == 1 { // the common case: no NUL inside the name
		if i == 0 {
			return "", nil, errBadKey
		}
		return string(k[:i]), k[i+2:], nil
	}
	var b []byte
	for {
		switch {
		case i < 0 || i+1 >= len(k):
			return "", nil, errBadKey
		case k[i+1] == 0xff:
			b = append(b, k[:i+1]...)
			k = k[i+2:]
		case k[i+1] == 1:
			b = append(b, k[:i]...)
			if len(b) == 0 {
				return "", nil, errBadKey
			}
			return string(b), k[i+2:], nil
		default:
			return "", nil, errBadKey
		}
		i = bytes.IndexByte(k, 0)
	}
}

// decodeKey returns the path whose key is k.
func decodeKey(k []byte) (hierarchy.Path, error) {
	var p hierarchy.Path
	for len(k) > 0 {
		seg, rest, err := nextSegment(k)
		if err != nil {
			return nil, err
		}
		p = append(p, seg)
		k = rest
	}
	if len(p) == 0 {
		return nil, errBadKey
	}
	return p, nil
}

// lastSegment returns the last segment of a key whose first len(parent)
// bytes are parent's key: the name of a child.
func lastSegment(k []byte, parentLen int) (string, error) {
	if parentLen > len(k) {
		return "", errBadKey
	}
	seg, rest, err := nextSegment(k[parentLen:])
	if err == nil && len(rest) != 0 {
		err = errBadKey
	}
	return seg, err
}

// Column lists.
//
// A table's data dictionary is stored in its object row as one BLOB, in
// position order: a uvarint count, then per column a uvarint holding the
// position shifted left by one with Nullable in the low bit, and the name,
// type and comment, each a uvarint length and the bytes. One row per
// table instead of one per column makes Apply and Snapshot of a schema of
// wide tables cost a row per table; the columns are never queried by SQL
// (column tags live in the tags table and name the column).

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodeColumns returns the encoding of cols in position order, or nil for
// none.
func encodeColumns(cols []hierarchy.Column) []byte {
	if len(cols) == 0 {
		return nil
	}
	byPosition := func(a, b hierarchy.Column) int { return a.Position - b.Position }
	if !slices.IsSortedFunc(cols, byPosition) {
		cols = slices.Clone(cols)
		slices.SortStableFunc(cols, byPosition)
	}
	n := 1
	for i := range cols {
		n += 4 + len(cols[i].Name) + len(cols[i].Type) + len(cols[i].Comment) + 3
	}
	b := make([]byte, 0, n)
	b = binary.AppendUvarint(b, uint64(len(cols)))
	for i := range cols {
		c := &cols[i]
		v := uint64(c.Position) << 1
		if c.Nullable {
			v |= 1
		}
		b = binary.AppendUvarint(b, v)
		b = appendString(b, c.Name)
		b = appendString(b, c.Type)
		b = appendString(b, c.Comment)
	}
	return b
}

// decoder reads the encodings above; the first error sticks.
type decoder struct {
	b   []byte
	err error
	// intern, when not nil, keeps one copy of each string decoded, so that
	// the column types and names that repeat across a snapshot's tables
	// share memory.
	intern map[string]string
}

var errBadBlob = errors.New("malformed column or tag list")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadBlob
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errBadBlob
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	b := d.bytes()
	if len(b) == 0 {
		return ""
	}
	if d.intern != nil {
		if s, ok := d.intern[string(b)]; ok {
			return s
		}
		s := string(b)
		d.intern[s] = s
		return s
	}
	return string(b)
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = errBadBlob
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// count reads a list length, checking it against the bytes left (every
// entry takes at least min bytes).
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.err = errBadBlob
	}
	return int(n)
}

// decodeColumns decodes an encodeColumns blob, appending to dst.
func decodeColumns(b []byte, dst []hierarchy.Column, intern map[string]string) ([]hierarchy.Column, error) {
	if len(b) == 0 {
		return dst, nil
	}
	d := decoder{b: b, intern: intern}
	n := d.count(4)
	for range n {
		v := d.uvarint()
		c := hierarchy.Column{Position: int(v >> 1), Nullable: v&1 != 0}
		c.Name = d.string()
		c.Type = d.string()
		c.Comment = d.string()
		dst = append(dst, c)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadBlob
	}
	return dst, d.err
}

// columnNames returns the names of the columns of an encodeColumns blob.
func columnNames(b []byte) ([]string, error) {
	cols, err := decodeColumns(b, nil, nil)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names, nil
}

// Tag lists.
//
// The tags on an object and its columns are stored twice: as rows of the
// tags table, keyed for FindByTag, and as a BLOB in the object's row, so
// that Object and Snapshot read them with the object and need no second
// index. The BLOB lists them ordered by column ("" first: the object's
// own), source and name: a uvarint count, then per tag the column, a
// source byte, the name and the value.

// tagRec is one tag on an object (col "") or on one of its columns.
type tagRec struct {
	col   string
	src   hierarchy.TagSource
	name  string
	value string
}

func cmpTag(a, b tagRec) int {
	if c := strings.Compare(a.col, b.col); c != 0 {
		return c
	}
	if a.src != b.src {
		return int(a.src) - int(b.src)
	}
	return strings.Compare(a.name, b.name)
}

// encodeTags returns the encoding of tags, which must be sorted with
// cmpTag, or nil for none.
func encodeTags(tags []tagRec) []byte {
	if len(tags) == 0 {
		return nil
	}
	n := 1
	for _, t := range tags {
		n += len(t.col) + len(t.name) + len(t.value) + 4
	}
	b := make([]byte, 0, n)
	b = binary.AppendUvarint(b, uint64(len(tags)))
	for _, t := range tags {
		b = appendString(b, t.col)
		b = append(b, byte(t.src))
		b = appendString(b, t.name)
		b = appendString(b, t.value)
	}
	return b
}

// decodeTags decodes an encodeTags blob.
func decodeTags(b []byte, intern map[string]string) ([]tagRec, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b, intern: intern}
	n := d.count(4)
	out := make([]tagRec, 0, n)
	for range n {
		var t tagRec
		t.col = d.string()
		t.src = hierarchy.TagSource(d.byte())
		t.name = d.string()
		t.value = d.string()
		out = append(out, t)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadBlob
	}
	return out, d.err
}

// putTag adds t to the sorted list tags, replacing the value of the same
// tag if it is there.
func putTag(tags []tagRec, t tagRec) []tagRec {
	i, found := slices.BinarySearchFunc(tags, t, cmpTag)
	if found {
		tags[i].value = t.value
		return tags
	}
	return slices.Insert(tags, i, t)
}

// dropTag removes t (by column, source and name) from the sorted list
// tags and reports whether it was there.
func dropTag(tags []tagRec, t tagRec) ([]tagRec, bool) {
	i, found := slices.BinarySearchFunc(tags, t, cmpTag)
	if !found {
		return tags, false
	}
	return slices.Delete(tags, i, i+1), true
}

// fillTags puts tags on o and its columns (which must be filled).
func fillTags(o *hierarchy.Object, tags []tagRec) {
	for _, t := range tags {
		tag := hierarchy.Tag{Name: t.name, Value: t.value, Source: t.src}
		if t.col == "" {
			o.Tags = append(o.Tags, tag)
			continue
		}
		for i := range o.Columns {
			if o.Columns[i].Name == t.col {
				o.Columns[i].Tags = append(o.Columns[i].Tags, tag)
				break
			}
		}
	}
}

// Times are stored as microseconds since the Unix epoch, the precision
// PostgreSQL keeps too, with NULL for the zero time.

func toMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}
