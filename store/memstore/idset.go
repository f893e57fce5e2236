package memstore

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"github.com/govkit/connections/hierarchy"
)

// idSet is a set of non-zero IDs, sized once: what Apply uses to check
// that a change set names each object once. It costs a fraction of a map:
// one pointer-free array, open addressing, a cheap hash.
type idSet struct {
	slots []hierarchy.ID // the zero ID marks a free slot
	mask  uint64
}

// idSlots keeps the arrays of released sets, cleared.
var idSlots sync.Pool // of *[]hierarchy.ID

// newIDSet returns a set with room for n IDs. Call release when done.
func newIDSet(n int) idSet {
	size := uint64(1) << bits.Len(uint(2*n)) // at most half full
	if p, _ := idSlots.Get().(*[]hierarchy.ID); p != nil {
		if uint64(cap(*p)) >= size {
			return idSet{slots: (*p)[:size], mask: size - 1}
		}
		idSlots.Put(p)
	}
	return idSet{slots: make([]hierarchy.ID, size), mask: size - 1}
}

// release clears the set and keeps its array for another, unless it is
// of a rare size.
func (s *idSet) release() {
	if cap(s.slots) > 1<<17 {
		return
	}
	clear(s.slots)
	slots := s.slots[:0]
	s.slots = nil
	idSlots.Put(&slots)
}

// slot returns where the search for id starts. IDs made by NewID are
// random, but tests and other callers may make them by hand, so every
// bit counts.
func (s *idSet) slot(id hierarchy.ID) uint64 {
	h := binary.LittleEndian.Uint64(id[:8])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(id[8:])
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h & s.mask
}

// add adds non-zero id and reports whether it was there already.
func (s *idSet) add(id hierarchy.ID) (dup bool) {
	for i := s.slot(id); ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case id:
			return true
		case hierarchy.ID{}:
			s.slots[i] = id
			return false
		}
	}
}

// has reports whether id is in the set.
func (s *idSet) has(id hierarchy.ID) bool {
	if id.IsZero() {
		return false
	}
	for i := s.slot(id); ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case id:
			return true
		case hierarchy.ID{}:
			return false
		}
	}
}

// idIndex maps the IDs of stored objects to their nodes.
//
// It is split into shards by the low bits of the millisecond timestamp
// that starts a version 7 ID. IDs made together, such as the IDs sync
// makes for the tables of a schema it finds (hierarchy.NewIDs), share a
// shard: a change set then checks and inserts them in one small map that
// stays in cache, where one large map would be touched at a random place,
// a cache miss, for each. IDs made over time spread over the shards
// evenly; IDs made by hand may all fall in one, which is no worse than a
// single map.
type idIndex struct {
	shards [idShards]map[hierarchy.ID]*node
}

const idShards = 1 << 12

func idShard(id hierarchy.ID) int {
	return int(binary.BigEndian.Uint16(id[4:6]) & (idShards - 1))
}

// get returns the node of id, or nil.
func (x *idIndex) get(id hierarchy.ID) *node { return x.shards[idShard(id)][id] }

// has reports whether id is stored.
func (x *idIndex) has(id hierarchy.ID) bool {
	_, ok := x.shards[idShard(id)][id]
	return ok
}

// put stores n as the node of id.
func (x *idIndex) put(id hierarchy.ID, n *node) {
	m := x.shards[idShard(id)]
	if m == nil {
		m = make(map[hierarchy.ID]*node)
		x.shards[idShard(id)] = m
	}
	m[id] = n
}

// reserve prepares for n IDs, first to last, about to be put: when the
// first and the last fall in one shard not yet made (IDs made together),
// it is made with room for them all instead of growing step by step.
func (x *idIndex) reserve(first, last hierarchy.ID, n int) {
	if i := idShard(first); x.shards[i] == nil && idShard(last) == i {
		x.shards[i] = make(map[hierarchy.ID]*node, n)
	}
}

// del removes id.
func (x *idIndex) del(id hierarchy.ID) { delete(x.shards[idShard(id)], id) }
