//go:build linux

// This file defines the epoll poller (Linux, the default there): every FD
// registered once, edge-triggered, for both directions.

package hub

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

type epoller struct {
	epfd   int
	wake   *wakeup
	events []unix.EpollEvent
}

func openEpoll(maxEvents int, w *wakeup) (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	p := &epoller{epfd: epfd, wake: w, events: make([]unix.EpollEvent, maxEvents)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(w.rfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, w.rfd, &ev); err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return p, nil
}

func (p *epoller) register(fd *FD) error {
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(fd.sysfd),
	}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd.sysfd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (p *epoller) unregister(fd *FD) error {
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd.sysfd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// wait blocks in epoll_wait for up to timeout, rounded up to a millisecond
// so that timers never fire early, and applies each FD event.
func (p *epoller) wait(h *Hub, timeout time.Duration) error {
	n, err := unix.EpollWait(p.epfd, p.events, waitMillis(timeout))
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("epoll_wait", err)
	}
	for i := 0; i < n; i++ {
		ev := &p.events[i]
		if int(ev.Fd) == p.wake.rfd {
			p.wake.drain()
			continue
		}
		h.fdEvent(int(ev.Fd), epollBits(ev.Events))
	}
	return nil
}

func (p *epoller) close() error { return unix.Close(p.epfd) }

// epollBits turns epoll's event mask into the hub's evRead, evWrite and
// evHup bits. io_uring's poll reports the same mask (Linux's EPOLL* and
// POLL* bits are one set).
func epollBits(e uint32) uint32 {
	var bits uint32
	if e&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		bits |= evRead
	}
	if e&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		bits |= evWrite
	}
	if e&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		bits |= evHup
	}
	return bits
}
