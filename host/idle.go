// This file defines what the host does when its loop goes idle.

package host

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// minRelease is the least memory worth a collection when the loop goes
// idle: garbage plus free heap pages not yet returned to the system.
const minRelease = 1 << 20

// idleSamples are the runtime metrics releaseIdle reads.
var idleSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"}, // live and dead objects
	{Name: "/gc/heap/live:bytes"},                // live, as of the last collection
	{Name: "/memory/classes/heap/free:bytes"},    // free pages the system still backs
}

// releasing is set while a release runs, so that they never overlap.
var releasing atomic.Bool

// releaseIdle is the hub's OnIdle: when the loop has gone idle after work
// and at least minRelease of garbage or free pages could go back to the
// system, it collects garbage and returns the memory on a goroutine of its
// own. Go's collector paces itself by allocation, not time, so without
// this a server whose connections went quiet would keep the garbage of
// their setup (about 2.6 KiB per connection in the idle benchmark) until
// the runtime's two-minute forced collection.
// It runs on the loop.
func (h *Host) releaseIdle() {
	metrics.Read(idleSamples)
	objects, live, free := idleSamples[0].Value.Uint64(), idleSamples[1].Value.Uint64(), idleSamples[2].Value.Uint64()
	if objects-min(objects, live)+free < minRelease || !releasing.CompareAndSwap(false, true) {
		return
	}
	h.hub.Go(func() {
		defer releasing.Store(false)
		debug.FreeOSMemory()
	})
}
