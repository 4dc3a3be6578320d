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
	if fd.outErr != nil {
		return fd.outErr
	}
	if len(p) == 0 {
		return nil
	}
	if len(fd.out) == 0 && fd.wready {
		n, err := fd.rawWrite(p)
		if err == nil {
			return nil
		}
		if err != unix.EAGAIN {
			return err
		}
		p = p[n:]
	}
	if fd.out == nil {
		fd.h.backlogs++
	}
	fd.out = append(fd.out, p...)
	return nil
}

// Backlog returns the number of bytes queued by Send and not yet taken by
// the kernel.
// It must be called from the hub loop or the running task.
func (fd *FD) Backlog() int { return len(fd.out) }

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
	for len(fd.out) > max {
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
		_, err := fd.drainq.Wait(t, fd.wreason, d, nil)
		fd.h.ioWaiters--
		if err != nil {
			return err
		}
	}
	if fd.closed {
		return ErrClosed
	}
	return fd.outErr
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
	if len(fd.out) == 0 {
		return fd.Close()
	}
	fd.markClosed()
	return nil
}

// flushOut writes the backlog when epoll reports the FD writable.
// It runs on the loop.
func (fd *FD) flushOut() {
	n, err := fd.rawWrite(fd.out)
	fd.out = fd.out[n:]
	if err != nil && err != unix.EAGAIN {
		fd.outErr = err
		fd.dropOut()
	}
	if len(fd.out) == 0 {
		fd.dropOut()
		if fd.closed {
			fd.release()
		}
	}
	if n > 0 || fd.outErr != nil {
		fd.drainq.WakeAll(nil)
	}
}

// dropOut forgets the backlog.
func (fd *FD) dropOut() {
	if fd.out != nil {
		fd.out = nil
		fd.h.backlogs--
	}
}
