// This file defines the run queue, a FIFO of tasks.

package hub

// queue is a FIFO of tasks backed by a ring buffer.
type queue struct {
	buf        []*Task
	head, size int
}

func (q *queue) len() int { return q.size }

func (q *queue) push(t *Task) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.size)%len(q.buf)] = t
	q.size++
}

func (q *queue) pop() *Task {
	t := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return t
}

func (q *queue) grow() {
	n := 2 * len(q.buf)
	if n == 0 {
		n = 64
	}
	buf := make([]*Task, n)
	for i := 0; i < q.size; i++ {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}
