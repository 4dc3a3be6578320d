// This file defines how an FD fails asynchronously: a background write of
// the send backlog that fails (a reset, a broken pipe), or an abort by its
// user (a slow consumer past its output limit), closes the FD at once. The
// failure belongs to the FD's reader: a parked reader wakes with
// ErrClosed and Failed tells it why; a task in Drain gets the failure
// itself; Send to a failed FD returns ErrClosed.

package hub

import (
	"errors"

	"golang.org/x/sys/unix"
)

// ErrOutputLimit is the failure of an FD aborted by AbortOutput: its
// reader did not take the bytes written to it fast enough.
var ErrOutputLimit = errors.New("connection aborted: output limit exceeded (slow consumer)")

// Failed returns the error that closed the FD asynchronously (a failed
// background write, or AbortOutput's ErrOutputLimit), or nil.
// It must be called from the hub loop or the running task.
func (fd *FD) Failed() error { return fd.failed }

// AbortOutput aborts the FD because its peer does not read: the backlog
// is dropped, the connection is reset (SO_LINGER 0, so that the kernel's
// buffer is freed too) and the descriptor closed. A parked reader wakes
// with ErrClosed; Failed returns ErrOutputLimit.
// It must be called from the hub loop or the running task.
func (fd *FD) AbortOutput() {
	if fd.closed {
		return
	}
	unix.SetsockoptLinger(fd.sysfd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	fd.fail(ErrOutputLimit)
}

// Fail closes the FD for its users with err as its failure, and closes
// the descriptor at once: what its user does when a read finds the
// connection reset, so that the descriptor does not wait for a close the
// script may never make (a send backlog to a reset peer never drains).
// It must be called from the hub loop or the running task.
func (fd *FD) Fail(err error) {
	if !fd.closed {
		fd.fail(err)
	}
}

// fail closes the FD for its users with err as its failure and closes
// the descriptor, freeing its number at once.
func (fd *FD) fail(err error) {
	if fd.failed == nil {
		fd.failed = err
	}
	fd.markClosed()
	fd.release()
}
