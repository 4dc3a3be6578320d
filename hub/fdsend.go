// This file defines the FD's send backlog: Send queues bytes and never
// parks; at the end of each loop turn, before the loop can block, fire
// timers or run posted functions, it writes every FD that Send made dirty,
// once (so that all the lines a turn's tasks wrote to one connection leave
// in one system call), and it writes what the kernel did not take whenever
// the poller reports the descriptor writable; Drain parks a task until the
// backlog has shrunk.
//
// This is the write side eventlet scripts need: a chat server writes to
// many connections while it iterates a shared list, and must not park
// there. The contract is that queued bytes leave in the turn that queued
// them: after the writer parks, before the loop waits for anything. A turn
// that fans out may first run the tasks that input arriving meanwhile made
// ready (extendTurn, at most maxExtensions times), so that their lines join
// the same writes.

package hub

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A sendQueue is an FD's send backlog. An FD has one only while bytes
// are queued, or while a task drains it.
type sendQueue struct {
	head   string    // a big string SendString queued by reference, sent before out
	out    []byte    // bytes Send queued that the kernel has not taken
	buf    []byte    // the buffer out is a suffix of, for reuse
	drainq WaitQueue // tasks in Drain
}

// bigSend is the size from which SendString keeps a string by reference
// (sendQueue.head) instead of copying it: a 100 MB line echoed back then
// costs no second 100 MB.
const bigSend = 256 << 10

// Send queues p to be written after any earlier backlog, at the end of
// the turn (see the top of this file), or when the poller reports the
// descriptor writable if the kernel's buffer is full. Send never parks, and
// p may be reused when it returns. It returns ErrClosed on a closed FD,
// also after a background write failed (Failed says why; fdabort.go).
// It must be called from the hub loop or the running task.
func (fd *FD) Send(p []byte) error { return send(fd, p) }

// SendString is Send for a string, queued without first converting it to
// a byte slice (a script's data is a string).
// It must be called from the hub loop or the running task.
func (fd *FD) SendString(s string) error {
	if len(s) >= bigSend && fd.sendBig(s) {
		return nil
	}
	return send(fd, s)
}

// sendBig queues s by reference if the FD has no backlog, and reports
// whether it did.
func (fd *FD) sendBig(s string) bool {
	if fd.closed || fd.send != nil && fd.send.out != nil {
		return false
	}
	q := fd.send
	if q == nil {
		q = fd.h.getQueue()
		fd.send = q
	}
	fd.h.backlogs++
	q.out = q.buf[:0]
	q.head = s // immutable: kept, not copied
	fd.h.queued += len(s)
	fd.markDirty(len(s))
	return true
}

func send[T ~string | ~[]byte](fd *FD, p T) error {
	if fd.closed {
		return ErrClosed
	}
	if len(p) == 0 {
		return nil
	}
	q := fd.send
	if q == nil {
		q = fd.h.getQueue()
		fd.send = q
	}
	if q.out == nil {
		fd.h.backlogs++
		q.out = q.buf[:0]
	}
	grow := len(q.out)+len(p) > cap(q.out)
	q.out = append(q.out, p...)
	if grow {
		q.buf = q.out // append moved the bytes to a new buffer
	}
	fd.h.queued += len(p)
	fd.markDirty(len(p))
	return nil
}

// markDirty puts the FD on the list of the turn's flush, for n more bytes.
func (fd *FD) markDirty(n int) {
	if !fd.dirty && fd.wready {
		fd.dirty = true
		fd.h.dirty = append(fd.h.dirty, fd)
	}
	if fd.dirty {
		fd.h.turnBytes += n // bytes for the turn's flush (extendTurn)
	}
}

// flushDirty writes the backlog of every FD that Send made dirty, once
// each. The loop calls it at the end of every turn: after the sender
// parked, before any other task's wait can block the loop.
func (h *Hub) flushDirty() {
	for i, fd := range h.dirty {
		h.dirty[i] = nil
		fd.dirty = false
		if !fd.released && fd.send != nil {
			fd.flushOut()
		}
	}
	h.dirty = h.dirty[:0]
	h.turnBytes = 0
}

// Backlog buffers are reused: a chat server's turn makes hundreds of
// connections dirty at once, and allocating a buffer for each would make
// the garbage collector the server's main work. A drained send queue keeps
// its buffer and goes on the hub's free list, which holds at most
// maxFreeBytes of buffers (each at most maxFreeBufCap) and is emptied when
// the loop goes idle (see pollIdle).
const (
	firstBufCap   = 1 << 10
	maxFreeBufCap = 64 << 10
	maxFreeBytes  = 2 << 20
)

// getQueue returns an empty send queue, reusing a freed one and its buffer.
func (h *Hub) getQueue() *sendQueue {
	if n := len(h.freeQueues); n > 0 {
		q := h.freeQueues[n-1]
		h.freeQueues[n-1] = nil
		h.freeQueues = h.freeQueues[:n-1]
		h.freeBytes -= cap(q.buf)
		return q
	}
	return &sendQueue{buf: make([]byte, 0, firstBufCap)}
}

// putQueue keeps a drained, error-free send queue for reuse.
func (h *Hub) putQueue(q *sendQueue) {
	if cap(q.buf) > maxFreeBufCap || h.freeBytes+cap(q.buf) > maxFreeBytes {
		return
	}
	h.freeBytes += cap(q.buf)
	h.freeQueues = append(h.freeQueues, q)
}

// dropFree empties the free list, for the garbage collector to take.
func (h *Hub) dropFree() {
	clear(h.freeQueues)
	h.freeQueues = h.freeQueues[:0:0]
	h.freeBytes = 0
}

// Backlog returns the number of bytes queued by Send and not yet taken by
// the kernel.
// It must be called from the hub loop or the running task.
func (fd *FD) Backlog() int {
	if fd.send == nil {
		return 0
	}
	return len(fd.send.head) + len(fd.send.out)
}

// Drain parks t until at most max bytes of backlog remain. It returns
// ErrClosed if the FD is closed meanwhile, ErrTimeout once timeout has
// passed (< 0: never), and the error of a failed background write (or
// ErrOutputLimit) if the FD failed. Any number of tasks may drain at once.
// It must be called by t itself.
func (fd *FD) Drain(t *Task, max int, timeout time.Duration) error {
	var until int64
	if timeout >= 0 {
		until = deadline(fd.h.nanotime(), timeout)
	}
	for fd.Backlog() > max {
		if fd.closed {
			return fd.closedErr()
		}
		d := time.Duration(-1)
		if timeout >= 0 {
			if d = time.Duration(until - fd.h.nanotime()); d <= 0 {
				return ErrTimeout
			}
		}
		fd.h.ioWaiters++
		_, err := fd.send.drainq.Wait(t, fd.reason('w'), d, nil)
		fd.h.ioWaiters--
		if err == ErrClosed {
			return fd.closedErr()
		}
		if err != nil {
			return err
		}
	}
	if fd.closed {
		return fd.closedErr()
	}
	return nil
}

// closedErr is the error of a call on a closed FD: its failure, if it
// failed, else ErrClosed.
func (fd *FD) closedErr() error {
	if fd.failed != nil {
		return fd.failed
	}
	return ErrClosed
}

// CloseFlushed is Close for a writer: the FD is closed for its users at
// once (later calls return ErrClosed, parked tasks wake with ErrClosed),
// but the descriptor stays open until the loop has written the backlog or
// a write fails; then it is closed. Without a backlog it is Close. A
// lingering descriptor is closed by Close and when the hub closes.
// It must be called from the hub loop or the running task.
func (fd *FD) CloseFlushed() error {
	if fd.closed {
		return ErrClosed
	}
	if fd.Backlog() == 0 {
		return fd.Close()
	}
	fd.markClosed()
	return nil
}

// flushOut writes the backlog when the poller reports the FD writable.
// It runs on the loop.
func (fd *FD) flushOut() {
	q := fd.send
	if len(q.head) == 0 && len(q.out) == 0 {
		return
	}
	fd.h.flushes++
	var n int
	var err error
	if len(q.head) > 0 {
		n, err = fd.rawWrite(unsafe.Slice(unsafe.StringData(q.head), len(q.head)))
		q.head = q.head[n:]
	}
	if err == nil {
		var m int
		if fd.closed && fd.tcp {
			m, err = fd.lastWrite(q.out)
		} else {
			m, err = fd.rawWrite(q.out)
		}
		q.out = q.out[m:]
		n += m
	}
	fd.h.queued -= n
	if err != nil && err != unix.EAGAIN {
		// The failure belongs to the FD's reader: see fdabort.go.
		fd.fail(err)
		return
	}
	if n > 0 {
		q.drainq.WakeAll(nil)
	}
	if len(q.head) == 0 && len(q.out) == 0 {
		fd.dropOut()
	}
	if fd.closed && fd.Backlog() == 0 {
		fd.release()
	}
}

// dropOut forgets the backlog. The queue goes back to the hub's free list
// unless it keeps an error or a task drains it.
func (fd *FD) dropOut() {
	q := fd.send
	if q == nil {
		return
	}
	if q.out != nil {
		fd.h.queued -= len(q.head) + len(q.out)
		q.out = nil
		q.head = ""
		fd.h.backlogs--
	}
	if q.drainq.Len() == 0 {
		fd.send = nil
		fd.h.putQueue(q)
	}
}

// FlushNow is Flush also when the kernel's buffer was full at the last
// write: for a caller about to judge the backlog (the output limit), which
// must count what the peer has read since, though the poller has not yet
// said so (a long turn: a broadcast loop that runs on through its input).
// It costs a system call that may find the buffer still full.
// It must be called from the hub loop or the running task.
func (fd *FD) FlushNow() {
	if fd.send != nil && !fd.released && !fd.closed {
		fd.flushOut()
	}
}

// Flush writes as much of the backlog as the kernel takes now, without
// parking and whether or not the poller has reported the descriptor writable:
// for a task that queues much in one turn (a chat line fanned out while
// its sender's input keeps arriving), whose bytes would otherwise wait
// for the end of the turn. A failed write fails the FD (fdabort.go).
// It must be called from the hub loop or the running task.
func (fd *FD) Flush() {
	// Not while the kernel's buffer is full (the last write met EAGAIN):
	// the loop writes when the poller says writable, and a write now would only
	// fail again, once per line fanned out to a peer that does not read.
	if fd.send != nil && !fd.released && fd.wready {
		fd.flushOut()
	}
}
