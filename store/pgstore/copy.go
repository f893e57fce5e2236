package pgstore

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// copyWriter encodes rows in COPY's binary format, so that COPY's rows
// are written without the driver's per-value encoding (reflection and an
// allocation per value). Types: uuid (16 bytes), int2, int8, timestamptz
// (microseconds since 2000-01-01 UTC), text and bytea (their bytes); each
// field is preceded by its length, -1 for NULL.
type copyWriter struct {
	buf []byte
}

// pgEpoch is the zero of timestamptz's binary form, 2000-01-01 00:00 UTC,
// in Unix microseconds.
const pgEpoch = 946_684_800_000_000

func (w *copyWriter) header() {
	w.buf = append(w.buf, "PGCOPY\n\377\r\n\000"...)
	w.buf = binary.BigEndian.AppendUint32(w.buf, 0) // flags
	w.buf = binary.BigEndian.AppendUint32(w.buf, 0) // header extension
}

func (w *copyWriter) trailer() { w.buf = binary.BigEndian.AppendUint16(w.buf, 0xffff) }

func (w *copyWriter) row(fields int) { w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(fields)) }

func (w *copyWriter) null() { w.buf = binary.BigEndian.AppendUint32(w.buf, 0xffffffff) }

func (w *copyWriter) uuid(id hierarchy.ID) {
	w.buf = binary.BigEndian.AppendUint32(w.buf, 16)
	w.buf = append(w.buf, id[:]...)
}

func (w *copyWriter) int2(v int16) {
	w.buf = binary.BigEndian.AppendUint32(w.buf, 2)
	w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(v))
}

func (w *copyWriter) int8(v int64) {
	w.buf = binary.BigEndian.AppendUint32(w.buf, 8)
	w.buf = binary.BigEndian.AppendUint64(w.buf, uint64(v))
}

// time writes t, or NULL for the zero time.
func (w *copyWriter) time(t time.Time) {
	if t.IsZero() {
		w.null()
		return
	}
	w.int8(t.UnixMicro() - pgEpoch)
}

func (w *copyWriter) text(s string) {
	w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(len(s)))
	w.buf = append(w.buf, s...)
}

// bytes writes b, or NULL for nil.
func (w *copyWriter) bytes(b []byte) {
	if b == nil {
		w.null()
		return
	}
	w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(len(b)))
	w.buf = append(w.buf, b...)
}

// copyReader streams rows to COPY, encoding them as they are read: next
// appends the next rows to the writer and reports whether there were any.
type copyReader struct {
	w     copyWriter
	off   int
	next  func(w *copyWriter) bool
	begun bool
	done  bool
}

// copyChunk is the size the reader encodes ahead.
const copyChunk = 64 << 10

func newCopyReader(next func(w *copyWriter) bool) *copyReader {
	return &copyReader{next: next, w: copyWriter{buf: make([]byte, 0, copyChunk+4<<10)}}
}

func (r *copyReader) Read(p []byte) (int, error) {
	for r.off == len(r.w.buf) {
		if r.done {
			return 0, io.EOF
		}
		r.w.buf, r.off = r.w.buf[:0], 0
		if !r.begun {
			r.w.header()
			r.begun = true
		}
		for len(r.w.buf) < copyChunk {
			if !r.next(&r.w) {
				r.w.trailer()
				r.done = true
				break
			}
		}
	}
	n := copy(p, r.w.buf[r.off:])
	r.off += n
	return n, nil
}
