// This file defines how a turn of the loop ends: the tasks of the turn
// run, a turn that fans out gathers the input that arrived meanwhile, and
// when nothing is left the loop waits in epoll, noticing when it has gone
// idle. The flush of the turn's writes is in fdsend.go.

package hub

// runTurn resumes the tasks of the current turn, in order.
func (h *Hub) runTurn() {
	for next := h.nextInTurn(); next != nil; next = h.nextInTurn() {
		h.resume(next)
	}
}

// A turn that fans out (its tasks made several times more FDs dirty than
// there were tasks: a chat server's broadcast) and whose writes are still
// small takes in the input that arrived while it ran, up to maxExtensions
// times, before it flushes: each write system call costs about as much as
// a kilobyte of payload, and the new lines join the same writes (loadgen
// chat, 100 clients, 1 line in flight: 4.9 -> 9.6 lines per write). A turn
// whose tasks each wrote to their own connection (echo) gains nothing by
// waiting, and once the writes average extendBelow bytes the turn ends
// too, so that output keeps flowing while input goes on arriving.
const (
	maxExtensions = 4
	extendBelow   = 1024
	fanOut        = 4
)

// extendTurn runs, before the turn's flush, the tasks that input arriving
// during the turn made ready, so that their lines join the same writes.
// ran is the number of tasks the turn resumed; a turn that ran none (only
// timers or posted functions sent) is not extended.
func (h *Hub) extendTurn(ran int) error {
	for range maxExtensions {
		if ran == 0 || h.stopped || h.runq.Len() > 0 || h.ioWaiters == 0 ||
			len(h.dirty) < fanOut*ran || h.turnBytes >= extendBelow*len(h.dirty) {
			return nil
		}
		if err := h.poll(0); err != nil {
			return err
		}
		if h.runq.Len() == 0 {
			return nil
		}
		h.turn = h.runq.Len()
		ran += h.turn
		h.worked = true
		h.runTurn()
	}
	return nil
}

// pollIdle blocks in epoll until an FD event, the next timer or a post.
// After a spell of work it wakes after idleAfter at the latest, and if
// nothing happened meanwhile the loop has gone idle: it lets the garbage
// collector have the spare send queues and runs OnIdle, so that an idle
// server holds no more memory than its connections need.
func (h *Hub) pollIdle() error {
	timeout := h.pollTimeout()
	if (!h.worked && len(h.freeQueues) == 0) || (timeout >= 0 && timeout <= h.idleAfter) {
		return h.poll(timeout)
	}
	start := h.nanotime()
	if err := h.poll(h.idleAfter); err != nil {
		return err
	}
	if h.runq.Len() == 0 && !h.posted.Load() && h.nanotime()-start >= int64(h.idleAfter) {
		h.dropFree()
		h.worked = false
		if h.onIdle != nil {
			h.onIdle()
		}
	}
	return nil
}
