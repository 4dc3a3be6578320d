// This file defines Select, which parks a task until any of several FDs is
// ready: select.select and trampoline(read=True, write=True) in scripts.

package hub

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Select parks t until one of rfds is readable or one of wfds writable (or
// at end of stream, or in error), or until timeout has passed (< 0: never),
// or until t is woken through another waker (Task.Waker, taken before the
// call). It returns which FDs are ready, as poll(2) reports them: all
// false after a timeout or another wake-up, so callers loop. Like the
// single-FD waits, it fails with ErrBusy if another task waits on one of
// the FDs in the same direction, and with ErrClosed if one is closed.
// It must be called by t itself.
func (h *Hub) Select(t *Task, rfds, wfds []*FD, timeout time.Duration) (r, w []bool, err error) {
	r, w, n, err := pollReady(rfds, wfds)
	if err != nil || n > 0 || timeout == 0 {
		return r, w, err
	}
	err = h.selectPark(t, rfds, wfds, timeout)
	if err == ErrTimeout {
		return r, w, nil
	}
	if err != nil {
		return nil, nil, err
	}
	r, w, _, err = pollReady(rfds, wfds)
	return r, w, err
}

// selectPark registers t as the waiter of every FD and parks it.
func (h *Hub) selectPark(t *Task, rfds, wfds []*FD, timeout time.Duration) error {
	for _, fd := range rfds {
		if fd.rwait.t != nil && fd.rwait.t != t {
			return ErrBusy
		}
	}
	for _, fd := range wfds {
		if fd.wwait.t != nil && fd.wwait.t != t {
			return ErrBusy
		}
	}
	if err := t.check(); err != nil {
		return err
	}
	for _, fd := range rfds {
		if err := fd.arm(); err != nil {
			return err
		}
	}
	for _, fd := range wfds {
		if err := fd.arm(); err != nil {
			return err
		}
	}
	wk := t.Waker()
	for _, fd := range rfds {
		fd.rwait = wk
	}
	for _, fd := range wfds {
		fd.wwait = wk
	}
	n := len(rfds) + len(wfds)
	h.ioWaiters += n
	err := t.ParkTimeout("select", timeout)
	h.ioWaiters -= n
	for _, fd := range rfds {
		if fd.rwait == wk {
			fd.rwait = waker{}
		}
	}
	for _, fd := range wfds {
		if fd.wwait == wk {
			fd.wwait = waker{}
		}
	}
	return err
}

// pollReady asks poll(2), without waiting, which FDs are ready.
func pollReady(rfds, wfds []*FD) (r, w []bool, n int, err error) {
	pfds := make([]unix.PollFd, 0, len(rfds)+len(wfds))
	for _, fd := range rfds {
		if fd.closed {
			return nil, nil, 0, ErrClosed
		}
		pfds = append(pfds, unix.PollFd{Fd: int32(fd.sysfd), Events: unix.POLLIN})
	}
	for _, fd := range wfds {
		if fd.closed {
			return nil, nil, 0, ErrClosed
		}
		pfds = append(pfds, unix.PollFd{Fd: int32(fd.sysfd), Events: unix.POLLOUT})
	}
	r, w = make([]bool, len(rfds)), make([]bool, len(wfds))
	if len(pfds) == 0 {
		return r, w, 0, nil
	}
	for {
		_, err = unix.Poll(pfds, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, nil, 0, os.NewSyscallError("poll", err)
	}
	for i, p := range pfds {
		if p.Revents == 0 {
			continue
		}
		n++
		if i < len(rfds) {
			r[i] = true
		} else {
			w[i-len(rfds)] = true
		}
	}
	return r, w, n, nil
}
