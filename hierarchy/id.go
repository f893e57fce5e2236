package hierarchy

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// ID identifies an object for its whole life, whatever its name. IDs are
// UUIDs of version 7: the first 48 bits are a millisecond timestamp, so IDs
// made later sort later, which keeps database indexes compact.
type ID [16]byte

// NewID returns a new random ID. It is safe for concurrent use.
func NewID() ID {
	var id ID
	_, _ = rand.Read(id[6:]) // crypto/rand.Read never fails on supported platforms.
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint16(id[4:6], uint16(ms))
	binary.BigEndian.PutUint32(id[0:4], uint32(ms>>16))
	id[6] = id[6]&0x0f | 0x70 // version 7
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// NewIDs fills ids with new IDs, as NewID makes them, for a fraction of
// the cost of calling NewID for each: the random bits are read from
// crypto/rand in a few large reads, and the clock once. It is safe for
// concurrent use.
func NewIDs(ids []ID) {
	const random = len(ID{}) - 6 // bytes after the timestamp
	var buf [256 * random]byte
	ms := uint64(time.Now().UnixMilli())
	for len(ids) > 0 {
		n := min(len(ids), len(buf)/random)
		b := buf[:n*random]
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
		for i := range n {
			id := &ids[i]
			binary.BigEndian.PutUint32(id[0:4], uint32(ms>>16))
			binary.BigEndian.PutUint16(id[4:6], uint16(ms))
			copy(id[6:], b[i*random:])
			id[6] = id[6]&0x0f | 0x70 // version 7
			id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
		}
		ids = ids[n:]
	}
}

// IsZero reports whether id is the zero ID, which names no object.
func (id ID) IsZero() bool { return id == ID{} }

// String returns the canonical UUID form, e.g.
// "0190a6e2-7c4b-7d2e-9f10-3a5b6c7d8e9f".
func (id ID) String() string {
	var b [36]byte
	id.encode(b[:])
	return string(b[:])
}

func (id ID) encode(b []byte) {
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
}

// ParseID parses the canonical UUID form String writes (either case).
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("hierarchy: invalid ID %q: want the 36-character UUID form", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return ID{}, fmt.Errorf("hierarchy: invalid ID %q: %w", s, err)
	}
	return id, nil
}

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) {
	b := make([]byte, 36)
	id.encode(b)
	return b, nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
