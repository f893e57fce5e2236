// Package fingerprint holds the canonical encoding object sync hashes
// listings with: each listed table with its columns, and each platform tag
// assignment, encoded with every field length-prefixed and hashed with
// xxhash. Sync (package sync) combines these hashes into the fingerprints
// it records; syncbench hashes every table the same way to measure the
// read-side floor of a sync. A change to the encoding must come with a new
// fingerprintVersion in package sync, so that fingerprints recorded before
// never match.
package fingerprint

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"

	"github.com/govkit/connections/connectors"
)

// Hasher hashes with the canonical encoding. It reuses one buffer, and is
// not safe for concurrent use; the zero value is ready.
type Hasher struct {
	buf []byte
}

// Table hashes one listed table (or database or schema, in the shape of
// a table) with its columns.
func (h *Hasher) Table(t *connectors.Table) uint64 {
	b := h.Scratch()
	b = AppendString(b, t.Name)
	b = AppendString(b, t.Type)
	b = AppendString(b, t.Comment)
	b = binary.AppendUvarint(b, uint64(len(t.Columns)))
	for i := range t.Columns {
		c := &t.Columns[i]
		b = AppendString(b, c.Name)
		b = AppendString(b, c.Type)
		b = binary.AppendUvarint(b, uint64(c.Position))
		if c.Nullable {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = AppendString(b, c.Comment)
	}
	return h.Sum(b)
}

// Tag hashes one platform tag assignment.
func (h *Hasher) Tag(a *connectors.TagAssignment) uint64 {
	b := h.Scratch()
	b = AppendString(b, a.Table)
	b = AppendString(b, a.Column)
	b = AppendString(b, a.Name)
	b = AppendString(b, a.Value)
	return h.Sum(b)
}

// Scratch returns the hasher's buffer, emptied, to encode something else
// on; Sum hashes what was encoded and keeps the buffer for the next use.
func (h *Hasher) Scratch() []byte { return h.buf[:0] }

// Sum returns the hash of b, a buffer Scratch returned with an encoding
// appended, and keeps it for reuse.
func (h *Hasher) Sum(b []byte) uint64 {
	h.buf = b
	return xxhash.Sum64(b)
}

// AppendString appends s to b, prefixed with its length as a uvarint.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
