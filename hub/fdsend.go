// This file defines the FD's send backlog: Send queues bytes and never
// parks; at the end of each loop turn, before it can block, the loop
// writes every FD that Send made dirty, once (so that all the lines a turn's
// tasks wrote to one connection leave in one system call), and it writes
// what the kernel did not take whenever epoll reports the descriptor
// writable; Drain parks a task until the backlog has shrunk.
//
// This is the write side eventlet scripts need: a chat server writes to
// many connections while it iterates a shared list, and must not park
// there. The contract is that queued bytes leave no later than the sending
// task's next park.

package hub

import (
	"time"

	"golang.org/x/sys/unix"
)

// A sendQueue is an FD's send backlog. An FD has one only while bytes
// are queued, or after a write of the backlog failed (to keep the error).
type sendQueue struct {
	out    []byte    // bytes Send queued that the kernel has not taken
	buf    []byte    // the buffer out is a suffix of, for reuse
	err    error     // sticky error of a write of the backlog
	drainq WaitQueue // tasks in Drain
}

// Send queues p to be written after any earlier backlog and writes as much
// as the kernel takes now; the loop writes the rest when the descriptor
// becomes writable. Send never parks, and p may be reused when it returns.
// It returns ErrClosed on a closed FD, and the error of an earlier
// background write (sticky: the backlog is then dropped).
// It must be called from the hub loop or the running task.
func (fd *FD) Send(p []byte) error { return send(fd, p) }

// SendString is Send for a string, queued without first converting it to
// a byte slice (a script's data is a string).
// It must be called from the hub loop or the running task.
func (fd *FD) SendString(s string) error { return send(fd, s) }

func send[T ~string | ~[]byte](fd *FD, p T) error {
	if fd.closed {
		return ErrClosed
	}
	if fd.send != nil && fd.send.err != nil {
		return fd.send.err
	}
	if len(p) == 0 {
		return nil
	}
	if fd.send == nil {
		fd.send = &sendQueue{}
	}
	q := fd.send
	if q.out == nil {
		fd.h.backlogs++
		q.buf = fd.h.getBuf()
		q.out = q.buf
	}
	grow := len(q.out)+len(p) > cap(q.out)
	q.out = append(q.out, p...)
	if grow {
		q.buf = q.out // append moved the bytes to a new buffer
	}
	if !fd.dirty && fd.wready {
		fd.dirty = true
		fd.h.dirty = append(fd.h.dirty, fd)
	}
	return nil
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
}

// maxFreeBufs and maxFreeBufCap bound the backlog buffers kept for reuse.
const (
	maxFreeBufs   = 256
	maxFreeBufCap = 64 << 10
)

// getBuf returns an empty buffer for a backlog, reusing a freed one.
func (h *Hub) getBuf() []byte {
	if n := len(h.freeBufs); n > 0 {
		b := h.freeBufs[n-1]
		h.freeBufs = h.freeBufs[:n-1]
		return b
	}
	return make([]byte, 0, 4096)
}

// putBuf keeps a drained backlog buffer for reuse.
func (h *Hub) putBuf(b []byte) {
	if cap(b) <= maxFreeBufCap && len(h.freeBufs) < maxFreeBufs {
		h.freeBufs = append(h.freeBufs, b[:0])
	}
}

// Backlog returns the number of bytes queued by Send and not yet taken by
// the kernel.
// It must be called from the hub loop or the running task.
func (fd *FD) Backlog() int {
	if fd.send == nil {
		return 0
	}
	return len(fd.send.out)
}

// Drain parks t until at most max bytes of backlog remain. It returns
// ErrClosed if the FD is closed meanwhile, ErrTimeout once timeout has
// passed (< 0: never), and the error of a failed background write. Any
// number of tasks may drain at once.
// It must be called by t itself.
func (fd *FD) Drain(t *Task, max int, timeout time.Duration) error {
	var deadline int64
	if timeout >= 0 {
		deadline = fd.h.nanotime() + int64(timeout)
	}
	for fd.Backlog() > max {
		if fd.closed {
			return ErrClosed
		}
		d := time.Duration(-1)
		if timeout >= 0 {
			if d = time.Duration(deadline - fd.h.nanotime()); d <= 0 {
				return ErrTimeout
			}
		}
		fd.h.ioWaiters++
		_, err := fd.send.drainq.Wait(t, fd.reason('w'), d, nil)
		fd.h.ioWaiters--
		if err != nil {
			return err
		}
	}
	if fd.closed {
		return ErrClosed
	}
	if fd.send != nil {
		return fd.send.err
	}
	return nil
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

// flushOut writes the backlog when epoll reports the FD writable.
// It runs on the loop.
func (fd *FD) flushOut() {
	q := fd.send
	if len(q.out) == 0 {
		return
	}
	n, err := fd.rawWrite(q.out)
	q.out = q.out[n:]
	if err != nil && err != unix.EAGAIN {
		q.err = err
		fd.dropOut()
	}
	if len(q.out) == 0 {
		fd.dropOut()
	}
	if n > 0 || q.err != nil {
		q.drainq.WakeAll(nil)
	}
	if fd.closed && fd.Backlog() == 0 {
		fd.release()
	}
}

// dropOut forgets the backlog, and the queue itself unless it keeps an
// error.
func (fd *FD) dropOut() {
	q := fd.send
	if q == nil {
		return
	}
	if q.out != nil {
		fd.h.putBuf(q.buf)
		q.out, q.buf = nil, nil
		fd.h.backlogs--
	}
	if q.err == nil {
		fd.send = nil
	}
}
