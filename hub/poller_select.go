//go:build unix

// This file defines the select(2) poller, on every POSIX system. It takes
// descriptors under FD_SETSIZE (1024) only: register refuses the others
// with ErrFDTooLarge (an OSError in scripts), so a hub that needs more
// descriptors needs another poller.

package hub

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fdSetSize is FD_SETSIZE: the descriptors a unix.FdSet can hold.
const fdSetSize = 8 * int(unsafe.Sizeof(unix.FdSet{}))

// errInvalid is what ErrFDTooLarge wraps.
var errInvalid error = unix.EINVAL

type selectPoller struct {
	levelSet
	rset, wset unix.FdSet
	which      []*FD
}

func openSelect(_ int, w *wakeup) (poller, error) {
	if w.rfd >= fdSetSize {
		return nil, os.NewSyscallError("select", ErrFDTooLarge)
	}
	return &selectPoller{levelSet: levelSet{wake: w}}, nil
}

func (p *selectPoller) register(fd *FD) error {
	if fd.sysfd < 0 || fd.sysfd >= fdSetSize {
		return ErrFDTooLarge
	}
	return p.levelSet.register(fd)
}

func (p *selectPoller) wait(h *Hub, timeout time.Duration) error {
	p.rset.Zero()
	p.wset.Zero()
	p.rset.Set(p.wake.rfd)
	nfd := p.wake.rfd + 1
	p.which = p.which[:0]
	for _, fd := range p.fds {
		r, w := fd.wants()
		if r {
			p.rset.Set(fd.sysfd)
		}
		if w {
			p.wset.Set(fd.sysfd)
		}
		if r || w {
			p.which = append(p.which, fd)
			nfd = max(nfd, fd.sysfd+1)
		}
	}
	var tv *unix.Timeval
	if timeout >= 0 {
		// macOS refuses more than 10^8 s; a longer wait is woken early
		// and retried, as in waitMillis.
		timeout = min(timeout, 24*time.Hour)
		t := unix.NsecToTimeval(int64(timeout)) // rounded up to a microsecond
		tv = &t
	}
	n, err := unix.Select(nfd, &p.rset, &p.wset, nil, tv)
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	if n == 0 {
		return nil
	}
	if p.rset.IsSet(p.wake.rfd) {
		p.wake.drain()
	}
	for _, fd := range p.which {
		var bits uint32
		if p.rset.IsSet(fd.sysfd) {
			bits |= evRead
		}
		if p.wset.IsSet(fd.sysfd) {
			bits |= evWrite
		}
		if bits != 0 {
			fd.event(bits)
		}
	}
	clear(p.which)
	return nil
}

func (p *selectPoller) close() error { return nil }
