// This file defines FIFO, the ring-buffer queue under the hub's run queue
// and under the script values that queue items (coros.queue's items, an
// Actor's mailbox).

package hub

// A FIFO is a first-in, first-out queue backed by a ring buffer that
// doubles when full. The zero value is an empty queue. It is not safe for
// concurrent use: the hub's values are guarded by its one-runner rule.
type FIFO[T any] struct {
	buf        []T
	head, size int
}

// Len returns the number of items queued.
func (q *FIFO[T]) Len() int { return q.size }

// Push adds v at the back.
func (q *FIFO[T]) Push(v T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
}

// Pop removes and returns the item at the front. The queue must not be
// empty.
func (q *FIFO[T]) Pop() T {
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return v
}

func (q *FIFO[T]) grow() {
	n := 2 * len(q.buf)
	if n == 0 {
		n = 8
	}
	buf := make([]T, n)
	for i := 0; i < q.size; i++ {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}
