// This file defines the poller: epoll in edge-triggered mode, with an
// eventfd through which other goroutines wake the loop.
//
// The contract the loop relies on:
//
//	openPoller(n)       create the epoll instance and the wake eventfd
//	register(fd)        add fd once, for reading and writing, edge-triggered
//	unregister(fd)      remove fd before it is closed
//	wait(timeout, fn)   block up to timeout (<0: forever), call fn per event
//	wake()              make a blocked or the next wait return; any goroutine
//	close()             release the epoll instance and the eventfd

package hub

import (
	"encoding/binary"
	"math"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Event bits passed to the FD event handler.
const (
	evRead  = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR
	evWrite = unix.EPOLLOUT | unix.EPOLLHUP | unix.EPOLLERR
)

type poller struct {
	epfd    int
	wakefd  int
	events  []unix.EpollEvent
	waking  atomic.Bool // a wake-up is pending in the eventfd
	closed  atomic.Bool
	wakebuf [8]byte
}

func openPoller(maxEvents int) (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, maxEvents)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		p.close()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return p, nil
}

func (p *poller) register(fd int) error {
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(fd),
	}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (p *poller) unregister(fd int) error {
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// wait blocks in epoll_wait for up to timeout, rounded up to a millisecond
// so that timers never fire early, and calls fn for each FD event.
func (p *poller) wait(timeout time.Duration, fn func(fd int, events uint32)) error {
	msec := -1
	if timeout >= 0 {
		msec = math.MaxInt32 // epoll's int: a longer wait is woken early and retried
		if timeout < time.Duration(math.MaxInt32)*time.Millisecond {
			msec = int((timeout + time.Millisecond - 1) / time.Millisecond)
		}
	}
	n, err := unix.EpollWait(p.epfd, p.events, msec)
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return os.NewSyscallError("epoll_wait", err)
	}
	for i := 0; i < n; i++ {
		ev := &p.events[i]
		if int(ev.Fd) == p.wakefd {
			unix.Read(p.wakefd, p.wakebuf[:])
			p.waking.Store(false)
			continue
		}
		fn(int(ev.Fd), ev.Events)
	}
	return nil
}

// wake is safe to call from any goroutine.
func (p *poller) wake() {
	if p.closed.Load() || !p.waking.CompareAndSwap(false, true) {
		return
	}
	var one [8]byte
	binary.LittleEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(p.wakefd, one[:])
		if err != unix.EINTR {
			return
		}
	}
}

func (p *poller) close() error {
	p.closed.Store(true)
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	if err1 != nil {
		return err1
	}
	return err2
}
