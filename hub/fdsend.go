// This file defines the FD's send backlog: Send queues bytes and never
// parks, the loop writes the backlog whenever epoll reports the descriptor
// writable, and Drain parks a task until the backlog has shrunk.
//
// This is the write side eventlet scripts need: a chat server writes to
// many connections while it iterates a shared list, and must not park
// there. The contract is that queued bytes leave no later than the sending
// task's next park (Send writes what the kernel takes at once; the loop
// writes the rest as soon as the kernel takes more). A later version may
// instead only queue in Send and write every dirty FD's backlog once per
// loop turn, with one writev, before the turn's first park; the contract
// allows it.

package hub

import (
	"time"

	"golang.org/x/sys/unix"
)

// A sendQueue is an FD's send backlog. An FD has one only while bytes
// are queued, or after a write of the backlog failed (to keep the error).
type sendQueue struct {
	out    []byte    // bytes Send queued that the kernel has not taken
	err    error     // sticky error of a write of the backlog
	drainq WaitQueue // tasks in Drain
}

// Send queues p to be written after any earlier backlog and writes as much
// as the kernel takes now; the loop writes the rest when the descriptor
// becomes writable. Send never parks, and p may be reused when it returns.
// It returns ErrClosed on a closed FD, and the error of an earlier
// background write (sticky: the backlog is then dropped).
// It must be called from the hub loop or the running task.
func (fd *FD) Send(p []byte) error {
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
		if fd.wready {
			n, err := fd.rawWrite(p)
			if err == nil {
				return nil
			}
			if err != unix.EAGAIN {
				return err
			}
			p = p[n:]
		}
		fd.send = &sendQueue{}
	}
	if fd.send.out == nil {
		fd.h.backlogs++
	}
	fd.send.out = append(fd.send.out, p...)
	return nil
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
		q.out = nil
		fd.h.backlogs--
	}
	if q.err == nil {
		fd.send = nil
	}
}
