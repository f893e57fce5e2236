package pgstore

import (
	"bytes"

	"github.com/govkit/connections/hierarchy"
)

// A tag row keeps its object's path as a key: the segments joined by a
// zero byte. Keys compare as bytes (memcmp) in the order of paths compared
// segment by segment, a path before the paths below it, because no
// segment holds a zero byte (PostgreSQL text cannot) and zero is the
// least byte. The keys of a connection's paths are those from its key up
// to, but not including, its key followed by the byte 1.

// appendPathKey appends the key of p to dst.
func appendPathKey(dst []byte, p []string) []byte {
	for i, s := range p {
		if i > 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, s...)
	}
	return dst
}

// splitPathKey returns the path of a key; its segments share one string.
func splitPathKey(k []byte) hierarchy.Path {
	if len(k) == 0 {
		return nil
	}
	all := string(k)
	p := make(hierarchy.Path, 0, bytes.Count(k, []byte{0})+1)
	for {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return append(p, all[len(all)-len(k):])
		}
		start := len(all) - len(k)
		p = append(p, all[start:start+i])
		k = k[i+1:]
	}
}

// connectionRange returns the bounds [lo, hi) of the keys of the paths of
// a connection.
func connectionRange(key string) (lo, hi []byte) {
	lo = []byte(key)
	hi = append([]byte(key), 1)
	return lo, hi
}
