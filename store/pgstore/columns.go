package pgstore

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/govkit/connections/hierarchy"
)

// A table's columns are stored as one bytea value, so that writing or
// reading a table is one row however many columns it has:
//
//	format byte (1)
//	uvarint count
//	per column, in position order:
//	    uvarint len, name bytes
//	    uvarint len, type bytes
//	    uvarint len, comment bytes
//	    uvarint position << 1 | nullable
//
// Tags on columns are rows of the tags table, found by column name.
const columnsFormat = 1

var errBadColumns = errors.New("pgstore: stored columns are malformed")

// encodeColumns appends the encoding of cols (ordered by position) to
// dst. No columns encode as nil (NULL).
func encodeColumns(dst []byte, cols []hierarchy.Column) []byte {
	if len(cols) == 0 {
		return nil
	}
	dst = append(dst, columnsFormat)
	dst = binary.AppendUvarint(dst, uint64(len(cols)))
	for i := range cols {
		c := &cols[i]
		dst = appendString(dst, c.Name)
		dst = appendString(dst, c.Type)
		dst = appendString(dst, c.Comment)
		v := uint64(c.Position) << 1
		if c.Nullable {
			v |= 1
		}
		dst = binary.AppendUvarint(dst, v)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// encodedSize returns an upper bound of the encoding's length.
func encodedSize(cols []hierarchy.Column) int {
	n := 1 + binary.MaxVarintLen64
	for i := range cols {
		n += len(cols[i].Name) + len(cols[i].Type) + len(cols[i].Comment) + 4*binary.MaxVarintLen64
	}
	return n
}

// decodeColumns decodes b. The strings share one allocation: b is copied
// into one string that the names, types and comments are slices of.
func decodeColumns(b []byte) ([]hierarchy.Column, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != columnsFormat {
		return nil, errBadColumns
	}
	all := string(b)
	p := 1
	n, k := binary.Uvarint(b[p:])
	if k <= 0 || n > uint64(len(b)) {
		return nil, errBadColumns
	}
	p += k
	cols := make([]hierarchy.Column, n)
	str := func() (string, bool) {
		l, k := binary.Uvarint(b[p:])
		if k <= 0 || l > uint64(len(b)-p-k) {
			return "", false
		}
		start := p + k
		p = start + int(l)
		return all[start:p], true
	}
	for i := range cols {
		c := &cols[i]
		var ok1, ok2, ok3 bool
		c.Name, ok1 = str()
		c.Type, ok2 = str()
		c.Comment, ok3 = str()
		if !ok1 || !ok2 || !ok3 {
			return nil, errBadColumns
		}
		v, k := binary.Uvarint(b[p:])
		if k <= 0 || v>>1 > math.MaxInt32 {
			return nil, errBadColumns
		}
		p += k
		c.Position, c.Nullable = int(v>>1), v&1 == 1
	}
	if p != len(b) {
		return nil, errBadColumns
	}
	return cols, nil
}

// hasColumn reports whether the encoded columns b have one named name;
// ok is false for a malformed encoding.
func hasColumn(b []byte, name string) (has, ok bool) {
	cols, err := decodeColumns(b)
	if err != nil {
		return false, false
	}
	for i := range cols {
		if cols[i].Name == name {
			return true, true
		}
	}
	return false, true
}
