// This file defines FD, a non-blocking file descriptor whose blocking-looking
// calls try the system call, and on EAGAIN park the calling task until the
// poller reports the descriptor ready, then retry (internal/poll's FD, green).
//
// Each FD is registered once with the poller, for both directions; the
// poller reports edges (epoll, kqueue) or emulates them (poll, select watch
// only the directions whose latch is down: poller_level.go).
// Readiness is latched per direction: an edge sets it, an EAGAIN clears it.
// At most one task may wait in each direction; a second gets ErrBusy.
// The send backlog (Send, Drain, CloseFlushed) is in fdsend.go.

package hub

import (
	"io"
	"os"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An FD is a non-blocking file descriptor registered with a hub.
type FD struct {
	h                *Hub
	sysfd            int
	rready, wready   bool
	rwait, wwait     waker
	kind             string        // "socket", "pipe": for wait reasons
	stream           bool          // a short read means the kernel buffer is empty
	hup              bool          // the poller reported hang-up or error: reads never infer
	connected        bool          // Connect succeeded: another is EISCONN on a stream
	registered       bool          // added to the poller (NewSocketFD defers it on epoll: arm)
	rreason, wreason string        // made on first use (see reason)
	timeout          time.Duration // < 0: none
	closed           bool          // closed for its users (Close or CloseFlushed)
	released         bool          // the descriptor itself is closed
	send             *sendQueue    // the send backlog, once Send queued bytes (fdsend.go)
	dirty            bool          // on the hub's list of FDs to flush (fdsend.go)
	failed           error         // why the FD closed asynchronously (fdabort.go)
	lidx             int           // index in a level-triggered poller's set (poller_level.go)
	tcp              bool          // a TCP socket: its last write carries the FIN (SetTCP)
}

// NewFD sets sysfd non-blocking, registers it with the hub's poller and
// returns its FD. The FD owns sysfd from then on: Close closes it. On
// error (the select poller refuses descriptors of 1024 and more with
// ErrFDTooLarge) sysfd stays the caller's.
// It must be called from the hub loop or the running task.
func (h *Hub) NewFD(sysfd int) (*FD, error) {
	if err := unix.SetNonblock(sysfd, true); err != nil {
		return nil, os.NewSyscallError("setnonblock", err)
	}
	fd := &FD{h: h, sysfd: sysfd, rready: true, wready: true, timeout: -1, lidx: -1, registered: true}
	if err := h.poller.register(fd); err != nil {
		return nil, err
	}
	h.usedIO = true
	h.fds[sysfd] = fd
	return fd, nil
}

// NewSocketFD is NewFD for a socket that is already non-blocking (from
// accept4 or socket with SOCK_NONBLOCK), such as an accepted connection:
// it makes no fcntl, and with an edge poller (epoll, kqueue) adds the
// descriptor only when a call first has to wait on it (an EAGAIN), so
// that a connection served without waiting (read a request, write a
// response, close) costs no epoll_ctl at all. Until then reads are tried,
// not inferred from edges. poll and select register it at once, so that
// select refuses a descriptor past its set here (ErrFDTooLarge; sysfd
// stays the caller's), as NewFD does.
// It must be called from the hub loop or the running task.
func (h *Hub) NewSocketFD(sysfd int) (*FD, error) {
	fd := &FD{h: h, sysfd: sysfd, rready: true, wready: true, timeout: -1, lidx: -1}
	if !h.lateFDs {
		if err := h.poller.register(fd); err != nil {
			return nil, err
		}
		fd.registered = true
	}
	h.usedIO = true
	h.fds[sysfd] = fd
	return fd, nil
}

// arm adds the FD to the poller if it is not there yet: before a wait, or
// after a write the kernel did not take whole. Epoll reports at once the
// readiness the descriptor already has, so no edge is lost.
func (fd *FD) arm() error {
	if fd.registered {
		return nil
	}
	if err := fd.h.poller.register(fd); err != nil {
		return err
	}
	fd.registered = true
	return nil
}

// Sysfd returns the descriptor number, or -1 once closed.
func (fd *FD) Sysfd() int {
	if fd.closed {
		return -1
	}
	return fd.sysfd
}

// Closed reports whether Close has been called.
func (fd *FD) Closed() bool { return fd.closed }

// SetTimeout sets the timeout of every later blocking call; d < 0 removes it.
func (fd *FD) SetTimeout(d time.Duration) { fd.timeout = d }

// Timeout returns the timeout set by SetTimeout (< 0: none).
func (fd *FD) Timeout() time.Duration { return fd.timeout }

// SetReasons sets the wait reasons shown by Hub.Dump for a task parked
// reading and writing, such as "socket read on fd 7".
func (fd *FD) SetReasons(read, write string) { fd.rreason, fd.wreason = read, write }

// SetKind names what the descriptor is, such as "socket": the wait reasons
// then read "socket read on fd 7", without the cost of making the strings
// for FDs nobody waits on.
// It must be called from the hub loop or the running task.
func (fd *FD) SetKind(kind string) { fd.kind = kind }

// Readable reports whether a read may find data now: false after a read
// found the kernel buffer empty, until the poller reports more.
// It must be called from the hub loop or the running task.
func (fd *FD) Readable() bool { return fd.rready || !fd.stream || fd.hup }

// ReadableNow is Readable, except that for a stream socket not yet in
// epoll (NewSocketFD), whose readiness the hub has not seen, it asks the
// kernel with a one-byte peek, which needs no buffer: a new connection
// that has sent nothing yet then parks before its reader takes a buffer.
// It must be called from the hub loop or the running task.
func (fd *FD) ReadableNow() bool {
	if !fd.Readable() {
		return false
	}
	if fd.registered || !fd.stream || fd.hup || fd.closed {
		return true
	}
	if peekEmpty(fd.sysfd) {
		fd.rready = false
		return false
	}
	return true
}

// SetStream declares the FD a byte stream (a TCP or Unix stream socket, a
// pipe): a read that returns less than asked for has emptied the kernel's
// buffer, so the next read waits for the poller's edge instead of making a
// system call that would find nothing. Datagram sockets must not be
// streams.
//
// A new stream FD is taken as not yet readable: the poller reports data that is
// already there when the FD is registered, so the first read need not be
// a system call that finds nothing.
func (fd *FD) SetStream(stream bool) {
	fd.stream = stream
	if stream && !fd.hup && fd.registered {
		fd.rready = false
	}
}

// reason returns the wait reason for direction mode ('r' or 'w'), making
// it on first use.
func (fd *FD) reason(mode byte) string {
	p, op := &fd.rreason, "read"
	if mode == 'w' {
		p, op = &fd.wreason, "write"
	}
	if *p == "" {
		*p = op + " fd " + strconv.Itoa(fd.sysfd)
		if fd.kind != "" {
			*p = fd.kind + " " + op + " on fd " + strconv.Itoa(fd.sysfd)
		}
	}
	return *p
}

// fdEvent applies a poller's event (evRead, evWrite, evHup bits) to the FD
// of descriptor sysfd. It runs on the loop.
func (h *Hub) fdEvent(sysfd int, events uint32) {
	if fd := h.fds[sysfd]; fd != nil {
		fd.event(events)
	}
}

// event applies a poller's event to fd. It runs on the loop.
func (fd *FD) event(events uint32) {
	if fd.released {
		return
	}
	if events&evHup != 0 {
		// The end of the stream (or an error) may sit behind the data
		// with no further edge to announce it: read until EAGAIN from now.
		fd.hup = true
	}
	if events&evRead != 0 {
		fd.rready = true
		fd.rwait.wake(nil)
	}
	if events&evWrite != 0 {
		fd.wready = true
		if fd.send != nil && !fd.dirty { // a dirty FD waits for its turn's flush
			fd.flushOut()
		}
		fd.wwait.wake(nil)
	}
}

// wait parks t until the FD is ready in direction mode ('r' or 'w').
func (fd *FD) wait(t *Task, mode byte, timeout time.Duration) error {
	if fd.closed {
		return ErrClosed
	}
	slot := &fd.rwait
	if mode == 'w' {
		slot = &fd.wwait
	}
	if slot.t != nil && slot.t != t {
		return ErrBusy
	}
	if err := t.check(); err != nil {
		return err
	}
	if err := fd.arm(); err != nil {
		return err
	}
	*slot = t.Waker()
	fd.h.ioWaiters++
	// The reason is made only when asked for (Task.Reason): formatting
	// it here would deepen every parked reader's stack.
	t.waitFD, t.waitMode = fd, mode
	var err error
	if timeout < 0 {
		err = t.park("", false) // not through ParkTimeout: one frame less
	} else {
		err = t.ParkTimeout("", timeout)
	}
	t.waitFD = nil
	fd.h.ioWaiters--
	*slot = waker{}
	return err
}

// WaitRead parks t until the FD is readable (or at end of stream, or in
// error), or timeout elapses (ErrTimeout; < 0: never): eventlet's
// trampoline(fd, read=True). It must be called by t itself.
func (fd *FD) WaitRead(t *Task, timeout time.Duration) error {
	if fd.rready && fd.pollNow(unix.POLLIN) {
		return nil
	}
	fd.rready = false
	return fd.wait(t, 'r', timeout)
}

// ParkRead parks t until the poller reports the FD readable, without first
// checking whether it already is: for callers that know a read found
// nothing (Readable is false). It must be called by t itself.
func (fd *FD) ParkRead(t *Task, timeout time.Duration) error {
	return fd.wait(t, 'r', timeout)
}

// WaitWrite parks t until the FD is writable, or timeout elapses.
// It must be called by t itself.
func (fd *FD) WaitWrite(t *Task, timeout time.Duration) error {
	if fd.wready && fd.pollNow(unix.POLLOUT) {
		return nil
	}
	fd.wready = false
	return fd.wait(t, 'w', timeout)
}

// pollNow reports whether the descriptor is ready for events right now.
func (fd *FD) pollNow(events int16) bool {
	if fd.closed {
		return true // let the caller's next call report ErrClosed
	}
	pfd := []unix.PollFd{{Fd: int32(fd.sysfd), Events: events}}
	n, err := unix.Poll(pfd, 0)
	return err == nil && n > 0
}

// Read reads into p, parking t until data arrives. At end of stream it
// returns 0, io.EOF. It must be called by t itself.
func (fd *FD) Read(t *Task, p []byte) (int, error) {
	for {
		if fd.closed {
			return 0, ErrClosed
		}
		if err := fd.h.YieldIfGreedy(t); err != nil {
			return 0, err
		}
		n, err := fd.TryRead(p)
		if err == unix.EAGAIN {
			if err := fd.wait(t, 'r', fd.timeout); err != nil {
				return 0, err
			}
			continue
		}
		return n, err
	}
}

// TryRead reads without parking: it returns 0, unix.EAGAIN when no data is
// waiting. A read that finds data counts against the running task's read
// budget: a caller that reads in a loop calls Hub.YieldIfGreedy before
// each read (fair.go). It must be called from the hub loop or the running
// task.
func (fd *FD) TryRead(p []byte) (int, error) {
	if fd.closed {
		return 0, ErrClosed
	}
	if !fd.rready && fd.stream && !fd.hup {
		return 0, unix.EAGAIN // drained by a short read; the poller will say when
	}
	n, err := unix.Read(fd.sysfd, p)
	for err == unix.EINTR { // a plain loop: no closure frame on a parked thread's stack
		n, err = unix.Read(fd.sysfd, p)
	}
	if err == unix.EAGAIN {
		fd.rready = false
		return 0, err
	}
	if err != nil {
		return 0, os.NewSyscallError("read", err)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	fd.h.reads++
	if n < len(p) && fd.stream && !fd.hup {
		fd.rready = false
	}
	return n, nil
}

// Write writes all of p, parking t whenever the kernel buffer is full.
// A backlog left by Send is written first. Write must not be used while
// another task Sends on the same FD: the two are not ordered.
// It must be called by t itself.
func (fd *FD) Write(t *Task, p []byte) (int, error) {
	if fd.Backlog() > 0 {
		if err := fd.Drain(t, 0, fd.timeout); err != nil {
			return 0, err
		}
	}
	nn := 0
	for nn < len(p) {
		n, err := fd.TryWrite(p[nn:])
		nn += n
		if err == unix.EAGAIN {
			if err := fd.wait(t, 'w', fd.timeout); err != nil {
				return nn, err
			}
			continue
		}
		if err != nil {
			return nn, err
		}
	}
	return nn, nil
}

// TryWrite writes as much of p as the kernel takes now, without parking.
// It returns unix.EAGAIN (and the count written) when the buffer is full.
// It must be called from the hub loop or the running task.
func (fd *FD) TryWrite(p []byte) (int, error) {
	if fd.closed {
		return 0, ErrClosed
	}
	return fd.rawWrite(p)
}

// rawWrite is TryWrite on a descriptor that may be closed for its users
// but not yet released (a backlog being flushed after CloseFlushed).
func (fd *FD) rawWrite(p []byte) (int, error) {
	nn := 0
	for nn < len(p) {
		n, err := ignoringEINTR(func() (int, error) { return unix.Write(fd.sysfd, p[nn:]) })
		if n > 0 {
			nn += n
		}
		if err == unix.EAGAIN {
			fd.wready = false
			if aerr := fd.arm(); aerr != nil {
				return nn, aerr
			}
			return nn, err
		}
		if err != nil {
			return nn, os.NewSyscallError("write", err)
		}
	}
	return nn, nil
}

// Accept accepts a connection on a listening socket, parking t until one
// arrives. The new descriptor is non-blocking and close-on-exec, and not yet
// registered: pass it to NewFD. It must be called by t itself.
func (fd *FD) Accept(t *Task) (int, unix.Sockaddr, error) {
	for {
		if fd.closed {
			return -1, nil, ErrClosed
		}
		nfd, sa, err := accept(fd.sysfd)
		switch err {
		case nil:
			return nfd, sa, nil
		case unix.EINTR, unix.ECONNABORTED:
			// The peer went away before we accepted; try the next one.
			continue
		case unix.EAGAIN:
			fd.rready = false
			if err := fd.wait(t, 'r', fd.timeout); err != nil {
				return -1, nil, err
			}
			continue
		}
		return -1, nil, os.NewSyscallError("accept", err)
	}
}

// Connect connects a non-blocking socket to sa, parking t until the
// connection is established or fails. It must be called by t itself.
func (fd *FD) Connect(t *Task, sa unix.Sockaddr) error {
	if fd.connected && fd.stream { // a datagram socket may connect again
		// Linux reports an asynchronous connect's success to the next
		// connect too; Python's connect (blocking) never sees that.
		return os.NewSyscallError("connect", unix.EISCONN)
	}
	err := unix.Connect(fd.sysfd, sa)
	switch err {
	case nil:
		fd.connected = true
		return nil
	case unix.EISCONN:
		// Every connect here waits until the connection is made, so the
		// socket was connected before this call: an error, as in Python.
		return os.NewSyscallError("connect", err)
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
	default:
		return os.NewSyscallError("connect", err)
	}
	for {
		fd.wready = false
		if err := fd.wait(t, 'w', fd.timeout); err != nil {
			return err
		}
		soerr, err := unix.GetsockoptInt(fd.sysfd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		switch e := unix.Errno(soerr); e {
		case 0, unix.EISCONN:
			fd.connected = true
			return nil
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			continue
		default:
			return os.NewSyscallError("connect", e)
		}
	}
}

// Close wakes the tasks parked on the FD with ErrClosed, drops any send
// backlog, removes the FD from the poller and closes the descriptor. A second
// Close returns ErrClosed; Close after CloseFlushed closes the descriptor
// at once if it is still open.
// It must be called from the hub loop or the running task.
func (fd *FD) Close() error {
	if fd.released {
		return ErrClosed
	}
	fd.markClosed()
	return fd.release()
}

// markClosed makes every later call fail with ErrClosed and wakes the tasks
// parked on the FD with ErrClosed.
func (fd *FD) markClosed() {
	if fd.closed {
		return
	}
	fd.closed = true
	fd.rwait.wake(ErrClosed)
	fd.wwait.wake(ErrClosed)
	if fd.send != nil {
		fd.send.drainq.WakeAll(ErrClosed)
	}
}

// release drops the backlog, unregisters and closes the descriptor.
func (fd *FD) release() error {
	if fd.released {
		return nil
	}
	fd.released = true
	fd.dropOut()
	delete(fd.h.fds, fd.sysfd)
	if fd.registered {
		fd.h.poller.unregister(fd)
	}
	if err := unix.Close(fd.sysfd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// ignoringEINTR retries fn while it fails with EINTR.
func ignoringEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// peekEmpty reports whether a non-blocking one-byte peek finds nothing
// (EAGAIN). A bare system call: it runs on park paths, where every frame
// counts (the shallow-stack rule of package builtins).
//
//go:noinline
func peekEmpty(sysfd int) bool {
	var b byte
	for {
		_, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(sysfd), uintptr(unsafe.Pointer(&b)), 1,
			unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		if e != unix.EINTR {
			return e == unix.EAGAIN
		}
	}
}
