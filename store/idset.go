package store

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"github.com/govkit/connections/hierarchy"
)

// idSet is a set of non-zero IDs, sized once: what ValidateChangeSet uses
// to check that a change set names each object once. It costs a fraction
// of a map: one pointer-free array, open addressing, a cheap hash.
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
