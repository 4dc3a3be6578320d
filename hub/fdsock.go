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

// SetTCP declares the FD a connected TCP socket. Closing it with
// CloseFlushed then sends the last of the backlog and the FIN in one
// segment, not two: the last write is corked (MSG_MORE) and a shutdown of
// the writing side pushes it out with the FIN, before the descriptor is
// closed. On loopback each segment costs the receiver's processing on the
// sender's core, so a server that closes after every response (HTTP's
// Connection: close) spends markedly less per connection.
// It must be called from the hub loop or the running task.
func (fd *FD) SetTCP(tcp bool) { fd.tcp = tcp }

// lastWrite is rawWrite for the backlog of a TCP socket closed by
// CloseFlushed: corked, and once all of p is taken, pushed out with the
// FIN by shutting down the writing side.
func (fd *FD) lastWrite(p []byte) (int, error) {
	nn := 0
	for nn < len(p) {
		n, err := unix.SendmsgN(fd.sysfd, p[nn:], nil, nil, msgMore|msgNoSignal)
		if n > 0 {
			nn += n
		}
		switch err {
		case nil:
			continue
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			fd.wready = false
			if aerr := fd.arm(); aerr != nil {
				return nn, aerr
			}
			return nn, err
		}
		return nn, os.NewSyscallError("sendmsg", err)
	}
	unix.Shutdown(fd.sysfd, unix.SHUT_WR)
	return nn, nil
}
