// This file defines WaitQueue, a FIFO of parked tasks on which channels,
// events, pools, queues and semaphores are built.

package hub

import "time"

// A WaitQueue is a FIFO of parked tasks. The zero value is an empty queue.
// A task leaves the queue the moment it is woken, through the queue or for
// any other reason (a kill, a timeout), so the queue never holds a stale
// entry and Len counts exactly the tasks still waiting. All methods must be
// called from the hub loop or the running task.
type WaitQueue struct {
	head, tail *Waiter
	n          int
}

// A Waiter is one task's place in a WaitQueue. It carries a value, which
// the waiting task supplies and the waker may replace. Each task has one
// Waiter, reused by all its waits, so a *Waiter (from Front or Waiters) is
// only valid until its task resumes: use it at once, never keep it.
type Waiter struct {
	// Value is the value the waiter was queued with, or the one a waker
	// gave it.
	Value any

	w          waker
	q          *WaitQueue
	prev, next *Waiter
}

// Len returns the number of waiting tasks. A task woken by a kill or a
// timeout is no longer counted, even before it runs again.
func (q *WaitQueue) Len() int { return q.n }

// Wait parks t at the back of q, with value, until a waker wakes it, it is
// killed, or timeout elapses (ErrTimeout; timeout < 0 waits forever). It
// returns the waiter's value as the waker left it.
// It must be called by t itself.
func (q *WaitQueue) Wait(t *Task, reason string, timeout time.Duration, value any) (any, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	wt := &t.waiter
	*wt = Waiter{Value: value, w: t.Waker()}
	q.pushBack(wt)
	var err error
	if timeout < 0 {
		err = t.Park(reason) // one frame less for the parked stack
	} else {
		err = t.ParkTimeout(reason, timeout)
	}
	q.remove(wt)
	v := wt.Value
	wt.Value = nil
	return v, err
}

// Front returns the first waiter whose task is still parked, or nil.
func (q *WaitQueue) Front() *Waiter {
	for wt := q.head; wt != nil; wt = q.head {
		if wt.live() {
			return wt
		}
		q.remove(wt)
	}
	return nil
}

// Waiters returns the live waiters in order.
func (q *WaitQueue) Waiters() []*Waiter {
	var ws []*Waiter
	for wt := q.head; wt != nil; wt = wt.next {
		if wt.live() {
			ws = append(ws, wt)
		}
	}
	return ws
}

// WakeOne wakes the first waiter with err and reports whether there was one.
func (q *WaitQueue) WakeOne(err error) bool {
	wt := q.Front()
	if wt == nil {
		return false
	}
	wt.Wake(wt.Value, err)
	return true
}

// WakeAll wakes every waiter with err, in order, and returns how many.
func (q *WaitQueue) WakeAll(err error) int {
	n := 0
	for q.WakeOne(err) {
		n++
	}
	return n
}

// Task returns the waiting task.
func (wt *Waiter) Task() *Task { return wt.w.t }

// Wake removes the waiter from its queue, sets its value and makes its task
// runnable; the task's Wait returns (value, err).
func (wt *Waiter) Wake(value any, err error) bool {
	if wt.q != nil {
		wt.q.remove(wt)
	}
	wt.Value = value
	return wt.w.wake(err)
}

func (wt *Waiter) live() bool {
	t := wt.w.t
	return t.state == stateParked && t.gen == wt.w.gen
}

func (q *WaitQueue) pushBack(wt *Waiter) {
	wt.q = q
	wt.prev = q.tail
	if q.tail != nil {
		q.tail.next = wt
	} else {
		q.head = wt
	}
	q.tail = wt
	q.n++
}

func (q *WaitQueue) remove(wt *Waiter) {
	if wt.q != q {
		return
	}
	if wt.prev != nil {
		wt.prev.next = wt.next
	} else {
		q.head = wt.next
	}
	if wt.next != nil {
		wt.next.prev = wt.prev
	} else {
		q.tail = wt.prev
	}
	wt.prev, wt.next, wt.q = nil, nil, nil
	q.n--
}
