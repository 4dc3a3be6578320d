// This file defines the FD calls that only sockets have: datagrams
// (Recvfrom, Sendto) and Shutdown, and the lookup of an FD by number.

package hub

import (
	"os"

	"golang.org/x/sys/unix"
)

// Recvfrom receives one datagram (or stream data) into p, parking t until
// one arrives, and returns its length and sender. It must be called by t
// itself.
func (fd *FD) Recvfrom(t *Task, p []byte) (int, unix.Sockaddr, error) {
	for {
		if fd.closed {
			return 0, nil, ErrClosed
		}
		n, sa, err := unix.Recvfrom(fd.sysfd, p, 0)
		switch err {
		case nil:
			return n, sa, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			fd.rready = false
			if err := fd.wait(t, 'r', fd.timeout); err != nil {
				return 0, nil, err
			}
			continue
		}
		return 0, nil, os.NewSyscallError("recvfrom", err)
	}
}

// Sendto sends p as one datagram to sa (nil: the connected peer), parking
// t while the kernel buffer is full. It must be called by t itself.
func (fd *FD) Sendto(t *Task, p []byte, sa unix.Sockaddr) error {
	for {
		if fd.closed {
			return ErrClosed
		}
		err := unix.Sendto(fd.sysfd, p, msgNoSignal, sa)
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			fd.wready = false
			if err := fd.wait(t, 'w', fd.timeout); err != nil {
				return err
			}
			continue
		}
		return os.NewSyscallError("sendto", err)
	}
}

// Shutdown shuts down the reading side (unix.SHUT_RD), the writing side
// (unix.SHUT_WR) or both (unix.SHUT_RDWR) of a socket. A send backlog is
// not waited for: Drain first.
// It must be called from the hub loop or the running task.
func (fd *FD) Shutdown(how int) error {
	if fd.closed {
		return ErrClosed
	}
	if err := unix.Shutdown(fd.sysfd, how); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return nil
}

// LookupFD returns the open FD registered for descriptor sysfd, or nil.
// It must be called from the hub loop or the running task.
func (h *Hub) LookupFD(sysfd int) *FD {
	fd := h.fds[sysfd]
	if fd == nil || fd.closed {
		return nil
	}
	return fd
}
