// This file defines timers and the indexed heap that orders them by
// (deadline, creation order), so that Stop is O(log n).

package hub

import (
	"container/heap"
	"math"
	"time"
)

// A Timer runs a function on the hub, or wakes a task, at a deadline.
// Create one with (*Hub).After.
type Timer struct {
	h     *Hub
	when  int64  // deadline, in nanoseconds of the hub's clock
	seq   uint64 // creation order, breaks ties between equal deadlines
	index int    // position in the heap; -1 once fired or stopped
	fn    func()
	w     waker // when fn is nil: wake w with err
	err   error
}

// Stop prevents the timer from firing. It reports whether the call stopped
// it; false means it had already fired or been stopped. Stop is idempotent.
// It must be called from the hub loop or the running task.
func (tm *Timer) Stop() bool {
	if tm == nil || tm.index < 0 {
		return false
	}
	heap.Remove(&tm.h.timers, tm.index)
	return true
}

// Pending reports whether the timer has neither fired nor been stopped.
func (tm *Timer) Pending() bool { return tm != nil && tm.index >= 0 }

// After arranges for fn to run on the hub once d has elapsed. Timers with the
// same deadline fire in the order they were created. fn runs with the baton
// held and must not park; to block, it should spawn a task.
// It must be called from the hub loop or the running task.
func (h *Hub) After(d time.Duration, fn func()) *Timer {
	tm := &Timer{fn: fn}
	h.addTimer(tm, d)
	return tm
}

// addTimer schedules tm at now+d. A deadline past the clock's range
// saturates: the timer then never fires in practice, rather than wrapping
// round into the past and firing at once.
func (h *Hub) addTimer(tm *Timer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.seq++
	tm.h, tm.when, tm.seq = h, deadline(h.nanotime(), d), h.seq
	heap.Push(&h.timers, tm)
}

// deadline returns now+d, saturated at the largest time.
func deadline(now int64, d time.Duration) int64 {
	if int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(d)
}

// fire runs or wakes the timer's target. The timer is already off the heap.
func (tm *Timer) fire() {
	if tm.fn != nil {
		tm.fn()
		return
	}
	tm.w.wake(tm.err)
}

// timerHeap is a min-heap of timers, after container/heap's priority queue
// example, with each timer's index kept up to date.
type timerHeap []*Timer

func (th timerHeap) Len() int { return len(th) }

func (th timerHeap) Less(i, j int) bool {
	a, b := th[i], th[j]
	return a.when < b.when || a.when == b.when && a.seq < b.seq
}

func (th timerHeap) Swap(i, j int) {
	th[i], th[j] = th[j], th[i]
	th[i].index = i
	th[j].index = j
}

func (th *timerHeap) Push(x any) {
	tm := x.(*Timer)
	tm.index = len(*th)
	*th = append(*th, tm)
}

func (th *timerHeap) Pop() any {
	old := *th
	n := len(old)
	tm := old[n-1]
	old[n-1] = nil
	tm.index = -1
	*th = old[:n-1]
	return tm
}
