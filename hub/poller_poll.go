//go:build unix

// This file defines the poll(2) poller, on every POSIX system: each wait
// passes the kernel the FDs whose latches are down (levelSet), so its cost
// grows with the FDs waited on, not with the FDs open.

package hub

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

type pollPoller struct {
	levelSet
	pfds  []unix.PollFd
	which []*FD // which[i] is the FD of pfds[i+1]; pfds[0] is the wakeup
}

func openPoll(_ int, w *wakeup) (poller, error) {
	return &pollPoller{levelSet: levelSet{wake: w}}, nil
}

func (p *pollPoller) wait(h *Hub, timeout time.Duration) error {
	p.pfds = append(p.pfds[:0], unix.PollFd{Fd: int32(p.wake.rfd), Events: unix.POLLIN})
	p.which = p.which[:0]
	for _, fd := range p.fds {
		r, w := fd.wants()
		if !r && !w {
			continue // not even passed: poll reports a hang-up unasked
		}
		var events int16
		if r {
			events |= unix.POLLIN
		}
		if w {
			events |= unix.POLLOUT
		}
		p.pfds = append(p.pfds, unix.PollFd{Fd: int32(fd.sysfd), Events: events})
		p.which = append(p.which, fd)
	}
	n, err := unix.Poll(p.pfds, waitMillis(timeout))
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("poll", err)
	}
	if n == 0 {
		return nil
	}
	if p.pfds[0].Revents != 0 {
		p.wake.drain()
	}
	for i, fd := range p.which {
		e := p.pfds[i+1].Revents
		if e == 0 {
			continue
		}
		var bits uint32
		if e&(unix.POLLIN|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			bits |= evRead
		}
		if e&(unix.POLLOUT|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			bits |= evWrite
		}
		if e&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			bits |= evHup
		}
		fd.event(bits)
	}
	clear(p.which) // keep no closed FD alive
	return nil
}

func (p *pollPoller) close() error { return nil }
