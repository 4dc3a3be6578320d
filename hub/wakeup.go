// This file defines the wakeup through which other goroutines make the
// loop's wait return: a descriptor that every poller watches for reading
// (an eventfd on Linux, a pipe elsewhere, in wakeup_*.go), written at most
// once per wait thanks to a CAS.

package hub

import "sync/atomic"

// A wakeup wakes the loop from any goroutine.
type wakeup struct {
	rfd, wfd int         // read and write ends (the same eventfd on Linux)
	waking   atomic.Bool // a wake-up is pending in the descriptor
	sleeping atomic.Bool // the loop is in, or about to enter, a wait that may block (Hub.poll)
	closed   atomic.Bool
	buf      [64]byte
}

// wake makes a blocked or the next wait return.
// It is safe to call from any goroutine.
func (w *wakeup) wake() {
	if w.closed.Load() || !w.waking.CompareAndSwap(false, true) {
		return
	}
	w.signal()
}

// drain empties the descriptor after the poller saw it readable. The order
// matters: a wake between the read and the Store is not lost, because the
// loop looks at the inbox, the holds and its context after every wait.
// It must be called from the hub loop.
func (w *wakeup) drain() {
	w.read()
	w.waking.Store(false)
}
