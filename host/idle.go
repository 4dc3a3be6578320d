// This file defines what the host does when its loop goes idle.

package host

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// minRelease is the least memory worth a collection when the loop goes
// idle: bytes allocated since the last release, or free heap pages the
// system still backs.
const minRelease = 1 << 20

// releasing is set while a release runs, so that they never overlap; it
// is process-wide, like the collection itself.
var releasing atomic.Bool

// releaseIdle is the hub's OnIdle: when the loop has gone idle after work
// and at least minRelease was allocated since the last release (some of
// it is garbage now) or is free but still backed by the system, it
// collects garbage and returns the memory on a goroutine of its own. Go's
// collector paces itself by allocation, not time, so without this a
// server whose connections went quiet would keep the garbage of their
// setup until the runtime's two-minute forced collection.
// It runs on the loop.
func (h *Host) releaseIdle() {
	s := [2]metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},           // allocated since the program started
		{Name: "/memory/classes/heap/free:bytes"}, // free pages the system still backs
	}
	metrics.Read(s[:])
	allocs, free := s[0].Value.Uint64(), s[1].Value.Uint64()
	if allocs-h.releasedAt < minRelease && free < minRelease || !releasing.CompareAndSwap(false, true) {
		return
	}
	h.releasedAt = allocs
	h.hub.Go(func() {
		defer releasing.Store(false)
		debug.FreeOSMemory()
	})
}
