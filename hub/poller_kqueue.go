//go:build darwin || freebsd

// This file defines the kqueue poller (macOS and FreeBSD, the default
// there): every FD registered once for both filters, EV_CLEAR so that it
// reports transitions as epoll's edge-triggered mode does. It is compiled
// and vetted for both systems in CI but runs only there.

package hub

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

type kqueuePoller struct {
	kq     int
	wake   *wakeup
	events []unix.Kevent_t
	change [2]unix.Kevent_t
}

func openKqueue(maxEvents int, w *wakeup) (poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	p := &kqueuePoller{kq: kq, wake: w, events: make([]unix.Kevent_t, maxEvents)}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], w.rfd, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, ev[:], nil, nil); err != nil {
		unix.Close(kq)
		return nil, os.NewSyscallError("kevent", err)
	}
	return p, nil
}

func (p *kqueuePoller) control(fd int, flags int) error {
	unix.SetKevent(&p.change[0], fd, unix.EVFILT_READ, flags)
	unix.SetKevent(&p.change[1], fd, unix.EVFILT_WRITE, flags)
	if _, err := unix.Kevent(p.kq, p.change[:], nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (p *kqueuePoller) register(fd *FD) error {
	return p.control(fd.sysfd, unix.EV_ADD|unix.EV_CLEAR)
}

func (p *kqueuePoller) unregister(fd *FD) error {
	return p.control(fd.sysfd, unix.EV_DELETE)
}

func (p *kqueuePoller) wait(h *Hub, timeout time.Duration) error {
	var ts *unix.Timespec
	if timeout >= 0 {
		// Rounded up to a millisecond, as epoll's wait, and bounded: a
		// longer wait is woken early and retried.
		t := unix.NsecToTimespec(int64(time.Duration(waitMillis(min(timeout, 24*time.Hour))) * time.Millisecond))
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events, ts)
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("kevent", err)
	}
	for i := 0; i < n; i++ {
		ev := &p.events[i]
		fd := int(ev.Ident)
		if fd == p.wake.rfd {
			p.wake.drain()
			continue
		}
		var bits uint32
		switch ev.Filter {
		case unix.EVFILT_READ:
			bits = evRead
		case unix.EVFILT_WRITE:
			bits = evWrite
		}
		if ev.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0 {
			bits |= evHup
		}
		h.fdEvent(fd, bits)
	}
	return nil
}

func (p *kqueuePoller) close() error { return unix.Close(p.kq) }
